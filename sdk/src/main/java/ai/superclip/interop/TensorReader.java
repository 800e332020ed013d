package ai.superclip.interop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Takes a checkpoint's tensors one by one, checking each shape, and remembers which were taken: {@link #finish}
 * fails with every missing, mis-shaped and left-over tensor listed at once, so nothing loads half-mapped.
 */
final class TensorReader {
    private final SafeTensors file;
    private final Set<String> unused;
    private final List<String> problems = new ArrayList<>();

    /** @param ignorable names that may be present and are not weights (e.g. Hugging Face's {@code position_ids}) */
    TensorReader(SafeTensors file, Set<String> ignorable) {
        this.file = file;
        this.unused = new LinkedHashSet<>(file.entries().keySet());
        unused.removeAll(ignorable);
    }

    boolean has(String name) {
        return file.entries().containsKey(name);
    }

    /** Tensor {@code name}, which must have {@code shape} (a scalar may be stored as [] or [1]); null if not. */
    float[] take(String name, long... shape) {
        return fits(name, shape) ? file.floats(name) : null;
    }

    /** Tensor {@code name} as float64 (F64 stays exact), with the checks of {@link #take}; null if it fails them. */
    double[] takeDoubles(String name, long... shape) {
        return fits(name, shape) ? file.doubles(name) : null;
    }

    /** Whether tensor {@code name} is present, floating point and of {@code shape}; notes the problem if not. */
    private boolean fits(String name, long[] shape) {
        if (!has(name)) {
            problems.add("missing " + name + " " + Arrays.toString(shape));
            return false;
        }
        unused.remove(name);
        SafeTensors.Entry entry = file.entry(name);
        boolean scalars = entry.elements() == 1 && Arrays.stream(shape).reduce(1, Math::multiplyExact) == 1;
        if (!Arrays.equals(entry.shape(), shape) && !scalars) {
            problems.add(name + " is " + Arrays.toString(entry.shape()) + ", the architecture wants "
                    + Arrays.toString(shape));
            return false;
        }
        if (!entry.type().isFloat()) {
            problems.add(name + " is " + entry.type() + ", not floating point");
            return false;
        }
        return true;
    }

    /** Fails with every problem and every tensor nothing took; {@code what} says what the file was read as. */
    void finish(String what) {
        if (!unused.isEmpty()) {
            problems.add("unknown tensors " + unused);
        }
        if (!problems.isEmpty()) {
            throw new InteropException(file.file() + " does not fit " + what + ": " + String.join("; ", problems));
        }
    }
}
