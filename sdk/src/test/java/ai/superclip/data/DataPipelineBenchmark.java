package ai.superclip.data;

import ai.superclip.runtime.LocalFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Prints the loader's throughput in images/s: synthetic scenes at 64 px, and PNG files decoded
 * from disk. Run from the IDE or with
 * {@code java -cp <test and runtime classpath> ai.superclip.data.DataPipelineBenchmark [workers]}.
 */
public final class DataPipelineBenchmark {

    private DataPipelineBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        SyntheticScenes scenes = SyntheticScenes.builder().seed(1).count(20_000).imageSize(64).build();
        report("synthetic 64 px", scenes, workers);

        Path dir = FuzzSupport.tempDir("png-benchmark");
        try {
            System.out.println("writing 2,000 PNGs of 64x64 ...");
            for (int i = 0; i < 2_000; i++) {
                TestFiles.write(dir.resolve(i + ".png"), TestFiles.encode(scenes.read(i).image(), "png"));
                TestFiles.write(dir.resolve(i + ".txt"), scenes.shortCaption(i).getBytes(StandardCharsets.UTF_8));
            }
            report("PNG 64 px from disk", FolderDataset.open(dir), workers);
        } finally {
            LocalFiles.deleteTree(dir);
        }
    }

    private static void report(String name, ImageTextDataset dataset, int workers) {
        try (BatchLoader loader = BatchLoader.builder(dataset, new ImagePreprocessor(64)).batchSize(64)
                .workers(workers).augment(true).epochs(3).build()) {
            for (int i = 0; i < 10; i++) {
                loader.next().release(); // warm-up
            }
            long start = System.nanoTime();
            long images = 0;
            while (loader.hasNext()) {
                try (Batch batch = loader.next()) {
                    images += batch.size();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s, batch 64, %d workers: %.0f images/s (%d images)%n", name, workers,
                    images / seconds, images);
        }
    }
}
