package ai.superclip.artifacts;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Op;

/**
 * The optimizer model ONNX Runtime's training API expects: inputs {@code learning_rate} float[1],
 * {@code step} int64[1] and four float tensor sequences, one {@code AdamWOptimizer} node updating in place,
 * and a BOOL[1] output. Its decoupled decay reaches every parameter; the training model exempts those that should
 * not decay (see {@link TrainingArtifacts}).
 */
final class OptimizerModel {
    static final String[] INPUTS = {"learning_rate", "step", "params", "gradients", "first_order_moments",
        "second_order_moments"};
    static final String OUTPUT = "updated_flag";

    private OptimizerModel() {
    }

    /** With {@code maxGradientNorm} set, ONNX Runtime's {@code InplaceClipGradNorm} clips the gradients first. */
    static ModelProto adamW(AdamW adamW, float weightDecay) {
        float maxGradientNorm = adamW.maxGradientNorm();
        java.util.List<String> inputs = new java.util.ArrayList<>(java.util.List.of(INPUTS));
        GraphProto.Builder g = GraphProto.newBuilder().setName("AdamW");
        if (maxGradientNorm > 0) {
            String clipped = "clipped_gradients";
            g.addNode(NodeProto.newBuilder().setOpType("InplaceClipGradNorm").setDomain(Op.MICROSOFT)
                    .setName("InplaceClipGradNorm").addInput(INPUTS[3]).addOutput(clipped)
                    .addAttribute(floatAttr("max_norm", maxGradientNorm)));
            inputs.set(3, clipped);
        }
        NodeProto node = NodeProto.newBuilder().setOpType("AdamWOptimizer").setDomain(Op.MICROSOFT)
                .setName("AdamWOptimizer").addAllInput(inputs).addOutput(OUTPUT)
                .addAttribute(floatAttr("alpha", adamW.beta1())).addAttribute(floatAttr("beta", adamW.beta2()))
                .addAttribute(floatAttr("epsilon", adamW.epsilon())).addAttribute(floatAttr("weight_decay", weightDecay))
                .addAttribute(intAttr("correct_bias", 1)).addAttribute(intAttr("adam_mode", 0)).build();
        g.addNode(node).addInput(tensor(INPUTS[0], DType.FLOAT)).addInput(tensor(INPUTS[1], DType.INT64))
                .addOutput(tensor(OUTPUT, DType.BOOL));
        for (int i = 2; i < INPUTS.length; i++) {
            TypeProto seq = TypeProto.newBuilder().setSequenceType(TypeProto.Sequence.newBuilder()
                    .setElemType(TypeProto.newBuilder().setTensorType(
                            TypeProto.Tensor.newBuilder().setElemType(DType.FLOAT.onnx().getNumber())))).build();
            g.addInput(ValueInfoProto.newBuilder().setName(INPUTS[i]).setType(seq));
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("superclip").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Graph.ONNX_OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(Op.MICROSOFT).setVersion(Graph.MS_OPSET))
                .build();
    }

    private static ValueInfoProto tensor(String name, DType dtype) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(dtype.onnx().getNumber()).setShape(shape))).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }
}
