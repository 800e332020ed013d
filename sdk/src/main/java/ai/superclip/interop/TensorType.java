package ai.superclip.interop;

import java.nio.ByteBuffer;

/**
 * A safetensors element type ({@code dtype}): its name in the header and its size. Only the floating-point
 * types carry weights the SDK loads (upcast or rounded to float32); the others are recognised so that files
 * holding them (e.g. Hugging Face's int64 {@code position_ids}) still parse.
 */
public enum TensorType {
    BOOL(1), U8(1), I8(1), I16(2), U16(2), I32(4), U32(4), I64(8), U64(8), F8_E5M2(1), F8_E4M3(1),
    F16(2), BF16(2), F32(4), F64(8);

    private final int bytes;

    TensorType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link #read} and {@link #write} support this type. */
    public boolean isFloat() {
        return this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /** Element {@code i} of little-endian {@code data} as float32. */
    float read(ByteBuffer data, int i) {
        return switch (this) {
            case F32 -> data.getFloat(i * 4);
            case F64 -> (float) data.getDouble(i * 8);
            case F16 -> halfToFloat(data.getShort(i * 2));
            case BF16 -> Float.intBitsToFloat((data.getShort(i * 2) & 0xffff) << 16);
            default -> throw new IllegalStateException(this + " is not a floating-point type");
        };
    }

    /**
     * Writes {@code value} as element {@code i} of little-endian {@code data}: exactly as F64, else rounded to
     * float32 and then (F16, BF16) to nearest even.
     */
    void write(ByteBuffer data, int i, double value) {
        switch (this) {
            case F32 -> data.putFloat(i * 4, (float) value);
            case F64 -> data.putDouble(i * 8, value);
            case F16 -> data.putShort(i * 2, floatToHalf((float) value));
            case BF16 -> data.putShort(i * 2, floatToBfloat16((float) value));
            default -> throw new IllegalStateException(this + " is not a floating-point type");
        }
    }

    /** IEEE binary16 to float (exact). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa · 2^-24
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Float to IEEE binary16, rounding to nearest even; overflow gives infinity. */
    static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        float magnitude = Math.abs(value);
        if (Float.isNaN(value)) {
            return (short) (sign | 0x7e00);
        }
        if (magnitude >= 65520f) { // rounds past the largest half, 65504
            return (short) (sign | 0x7c00);
        }
        if (magnitude < 0x1p-14f) { // subnormal half: a multiple of 2^-24, rounded by the float unit (ties to even)
            return (short) (sign | (int) Math.rint(magnitude * 0x1p24f)); // 1024 is the smallest normal, as it should be
        }
        int exponent = ((bits >>> 23) & 0xff) - 112;
        int mantissa = bits & 0x7fffff;
        int half = (exponent << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the correctly rounded result
        }
        return (short) (sign | half);
    }

    /** Float to bfloat16, rounding to nearest even. */
    static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
