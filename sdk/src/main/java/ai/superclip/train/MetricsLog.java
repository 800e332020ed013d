package ai.superclip.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** Appends one JSON object per line to the run's metrics file; a resumed run continues the same file. */
final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    MetricsLog(Path file) {
        try {
            Files.createDirectories(file.getParent());
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file, e);
        }
    }

    void write(StepMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", m.step());
        o.put("loss", m.loss());
        o.put("clip_loss", m.clipLoss());
        if (!Double.isNaN(m.clsLoss())) {
            o.put("cls_loss", m.clsLoss());
        }
        o.put("logit_scale", m.scale());
        o.put("lr", m.learningRate());
        o.put("samples_per_s", m.samplesPerSecond());
        o.put("skipped", m.skippedTotal());
        line(o);
    }

    void writeValidation(long step, Map<String, Double> metrics) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        ObjectNode v = o.putObject("val");
        metrics.forEach(v::put);
        line(o);
    }

    private void line(ObjectNode o) {
        try {
            out.write(o.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the metrics log", e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the metrics log", e);
        }
    }
}
