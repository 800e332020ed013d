package ai.superclip.graph;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;

/** Element types a graph value can have, with their ONNX codes. */
public enum DType {
    FLOAT(DataType.FLOAT),
    DOUBLE(DataType.DOUBLE),
    INT32(DataType.INT32),
    INT64(DataType.INT64),
    BOOL(DataType.BOOL);

    private final DataType onnx;

    DType(DataType onnx) {
        this.onnx = onnx;
    }

    /** The ONNX {@code TensorProto.DataType} code. */
    public DataType onnx() {
        return onnx;
    }

    /** Whether gradients can flow through values of this type. */
    public boolean isFloatingPoint() {
        return this == FLOAT || this == DOUBLE;
    }
}
