package ai.superclip.graph;

/** The element type and static shape of one tensor. */
public record TypedShape(DType dtype, long[] shape) {
    public TypedShape {
        shape = shape.clone();
    }

    /** The type and shape of an existing value. */
    public static TypedShape of(Value v) {
        return new TypedShape(v.dtype(), v.shape());
    }
}
