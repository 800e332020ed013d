package ai.superclip.graph;

/**
 * The ONNX attributes our ops take, each with its ONNX spelling and value type. Every {@link Op} lists the
 * attributes it accepts, so a node given an attribute its op does not take, or a value of the wrong type, fails
 * when it is built, naming the op, instead of later inside ONNX Runtime.
 */
public enum Attr {
    AXIS("axis", Type.INT),
    AXES("axes", Type.INTS),
    KEEPDIMS("keepdims", Type.INT),
    PERM("perm", Type.INTS),
    /** Cast's target type: an ONNX data type code. */
    TO("to", Type.INT),
    TRANS_A("transA", Type.INT),
    TRANS_B("transB", Type.INT),
    ALPHA("alpha", Type.FLOAT),
    BETA("beta", Type.FLOAT),
    EPSILON("epsilon", Type.FLOAT),
    REDUCTION("reduction", Type.STRING),
    IGNORE_INDEX("ignore_index", Type.INT),
    NUM_HEADS("num_heads", Type.INT),
    UNIDIRECTIONAL("unidirectional", Type.INT);

    /** An attribute's value type, as ONNX's AttributeProto has them. */
    public enum Type {
        INT(Long.class),
        INTS(long[].class),
        FLOAT(Float.class),
        STRING(String.class);

        private final Class<?> javaType;

        Type(Class<?> javaType) {
            this.javaType = javaType;
        }
    }

    private final String onnxName;
    private final Type type;

    Attr(String onnxName, Type type) {
        this.onnxName = onnxName;
        this.type = type;
    }

    /** The name in the ONNX operator schema. */
    public String onnxName() {
        return onnxName;
    }

    public Type type() {
        return type;
    }

    /** Throws unless {@code value} has this attribute's type. */
    void check(Op op, Object value) {
        if (!type.javaType.isInstance(value)) {
            throw new GraphException(op.onnxName() + ": attribute " + onnxName + " takes " + type + ", got "
                    + value.getClass().getSimpleName());
        }
    }
}
