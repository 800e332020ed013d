package ai.superclip.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The one image decoding path of every file-based source: ImageIO decoding with bounded memory,
 * then conversion to 8-bit RGB.
 *
 * <ul>
 *   <li>Formats: whatever ImageIO reads (PNG, JPEG, GIF, BMP, WBMP, TIFF); of an animated GIF the
 *       first frame.</li>
 *   <li>Dimensions are read from the header first. An image above the pixel limit (default
 *       {@value #DEFAULT_MAX_PIXELS} pixels) is decoded with an integer subsampling factor so
 *       that the decoded image stays under the limit: a corrupt header claiming 20000×20000
 *       never allocates 1.6 GB.</li>
 *   <li>Alpha is composited over white; grey (8 or 16 bit) maps to equal R, G, B; palette and
 *       16-bit colour images are reduced to 8 bits.</li>
 *   <li>CMYK JPEGs are read as Adobe (inverted) CMYK, as Photoshop writes them, and converted
 *       to RGB without an ICC profile: colours are close, not exact.</li>
 *   <li>Empty, truncated (including JPEGs the decoder would silently pad) or corrupt files and
 *       colour models ImageIO cannot read throw a {@link DataException} naming the image.</li>
 * </ul>
 */
public final class ImageDecoder {

    /** Pixel limit above which images are subsampled while decoding. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    private ImageDecoder() {
    }

    /** Decodes an image file; its path is the record id in error messages. */
    public static BufferedImage decode(Path file) {
        String id = file.toString();
        try {
            if (Files.size(file) == 0) {
                throw new DataException(DataException.Reason.UNREADABLE_IMAGE, id + ": empty file (0 bytes)");
            }
            try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
                return decode(in, id, DEFAULT_MAX_PIXELS);
            }
        } catch (NoSuchFileException e) {
            throw new DataException(DataException.Reason.MISSING_FILE, id + ": image file not found", e);
        } catch (IOException e) {
            throw new DataException(DataException.Reason.IO_ERROR, id + ": cannot read image file: " + e, e);
        }
    }

    /** Decodes an encoded image held in memory (a tar member, say). */
    public static BufferedImage decode(byte[] bytes, String id) {
        return decode(bytes, id, DEFAULT_MAX_PIXELS);
    }

    /** As {@link #decode(byte[], String)} with an explicit pixel limit. */
    public static BufferedImage decode(byte[] bytes, String id, long maxPixels) {
        if (bytes.length == 0) {
            throw new DataException(DataException.Reason.UNREADABLE_IMAGE, id + ": empty image (0 bytes)");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            return decode(in, id, maxPixels);
        } catch (IOException e) {
            throw new DataException(DataException.Reason.IO_ERROR, id + ": cannot read image: " + e, e);
        }
    }

    private static BufferedImage decode(ImageInputStream in, String id, long maxPixels) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new DataException(DataException.Reason.UNREADABLE_IMAGE,
                    id + ": not an image in a format ImageIO reads (PNG, JPEG, GIF, BMP, TIFF)");
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
            // The JPEG reader only warns about a truncated file and fills the rest grey; treat that as damage.
            StringBuilder truncation = new StringBuilder();
            reader.addIIOReadWarningListener((source, warning) -> {
                String text = warning.toLowerCase(Locale.ROOT);
                if (text.contains("truncated") || text.contains("premature end")) {
                    truncation.append(warning);
                }
            });
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new DataException(DataException.Reason.UNREADABLE_IMAGE,
                        id + ": invalid dimensions " + width + "x" + height);
            }
            if (!reader.getImageTypes(0).hasNext()) {
                throw new DataException(DataException.Reason.UNREADABLE_IMAGE, id
                        + ": colour model not supported by ImageIO; convert the image to RGB");
            }
            ImageReadParam param = reader.getDefaultReadParam();
            long pixels = (long) width * height;
            if (pixels > maxPixels) {
                int step = (int) Math.ceil(Math.sqrt((double) pixels / maxPixels));
                while (((long) ceilDiv(width, step)) * ceilDiv(height, step) > maxPixels) {
                    step++;
                }
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage image = reader.read(0, param);
            if (truncation.length() > 0) {
                throw new DataException(DataException.Reason.UNREADABLE_IMAGE, id + ": truncated image: " + truncation);
            }
            return toRgb(image);
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO plug-ins signal corrupt input with IIOException and also with assorted
            // runtime exceptions (IllegalArgumentException, ArrayIndexOutOfBoundsException, ...).
            throw new DataException(DataException.Reason.UNREADABLE_IMAGE,
                    id + ": cannot decode image (truncated or corrupt?): " + e, e);
        } finally {
            reader.dispose();
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Converts any image to {@link BufferedImage#TYPE_INT_RGB}: alpha composited over white, grey
     * samples taken as they are (Java's grey colour space is linear, which would brighten them).
     * Returns {@code image} itself when it already is INT_RGB.
     */
    public static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        int width = image.getWidth();
        int height = image.getHeight();
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        ColorModel model = image.getColorModel();
        if (model instanceof ComponentColorModel && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            greyToRgb(image.getRaster(), model, ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData());
        } else {
            Graphics2D g = rgb.createGraphics();
            try {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, width, height);
                g.drawImage(image, 0, 0, null);
            } finally {
                g.dispose();
            }
        }
        return rgb;
    }

    private static void greyToRgb(Raster raster, ColorModel model, int[] out) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        float greyMax = (1 << model.getComponentSize(0)) - 1;
        boolean hasAlpha = model.hasAlpha();
        float alphaMax = hasAlpha ? (1 << model.getComponentSize(1)) - 1 : 1;
        int[] grey = new int[width];
        int[] alpha = new int[width];
        for (int y = 0; y < height; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, 0, grey);
            if (hasAlpha) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, 1, alpha);
            }
            for (int x = 0; x < width; x++) {
                float a = hasAlpha ? alpha[x] / alphaMax : 1f;
                int v = Math.round(255f * (grey[x] / greyMax * a + (1f - a)));
                out[y * width + x] = (v << 16) | (v << 8) | v;
            }
        }
    }
}
