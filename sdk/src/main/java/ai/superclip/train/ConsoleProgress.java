package ai.superclip.train;

import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A console progress bar with ETA, loss and throughput. Use {@link #forConsole()}: it is quiet when the
 * standard output is not a terminal (CI logs, pipes).
 */
public final class ConsoleProgress implements TrainingListener, AutoCloseable {
    private ProgressBar bar;

    private ConsoleProgress() {
    }

    /** A progress bar when attached to a terminal, otherwise a listener that prints nothing. */
    public static TrainingListener forConsole() {
        return System.console() != null ? new ConsoleProgress() : new TrainingListener() { };
    }

    /** A progress bar even without a terminal (it then prints a line per update). */
    public static ConsoleProgress always() {
        return new ConsoleProgress();
    }

    @Override
    public void onStart(TrainingConfig config, long startStep) {
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(config.steps())
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500)
                .startsFrom(startStep, java.time.Duration.ZERO).showSpeed().build();
    }

    @Override
    public void onStep(StepMetrics m) {
        bar.stepTo(m.step());
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f, %.0f img/s", m.loss(), m.samplesPerSecond()));
    }

    @Override
    public void onFinish(TrainingResult result) {
        close();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
