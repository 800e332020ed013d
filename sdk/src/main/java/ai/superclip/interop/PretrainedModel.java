package ai.superclip.interop;

import ai.superclip.artifacts.AtomicFiles;
import ai.superclip.graph.Parameter;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CLIP model in the SDK's terms, read from or written to another project's files: its architecture, its
 * weights under the SDK's parameter names (open_clip's), and, for SuperCLIP checkpoints, the classification
 * head ({@code superclip_head.*}) and the running IDF statistics.
 *
 * <p>Layouts ({@link Format}): open_clip ({@value OpenClipFormat#CONFIG_FILE} + safetensors; SuperCLIP's
 * release checkpoints are this layout with the head under {@code text_decoder.*} and the text tower possibly
 * under {@code text.}) and Hugging Face {@code CLIPModel} ({@value HuggingFaceFormat#CONFIG_FILE} +
 * {@value HuggingFaceFormat#WEIGHTS_FILE}).
 *
 * @param weights parameter name to values, C order; every parameter of {@code config} but the head's, which
 *     are present together or not at all
 * @param idf SuperCLIP's IDF statistics, or null when the checkpoint has none
 * @param imageMean per-channel RGB mean the model's images are normalised with
 * @param imageStd per-channel RGB standard deviation
 */
public record PretrainedModel(ModelConfig config, Map<String, float[]> weights, IdfState idf, double[] imageMean,
        double[] imageStd) {

    /** The checkpoint layouts. */
    public enum Format {
        OPEN_CLIP, HF;

        /** The format named {@code open_clip} or {@code hf} (as on the command line). */
        public static Format parse(String name) {
            return switch (name) {
                case "open_clip", "open-clip", "openclip" -> OPEN_CLIP;
                case "hf", "huggingface", "hugging_face" -> HF;
                default -> throw new IllegalArgumentException("unknown checkpoint format '" + name
                        + "'; formats: open_clip, hf");
            };
        }
    }

    /**
     * SuperCLIP's running IDF statistics ({@code cap_fq} and {@code num_samples}).
     *
     * @param frequencies per-id running frequency, one per vocabulary id
     * @param samples number of batches seen
     */
    public record IdfState(double[] frequencies, double samples) {
    }

    static final ObjectMapper JSON = new ObjectMapper();

    public PretrainedModel {
        boolean head = weights.keySet().stream().anyMatch(n -> n.startsWith(SuperClipModel.HEAD_PREFIX));
        for (Parameter p : parameters(config)) {
            float[] w = weights.get(p.name());
            if ((head || !isHead(p)) && (w == null || w.length != p.size())) {
                throw new InteropException("parameter " + p.name() + " needs " + p.size() + " values, has "
                        + (w == null ? "none" : w.length));
            }
        }
        if (idf != null && idf.frequencies().length != config.text().vocabSize()) {
            throw new InteropException("IDF statistics over " + idf.frequencies().length + " ids for a vocabulary of "
                    + config.text().vocabSize());
        }
        if (imageMean.length != 3 || imageStd.length != 3) {
            throw new InteropException("image mean and std need 3 channels each");
        }
        weights = Collections.unmodifiableMap(weights);
    }

    /** This model without the SuperCLIP head and IDF statistics: plain CLIP, as open_clip's own model loads it. */
    public PretrainedModel withoutHead() {
        Map<String, float[]> clip = new LinkedHashMap<>(weights);
        clip.keySet().removeIf(n -> n.startsWith(SuperClipModel.HEAD_PREFIX));
        return new PretrainedModel(config, clip, null, imageMean, imageStd);
    }

    /** Whether the SuperCLIP classification head's weights are present. */
    public boolean hasHead() {
        return weights.keySet().stream().anyMatch(n -> n.startsWith(SuperClipModel.HEAD_PREFIX));
    }

    /** The parameters of {@code config}'s SuperCLIP graph, head included: the names and shapes a checkpoint maps onto. */
    static List<Parameter> parameters(ModelConfig config) {
        return SuperClipModel.training(config.withLoss(ModelConfig.Loss.SUPERCLIP)).graph().parameters();
    }

    static boolean isHead(Parameter p) {
        return p.name().startsWith(SuperClipModel.HEAD_PREFIX);
    }

    /**
     * Reads a checkpoint: a safetensors file, or a directory holding one with its configs. Hugging Face is
     * recognised by {@code vision_model.*} tensor names (its {@value HuggingFaceFormat#CONFIG_FILE} must sit
     * beside the file); everything else is read as open_clip / SuperCLIP, with {@value OpenClipFormat#CONFIG_FILE}
     * beside the file if there is one, otherwise with the architecture taken from the tensors' shapes.
     */
    public static PretrainedModel load(Path fileOrDir) {
        SafeTensors tensors = SafeTensors.read(weightsFile(fileOrDir));
        Path dir = tensors.file().toAbsolutePath().getParent();
        return isHuggingFace(tensors) ? HuggingFaceFormat.read(tensors, dir) : OpenClipFormat.read(tensors, dir);
    }

    /** The architecture of the checkpoint {@link #load} would read, without decoding its weights. */
    public static ModelConfig architecture(Path fileOrDir) {
        SafeTensors tensors = SafeTensors.read(weightsFile(fileOrDir));
        Path dir = tensors.file().toAbsolutePath().getParent();
        return isHuggingFace(tensors) ? HuggingFaceFormat.architecture(tensors, dir)
                : OpenClipFormat.architecture(tensors, dir);
    }

    private static boolean isHuggingFace(SafeTensors tensors) {
        return tensors.entries().keySet().stream().anyMatch(n -> n.startsWith(HuggingFaceFormat.VISION_PREFIX));
    }

    private static Path weightsFile(Path fileOrDir) {
        Path file = Files.isDirectory(fileOrDir) ? weightsIn(fileOrDir) : fileOrDir;
        if (!Files.isRegularFile(file)) {
            throw new InteropException("no checkpoint file " + file);
        }
        return file;
    }

    /** Writes this model into {@code dir} in {@code format}: the weights as float32 safetensors and the configs. */
    public void save(Path dir, Format format) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InteropException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        switch (format) {
            case OPEN_CLIP -> OpenClipFormat.write(this, dir);
            case HF -> HuggingFaceFormat.write(this, dir);
        }
    }

    /** Writes this model's inference encoders ({@link InferenceExport}) into {@code dir}. */
    public void exportEncoders(Path dir, String tokenizer) {
        InferenceExport.write(dir, config, weights, tokenizer, imageMean, imageStd);
    }

    private static Path weightsIn(Path dir) {
        List<String> names = List.of(OpenClipFormat.WEIGHTS_FILE, "open_clip_pytorch_model.safetensors",
                HuggingFaceFormat.WEIGHTS_FILE);
        return names.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst().orElseThrow(() ->
                new InteropException(dir + " holds none of " + names));
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new InteropException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static void writeJson(Path file, Object tree) {
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
            AtomicFiles.write(file, out -> out.write(bytes));
        } catch (IOException e) {
            throw new InteropException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The parameters of {@code config} without the head: plain CLIP's. */
    static List<Parameter> clipParameters(ModelConfig config) {
        return parameters(config).stream().filter(p -> !isHead(p)).toList();
    }
}
