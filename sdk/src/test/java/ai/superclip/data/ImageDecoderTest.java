package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {

    @TempDir
    Path dir;

    private static DataException unreadable(byte[] bytes) {
        DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(bytes, "img-7"));
        assertTrue(e.getMessage().startsWith("img-7"), e.getMessage());
        return e;
    }

    private static BufferedImage noise(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(1);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return image;
    }

    @Test
    void missingEmptyAndGarbageFilesAreNamed() throws IOException {
        Path missing = dir.resolve("nope.png");
        DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(missing));
        assertEquals(DataException.Reason.MISSING_FILE, e.reason());
        assertTrue(e.getMessage().contains("nope.png"));

        Path empty = Files.createFile(dir.resolve("empty.png"));
        e = assertThrows(DataException.class, () -> ImageDecoder.decode(empty));
        assertEquals(DataException.Reason.UNREADABLE_IMAGE, e.reason());
        assertTrue(e.getMessage().contains("empty.png") && e.getMessage().contains("0 bytes"), e.getMessage());

        assertTrue(unreadable("hello, not an image".getBytes()).getMessage().contains("not an image"));
    }

    @Test
    void truncatedPngAndJpegAreRejected() {
        byte[] png = TestFiles.encode(noise(64, 64), "png");
        assertEquals(DataException.Reason.UNREADABLE_IMAGE, unreadable(Arrays.copyOf(png, png.length / 2)).reason());
        byte[] jpeg = TestFiles.encode(noise(64, 64), "jpeg");
        assertEquals(DataException.Reason.UNREADABLE_IMAGE, unreadable(Arrays.copyOf(jpeg, jpeg.length / 2)).reason());
    }

    @Test
    void sixteenBitPngsAreReducedToEightBits() {
        BufferedImage grey = new BufferedImage(2, 2, BufferedImage.TYPE_USHORT_GRAY);
        grey.getRaster().setSample(0, 0, 0, 128 * 257);
        BufferedImage decodedGrey = ImageDecoder.decode(TestFiles.encode(grey, "png"), "grey16");
        assertEquals(0x808080, decodedGrey.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0, decodedGrey.getRGB(1, 1) & 0xFFFFFF);

        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                new int[] {16, 16, 16}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(1, 1);
        raster.setPixel(0, 0, new int[] {65535, 0, 128 * 257});
        BufferedImage rgb16 = new BufferedImage(model, raster, false, null);
        BufferedImage decoded = ImageDecoder.decode(TestFiles.encode(rgb16, "png"), "rgb16");
        assertEquals(0xFF0080, decoded.getRGB(0, 0) & 0xFFFFFF);
    }

    @Test
    void paletteGifWithTransparencyAndAnimatedGifFrameZero() throws IOException {
        IndexColorModel palette = new IndexColorModel(8, 3, new byte[] {(byte) 255, 0, 0},
                new byte[] {0, (byte) 255, 0}, new byte[] {0, 0, (byte) 255}, 2);
        BufferedImage first = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED, palette);
        BufferedImage second = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED, palette);
        first.getRaster().setSample(0, 0, 0, 0); // red
        first.getRaster().setSample(1, 0, 0, 2); // transparent -> white
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                second.getRaster().setSample(x, y, 0, 1); // green everywhere
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            writer.writeToSequence(new IIOImage(first, null, null), null);
            writer.writeToSequence(new IIOImage(second, null, null), null);
            writer.endWriteSequence();
        }
        BufferedImage decoded = ImageDecoder.decode(bytes.toByteArray(), "anim.gif");
        assertEquals(BufferedImage.TYPE_INT_RGB, decoded.getType());
        assertEquals(0xFF0000, decoded.getRGB(0, 0) & 0xFFFFFF, "frame 0, not frame 1");
        assertEquals(0xFFFFFF, decoded.getRGB(1, 0) & 0xFFFFFF, "transparent over white");
    }

    @Test
    void cmykJpegIsConvertedToRgb() throws IOException {
        // Stored inverted, as Adobe (Photoshop) writes CMYK JPEGs: 255 = no ink.
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                cmyk.setPixel(x, y, y == 0 ? new int[] {255, 0, 0, 255} : new int[] {255, 255, 255, 255});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        }
        BufferedImage decoded = ImageDecoder.decode(bytes.toByteArray(), "cmyk.jpg");
        assertEquals(BufferedImage.TYPE_INT_RGB, decoded.getType());
        assertNear(0xFFFFFF, decoded.getRGB(0, 7), 12);
        assertNear(0xFF0000, decoded.getRGB(0, 0), 40);
    }

    private static void assertNear(int expected, int actual, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int want = (expected >> shift) & 0xFF;
            int got = (actual >> shift) & 0xFF;
            assertTrue(Math.abs(want - got) <= tolerance,
                    String.format("expected %06X, got %06X", expected, actual & 0xFFFFFF));
        }
    }

    @Test
    void aHeaderClaiming20000x20000IsNeverDecodedAtFullSize() throws IOException {
        byte[] png = pngWithHeader(20000, 20000);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> unreadable(png));
    }

    @Test
    void imagesAboveThePixelLimitAreSubsampled() {
        byte[] png = TestFiles.encode(noise(400, 300), "png");
        BufferedImage decoded = ImageDecoder.decode(png, "big", 10_000);
        assertEquals(100, decoded.getWidth());
        assertEquals(75, decoded.getHeight());
        assertEquals(1, ImageDecoder.decode(TestFiles.png(1, 1, 0x123456), "tiny").getWidth());
    }

    /** A PNG whose IHDR claims width×height RGB and whose data holds a single row. */
    private static byte[] pngWithHeader(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream header = new DataOutputStream(ihdr);
        header.writeInt(width);
        header.writeInt(height);
        header.write(new byte[] {8, 2, 0, 0, 0});
        chunk(png, "IHDR", ihdr.toByteArray());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(idat)) {
            deflate.write(new byte[1 + 3 * width]);
        }
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        out.writeInt(data.length);
        byte[] typeBytes = type.getBytes("US-ASCII");
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
