package ai.superclip.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar samples/bench/target/superclip-bench.jar}: the benchmark suite, ours against libtorch in the same
 * process.
 */
@Command(name = "superclip-bench", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Benchmark train steps (tiny and mid presets, batch 64), inference, tokenisation, the MatMul rate,"
                + " the SuperCLIP head's cost and peak memory against libtorch (DJL); print a table and write JSON.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--out", description = "JSON report")
    Path out = Path.of("runs", "bench", "bench.json");

    @Option(names = "--iterations", description = "Measured iterations per benchmark")
    Integer iterations;

    @Option(names = "--warmup", description = "Warm-up iterations per benchmark")
    Integer warmup;

    @Option(names = "--threads", description = "Threads for ONNX Runtime and libtorch alike")
    int threads = 2;

    @Option(names = "--quick", description = "A short run on tiny shapes (batch 8), for tests")
    boolean quick;

    @Option(names = "--skip-libtorch", description = "Measure ours only (no ratios)")
    boolean skipLibtorch;

    @Option(names = "--profile", negatable = true, description = "Profile the mid train step with ONNX Runtime's profiler")
    Boolean profile;

    @Option(names = "--ort-spinning", negatable = true, description = "Let ONNX Runtime's idle pool threads spin in the"
            + " inference and MatMul benchmarks (off by default: spinning after our run would steal the cores from"
            + " libtorch's next one); the train step runs with the SDK's own session settings")
    boolean ortSpinning;

    @Spec
    CommandSpec spec;

    @Option(names = "--work-dir", description = "Scratch directory for artifacts, encoders and profiles")
    Path workDir;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the benchmark with {@code args} and returns its exit code. */
    public static int run(String... args) {
        return new CommandLine(new BenchCommand()).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (!skipLibtorch && System.getenv(OMP_WAIT_POLICY) == null && !Boolean.getBoolean(CHILD)) {
            return relaunch();
        }
        TorchSetup.configure(threads);
        int it = iterations != null ? iterations : quick ? 3 : 10;
        int wu = warmup != null ? warmup : quick ? 1 : 3;
        Path work = workDir != null ? workDir : out.toAbsolutePath().getParent().resolve("work");
        BenchRunner.Options options = new BenchRunner.Options(wu, it, threads, quick, skipLibtorch,
                profile != null ? profile : !quick, ortSpinning, work);
        Map<String, Object> report = new BenchRunner(options, System.out).run();
        BenchRunner.write(report, out);
        System.out.println("speedup " + report.get("speedup"));
        System.out.println("goals " + report.get("goals"));
        System.out.println("wrote " + out);
        return 0;
    }

    private static final String OMP_WAIT_POLICY = "OMP_WAIT_POLICY";
    private static final String CHILD = "superclip.bench.child";

    /**
     * Runs the benchmark again in a child JVM with {@code OMP_WAIT_POLICY=PASSIVE}. libtorch's OpenMP threads
     * otherwise spin-wait at every parallel region; on a 2-core machine shared with other processes that made
     * libtorch 5 to 20 times slower than with one thread (a tiny-model image batch: 1.1 s instead of 48 ms), which
     * would flatter us. The variable must be in the environment before libgomp loads, hence the child.
     */
    private int relaunch() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("superclip.") || key.startsWith("ai.djl.") || key.equals("ENGINE_CACHE_DIR")
                    || key.equals("DJL_CACHE_DIR") || key.equals("jna.tmpdir") || key.equals("onnxruntime.native.path")) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add("-D" + CHILD + "=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchCommand.class.getName());
        cmd.addAll(spec.commandLine().getParseResult().originalArgs());
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(OMP_WAIT_POLICY, "PASSIVE");
        return pb.start().waitFor();
    }
}
