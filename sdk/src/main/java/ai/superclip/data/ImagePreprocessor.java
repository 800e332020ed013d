package ai.superclip.data;

import ai.superclip.model.InferenceExport;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.awt.image.SinglePixelPackedSampleModel;
import java.nio.FloatBuffer;
import java.util.random.RandomGenerator;

/**
 * Turns an image into the model's input: a square S×S crop, resampled with an antialiased
 * bicubic filter (PIL's {@code BICUBIC} resize, as open_clip uses), normalised per channel and
 * written as float CHW into a caller's buffer.
 *
 * <ul>
 *   <li>{@link #centerCrop}: open_clip's evaluation transform (resize the shortest side to S,
 *       centre crop S×S), done in one resampling of the central square.</li>
 *   <li>{@link #randomResizedCrop}: open_clip's training transform (torchvision
 *       {@code RandomResizedCrop(S, scale=(0.9, 1.0), ratio=(3/4, 4/3))}), driven by a seeded
 *       generator so that it is reproducible.</li>
 * </ul>
 *
 * Immutable and thread-safe.
 */
public final class ImagePreprocessor {

    /** CLIP's per-channel mean (R, G, B) of pixel values in [0, 1], as the exported encoders record it. */
    public static final float[] CLIP_MEAN = floats(InferenceExport.IMAGE_MEAN);
    /** CLIP's per-channel standard deviation (R, G, B). */
    public static final float[] CLIP_STD = floats(InferenceExport.IMAGE_STD);
    /** open_clip's default lower bound of the random crop's area fraction. */
    public static final double DEFAULT_MIN_CROP_SCALE = 0.9;

    private static final double MIN_RATIO = 3.0 / 4.0;
    private static final double MAX_RATIO = 4.0 / 3.0;
    private static final double BICUBIC_RADIUS = 2.0;

    private final int size;
    private final float[] mean;
    private final float[] inverseStd;
    private final double minCropScale;

    /** S×S output with CLIP's mean and std and open_clip's crop scale (0.9, 1.0). */
    public ImagePreprocessor(int size) {
        this(size, CLIP_MEAN, CLIP_STD, DEFAULT_MIN_CROP_SCALE);
    }

    public ImagePreprocessor(int size, float[] mean, float[] std, double minCropScale) {
        if (size < 1 || mean.length != 3 || std.length != 3 || !(minCropScale > 0 && minCropScale <= 1)) {
            throw new IllegalArgumentException("need size >= 1, 3 means, 3 stds and 0 < minCropScale <= 1");
        }
        this.size = size;
        this.mean = mean.clone();
        this.inverseStd = new float[] {1 / std[0], 1 / std[1], 1 / std[2]};
        this.minCropScale = minCropScale;
    }

    /** The side S of the square output. */
    public int size() {
        return size;
    }

    /** Floats one image takes in a buffer: 3·S·S. */
    public int floatsPerImage() {
        return 3 * size * size;
    }

    /**
     * Evaluation transform: resizes the shortest side to S and takes the centre S×S, writing
     * {@link #floatsPerImage()} floats at {@code offset} of {@code out} (position untouched).
     */
    public void centerCrop(BufferedImage image, FloatBuffer out, int offset) {
        double side = Math.min(image.getWidth(), image.getHeight());
        resample(image, (image.getWidth() - side) / 2, (image.getHeight() - side) / 2, side, side, out, offset);
    }

    /**
     * Training transform: a random crop covering [minCropScale, 1] of the area with an aspect
     * ratio in [3/4, 4/3], resized to S×S; otherwise as {@link #centerCrop}.
     */
    public void randomResizedCrop(BufferedImage image, FloatBuffer out, int offset, RandomGenerator random) {
        int width = image.getWidth();
        int height = image.getHeight();
        double area = (double) width * height;
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * random.nextDouble(minCropScale, Math.nextUp(1.0));
            double ratio = Math.exp(random.nextDouble(Math.log(MIN_RATIO), Math.log(MAX_RATIO)));
            int cropWidth = (int) Math.round(Math.sqrt(targetArea * ratio));
            int cropHeight = (int) Math.round(Math.sqrt(targetArea / ratio));
            if (cropWidth > 0 && cropWidth <= width && cropHeight > 0 && cropHeight <= height) {
                int x = random.nextInt(width - cropWidth + 1);
                int y = random.nextInt(height - cropHeight + 1);
                resample(image, x, y, cropWidth, cropHeight, out, offset);
                return;
            }
        }
        // torchvision's fallback: the whole image, its aspect ratio clamped into range, centred.
        double cropWidth = width;
        double cropHeight = height;
        if ((double) width / height < MIN_RATIO) {
            cropHeight = Math.round(width / MIN_RATIO);
        } else if ((double) width / height > MAX_RATIO) {
            cropWidth = Math.round(height * MAX_RATIO);
        }
        resample(image, (width - cropWidth) / 2, (height - cropHeight) / 2, cropWidth, cropHeight, out, offset);
    }

    /** Resamples the source rectangle (x0, y0, w, h) to S×S, normalises, writes CHW. */
    private void resample(BufferedImage image, double x0, double y0, double w, double h, FloatBuffer out, int offset) {
        int width = image.getWidth();
        int[] pixels = pixels(ImageDecoder.toRgb(image));
        Filter columns = new Filter(x0, w, width, size);
        Filter rows = new Filter(y0, h, image.getHeight(), size);

        // Horizontal pass over only the source rows the vertical pass will read.
        int firstRow = rows.start[0];
        int rowCount = rows.start[size - 1] + rows.count[size - 1] - firstRow;
        float[] horizontal = new float[rowCount * size * 3];
        for (int r = 0; r < rowCount; r++) {
            int rowBase = (firstRow + r) * width;
            for (int i = 0; i < size; i++) {
                float red = 0;
                float green = 0;
                float blue = 0;
                for (int k = 0, j = columns.start[i]; k < columns.count[i]; k++, j++) {
                    float weight = columns.weights[i * columns.taps + k];
                    int p = pixels[rowBase + j];
                    red += weight * ((p >> 16) & 0xFF);
                    green += weight * ((p >> 8) & 0xFF);
                    blue += weight * (p & 0xFF);
                }
                int t = (r * size + i) * 3;
                horizontal[t] = red;
                horizontal[t + 1] = green;
                horizontal[t + 2] = blue;
            }
        }

        float[] chw = new float[floatsPerImage()];
        int plane = size * size;
        for (int o = 0; o < size; o++) {
            for (int i = 0; i < size; i++) {
                float red = 0;
                float green = 0;
                float blue = 0;
                for (int k = 0, r = rows.start[o] - firstRow; k < rows.count[o]; k++, r++) {
                    float weight = rows.weights[o * rows.taps + k];
                    int t = (r * size + i) * 3;
                    red += weight * horizontal[t];
                    green += weight * horizontal[t + 1];
                    blue += weight * horizontal[t + 2];
                }
                int at = o * size + i;
                chw[at] = normalise(red, 0);
                chw[plane + at] = normalise(green, 1);
                chw[2 * plane + at] = normalise(blue, 2);
            }
        }
        out.put(offset, chw);
    }

    private float normalise(float value, int channel) {
        float clamped = Math.max(0f, Math.min(255f, value));
        return (clamped / 255f - mean[channel]) * inverseStd[channel];
    }

    /** The INT_RGB pixel array, without a copy when the raster is a plain full-image array. */
    private static int[] pixels(BufferedImage rgb) {
        int width = rgb.getWidth();
        Raster raster = rgb.getRaster();
        if (raster.getDataBuffer() instanceof DataBufferInt buffer
                && raster.getSampleModel() instanceof SinglePixelPackedSampleModel model
                && model.getScanlineStride() == width && buffer.getOffset() == 0
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            return buffer.getData();
        }
        return rgb.getRGB(0, 0, width, rgb.getHeight(), null, 0, width);
    }

    /**
     * One axis of PIL's antialiased resampling: for each output position the range of source
     * positions it reads and their normalised bicubic weights (the kernel is widened by the
     * downscaling factor so that every source pixel contributes).
     */
    private static final class Filter {
        final int[] start;
        final int[] count;
        final float[] weights;
        final int taps;

        Filter(double origin, double extent, int sourceSize, int outSize) {
            double scale = extent / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = BICUBIC_RADIUS * filterScale;
            taps = (int) Math.ceil(support) * 2 + 1;
            start = new int[outSize];
            count = new int[outSize];
            weights = new float[outSize * taps];
            double[] w = new double[taps];
            for (int i = 0; i < outSize; i++) {
                double center = origin + (i + 0.5) * scale;
                int from = Math.max((int) Math.floor(center - support + 0.5), 0);
                int to = Math.min((int) Math.floor(center + support + 0.5), sourceSize);
                from = Math.min(from, sourceSize - 1);
                to = Math.max(Math.min(to, from + taps), from + 1);
                double sum = 0;
                for (int j = from; j < to; j++) {
                    w[j - from] = bicubic((j - center + 0.5) / filterScale);
                    sum += w[j - from];
                }
                // Drop zero taps at both ends (at scale 1 only the centre tap is left).
                int first = 0;
                int last = to - from - 1;
                while (first < last && w[first] == 0) {
                    first++;
                }
                while (last > first && w[last] == 0) {
                    last--;
                }
                start[i] = from + first;
                count[i] = last - first + 1;
                for (int k = 0; k < count[i]; k++) {
                    weights[i * taps + k] = (float) (sum != 0 ? w[first + k] / sum : 1.0 / (to - from));
                }
            }
        }

        /** Keys' cubic convolution kernel with a = -0.5, as PIL and torchvision use. */
        private static double bicubic(double x) {
            double a = -0.5;
            x = Math.abs(x);
            if (x < 1) {
                return ((a + 2) * x - (a + 3)) * x * x + 1;
            }
            if (x < 2) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0;
        }
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
