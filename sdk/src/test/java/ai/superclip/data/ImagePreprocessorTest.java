package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

    private static float normalised(int value, int channel) {
        return (value / 255f - ImagePreprocessor.CLIP_MEAN[channel]) / ImagePreprocessor.CLIP_STD[channel];
    }

    private static float[] run(BufferedImage image, int size) {
        ImagePreprocessor p = new ImagePreprocessor(size);
        FloatBuffer out = ByteBuffer.allocateDirect(4 * (p.floatsPerImage() + 5)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        p.centerCrop(image, out, 5);
        assertEquals(0, out.position(), "the buffer position is left alone");
        float[] values = new float[p.floatsPerImage()];
        out.get(5, values);
        return values;
    }

    /** Expected CHW values of an S×S grid of RGB pixels (row-major). */
    private static float[] expected(int[][] rgb) {
        int plane = rgb.length;
        float[] values = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                values[c * plane + i] = normalised(rgb[i][c], c);
            }
        }
        return values;
    }

    @Test
    void centreCropOfA4x2ImageGivesExactNormalisedPixels() {
        int[][] pixels = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255},
            {0, 0, 0}, {128, 128, 128}, {10, 20, 30}, {200, 100, 50}};
        BufferedImage image = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 8; i++) {
            image.setRGB(i % 4, i / 4, (pixels[i][0] << 16) | (pixels[i][1] << 8) | pixels[i][2]);
        }
        // Shortest side 2 = S: no resize; the centre 2×2 is columns 1 and 2.
        float[] want = expected(new int[][] {pixels[1], pixels[2], pixels[5], pixels[6]});
        assertArrayEquals(want, run(image, 2), 1e-6f);
    }

    @Test
    void alphaIsCompositedOverWhite() {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x00FF0000); // fully transparent red -> white
        image.setRGB(1, 0, 0x8000FF00); // half-transparent green -> (127, 255, 127)
        BufferedImage square = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        square.setRGB(0, 0, image.getRGB(0, 0));
        square.setRGB(1, 0, image.getRGB(1, 0));
        square.setRGB(0, 1, 0xFF0000FF); // opaque blue
        square.setRGB(1, 1, 0xFF000000); // opaque black
        float[] want = expected(new int[][] {{255, 255, 255}, {127, 255, 127}, {0, 0, 255}, {0, 0, 0}});
        assertArrayEquals(want, run(square, 2), 1.01f / 255 / 0.26f);
    }

    @Test
    void greyValuesAreTakenAsTheyAre() {
        BufferedImage grey = new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = grey.getRaster();
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                raster.setSample(x, y, 0, 128);
            }
        }
        float[] values = run(grey, 1);
        for (int c = 0; c < 3; c++) {
            assertEquals(normalised(128, c), values[c], 1e-6f);
        }
    }

    @Test
    void aUniformImageStaysUniformThroughDownscaling() {
        float[] values = run(TestFiles.solid(300, 200, 0x1E3C5A), 16);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 256; i++) {
                assertEquals(normalised(new int[] {30, 60, 90}[c], c), values[c * 256 + i], 1e-4f);
            }
        }
    }

    @Test
    void downscalingAveragesAFineCheckerboard() {
        BufferedImage board = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                board.setRGB(x, y, (x + y) % 2 == 0 ? 0xFFFFFF : 0);
            }
        }
        float[] values = run(board, 4);
        float grey = normalised(128, 0);
        for (int i = 0; i < 16; i++) {
            assertEquals(grey, values[i], 4f / 255 / 0.27f, "antialiased resize must not alias");
        }
    }

    @Test
    void aOneByOneImageFillsTheWholeOutput() {
        float[] values = run(TestFiles.solid(1, 1, 0xFF8000), 4);
        assertEquals(normalised(255, 0), values[0], 1e-5f);
        assertEquals(normalised(128, 1), values[16 + 15], 1e-5f);
    }

    @Test
    void randomResizedCropIsReproducibleFromItsSeed() {
        BufferedImage image = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 50; x++) {
                image.setRGB(x, y, (x * 5) << 16 | (y * 6) << 8);
            }
        }
        ImagePreprocessor p = new ImagePreprocessor(16);
        float[][] runs = new float[3][];
        long[] seeds = {7, 7, 8};
        for (int r = 0; r < 3; r++) {
            FloatBuffer out = FloatBuffer.allocate(p.floatsPerImage());
            p.randomResizedCrop(image, out, 0, new SplittableRandom(seeds[r]));
            runs[r] = out.array();
            for (float v : runs[r]) {
                assertTrue(Float.isFinite(v));
            }
        }
        assertArrayEquals(runs[0], runs[1], 0f);
        assertFalse(Arrays.equals(runs[0], runs[2]), "another seed, another crop");
    }
}
