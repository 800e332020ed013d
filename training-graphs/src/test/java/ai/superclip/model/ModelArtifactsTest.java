package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.superclip.artifacts.NamedArray;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.model.ModelConfig.Loss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny preset's training artifacts, frozen towers and inference encoders, checked without a runtime. */
class ModelArtifactsTest {
    private static final ModelConfig TINY = Presets.get("tiny");

    @TempDir
    Path dir;

    @Test
    void tinyArtifactsFollowTheModelsContract() throws Exception {
        long start = System.nanoTime();
        TrainingArtifacts.Layout layout = SuperClipModel.writeTrainingArtifacts(dir, TINY, List.of(), Map.of(), 7);
        System.out.printf("tiny superclip training artifacts written in %.2f s%n", (System.nanoTime() - start) / 1e9);

        assertEquals(List.of("pixels", "input_ids", "cls_target_ids", "cls_target_weights", "gradient_scale",
                "weight_decay_step"),
                layout.userInputs());
        assertEquals(List.of("loss", "clip_loss", "scale", "cls_loss"), layout.outputs());
        assertTrue(layout.frozen().isEmpty());
        OrtCheckpoint checkpoint = OrtCheckpoint.read(dir.resolve(TrainingArtifacts.CHECKPOINT));
        NamedArray scale = checkpoint.trainable().stream().filter(t -> t.name().equals("logit_scale")).findFirst().orElseThrow();
        assertEquals(0, scale.shape().length, "logit_scale is a scalar");
        assertEquals(Math.log(1 / 0.07), scale.values()[0], 1e-6);
    }

    @Test
    void workerArtifactsExchangeGradientsThroughGraphInputsAndOutputs() throws Exception {
        TrainingArtifacts.Layout layout = SuperClipModel.writeWorkerArtifacts(dir, TINY, List.of(SuperClipModel.VISION_PREFIX),
                Map.of(), 7);
        List<String> gradients = layout.trainable().stream().map(p -> p + TrainingArtifacts.GRADIENT_SUFFIX).toList();
        // the training model injects: the data for the features, one gradient per trainable parameter, the step's loss
        assertEquals(List.of("pixels", "input_ids"), layout.userInputs().subList(0, 2));
        assertEquals(gradients, layout.userInputs().subList(2, 2 + gradients.size()));
        assertEquals(List.of(TrainingArtifacts.STEP_LOSS_INPUT, TrainingArtifacts.WEIGHT_DECAY_INPUT),
                layout.userInputs().subList(2 + gradients.size(), layout.userInputs().size()));
        assertTrue(layout.userInputs().stream().noneMatch(n -> n.endsWith("_grad")), "ORT would take them for its buffers");
        ModelProto training = ModelProto.parseFrom(Files.readAllBytes(dir.resolve(TrainingArtifacts.TRAINING_MODEL)));
        List<String> trainingOutputs = training.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList();
        assertEquals(List.of("loss", SuperClipModel.IMAGE_EMBEDS, SuperClipModel.TEXT_EMBEDS), trainingOutputs.subList(0, 3));
        assertTrue(training.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().endsWith("Grad")),
                "the injection model has no backward");
        // the eval model is the gradient model: loss terms, then the gradients; the global rows have their own symbol
        assertEquals(gradients, layout.outputs().subList(4, layout.outputs().size()));
        ModelProto eval = ModelProto.parseFrom(Files.readAllBytes(dir.resolve(TrainingArtifacts.EVAL_MODEL)));
        ValueInfoProto ownRows = eval.getGraph().getInputList().stream()
                .filter(i -> i.getName().equals(SuperClipModel.OWN_ROWS)).findFirst().orElseThrow();
        assertEquals(List.of("global_batch", "batch"), ownRows.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.getDimParam()).toList());
        assertTrue(layout.trainable().stream().noneMatch(p -> p.startsWith(SuperClipModel.VISION_PREFIX)));
    }

    @Test
    void clipLossHasNoHeadAndNoTargets() {
        TrainingArtifacts.Layout layout = SuperClipModel.writeTrainingArtifacts(dir, TINY.withLoss(Loss.CLIP),
                List.of(), Map.of(), 7);
        assertEquals(List.of("pixels", "input_ids", "gradient_scale", "weight_decay_step"), layout.userInputs());
        assertEquals(List.of("loss", "clip_loss", "scale"), layout.outputs());
        assertTrue(layout.trainable().stream().noneMatch(p -> p.startsWith(SuperClipModel.HEAD_PREFIX)));
    }

    @Test
    void lockedImageTowerIsFrozenAndHasNoGradients() throws Exception {
        TrainingArtifacts.Layout layout = SuperClipModel.writeTrainingArtifacts(dir, TINY,
                List.of(SuperClipModel.VISION_PREFIX), Map.of(), 7);
        assertFalse(layout.frozen().isEmpty());
        assertTrue(layout.frozen().stream().allMatch(p -> p.startsWith("visual.")));
        assertTrue(layout.trainable().stream().noneMatch(p -> p.startsWith("visual.")));
        OrtCheckpoint checkpoint = OrtCheckpoint.read(dir.resolve(TrainingArtifacts.CHECKPOINT));
        assertEquals(layout.frozen().stream().sorted().toList(), checkpoint.frozen().stream().map(NamedArray::name).sorted().toList());
        ModelProto training = ModelProto.parseFrom(Files.readAllBytes(dir.resolve(TrainingArtifacts.TRAINING_MODEL)));
        ModelProto eval = ModelProto.parseFrom(Files.readAllBytes(dir.resolve(TrainingArtifacts.EVAL_MODEL)));
        assertTrue(training.getGraph().getInputList().stream().map(ValueInfoProto::getName)
                .noneMatch(n -> n.startsWith("visual.") && n.endsWith(TrainingArtifacts.BUFFER_SUFFIX)));
        // no backward node reads the image tower's weights: only its forward nodes, as in the eval model
        assertEquals(nodesReadingImageTower(eval), nodesReadingImageTower(training));
    }

    @Test
    void encodersHaveOnlyForwardOpsAndCarryTheirMetadata() throws Exception {
        SuperClipModel.writeTrainingArtifacts(dir, TINY, List.of(), Map.of(), 7);
        Path export = dir.resolve("export");
        InferenceExport.write(export, TINY, dir.resolve(TrainingArtifacts.CHECKPOINT), "clip-bpe-49408");
        for (String file : List.of(InferenceExport.IMAGE_ENCODER, InferenceExport.TEXT_ENCODER)) {
            ModelProto model = ModelProto.parseFrom(Files.readAllBytes(export.resolve(file)));
            for (NodeProto n : model.getGraph().getNodeList()) {
                boolean allowedContribOp = Set.of("Gelu", "FastGelu", "Attention").contains(n.getOpType());
                assertTrue(n.getDomain().isEmpty() || allowedContribOp, file + ": " + n.getDomain() + "::" + n.getOpType());
            }
            // one fused attention kernel per block, causal in the text encoder
            List<NodeProto> attention = model.getGraph().getNodeList().stream()
                    .filter(n -> n.getOpType().equals("Attention")).toList();
            boolean text = file.equals(InferenceExport.TEXT_ENCODER);
            assertEquals(text ? TINY.text().layers() : TINY.vision().layers(), attention.size(), file);
            for (NodeProto n : attention) {
                long unidirectional = n.getAttributeList().stream().filter(a -> a.getName().equals("unidirectional"))
                        .findFirst().orElseThrow().getI();
                assertEquals(text ? 1 : 0, unidirectional, file + " causal mask");
            }
            assertTrue(model.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().startsWith("superclip_head")
                    || t.getName().equals("logit_scale")), "no head, no logit scale");
            assertEquals(1, model.getGraph().getInputCount());
            assertEquals("batch", model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
            Map<String, String> metadata = model.getMetadataPropsList().stream()
                    .collect(Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
            assertEquals(InferenceExport.metadata(TINY, "clip-bpe-49408"), metadata);
            assertEquals("64", metadata.get(InferenceExport.IMAGE_SIZE_KEY));
            assertEquals("[0.48145466, 0.4578275, 0.40821073]", metadata.get(InferenceExport.IMAGE_MEAN_KEY));
            assertEquals("77", metadata.get(InferenceExport.CONTEXT_LENGTH_KEY));
            assertEquals(TINY, ModelConfig.fromJson(metadata.get(InferenceExport.CONFIG_KEY), TINY.adamW()));
        }
        ModelProto image = ModelProto.parseFrom(Files.readAllBytes(export.resolve(InferenceExport.IMAGE_ENCODER)));
        assertEquals("pixels", image.getGraph().getInput(0).getName());
        assertEquals("image_embeds", image.getGraph().getOutput(0).getName());
        ModelProto text = ModelProto.parseFrom(Files.readAllBytes(export.resolve(InferenceExport.TEXT_ENCODER)));
        assertEquals("input_ids", text.getGraph().getInput(0).getName());
        assertEquals("text_embeds", text.getGraph().getOutput(0).getName());
    }

    /** Nodes with an image-tower parameter (a graph input named visual.*) among their inputs. */
    private static long nodesReadingImageTower(ModelProto model) {
        Set<String> tower = model.getGraph().getInputList().stream().map(ValueInfoProto::getName)
                .filter(n -> n.startsWith(SuperClipModel.VISION_PREFIX)).collect(Collectors.toSet());
        return model.getGraph().getNodeList().stream().filter(n -> n.getInputList().stream().anyMatch(tower::contains))
                .count();
    }
}
