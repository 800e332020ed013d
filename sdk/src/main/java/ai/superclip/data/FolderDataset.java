package ai.superclip.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A folder tree of images, each with a sidecar caption file of the same name ending in
 * {@code .txt} ({@code cats/001.jpg} + {@code cats/001.txt}). Images are the files ending in
 * .jpg, .jpeg, .png, .gif or .bmp (any case), sorted by relative path. Captions are read when
 * the folder is opened; images without a sidecar or with an empty one are reported to
 * {@link BadSamples}.
 *
 * <p>Record id: the image path relative to the folder, with {@code /} separators.
 */
public final class FolderDataset implements ImageTextDataset {

    private static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "bmp");

    private final Path root;
    private final List<String> ids;
    private final List<String> captions;
    private final BadSamples badSamples;

    private FolderDataset(Path root, List<String> ids, List<String> captions, BadSamples badSamples) {
        this.root = root;
        this.ids = ids;
        this.captions = captions;
        this.badSamples = badSamples;
    }

    /** Opens a folder, skipping bad samples. */
    public static FolderDataset open(Path folder) {
        return open(folder, BadSamples.skip());
    }

    /**
     * Lists the images under {@code folder} and reads their sidecar captions.
     *
     * @throws DataException when the folder does not exist or holds no usable image
     */
    public static FolderDataset open(Path folder, BadSamples badSamples) {
        if (!Files.isDirectory(folder)) {
            throw new DataException(DataException.Reason.MISSING_FILE, "image folder not found: " + folder);
        }
        List<String> relativePaths;
        try (Stream<Path> files = Files.walk(folder)) {
            relativePaths = files.filter(Files::isRegularFile)
                    .filter(file -> IMAGE_EXTENSIONS.contains(extension(file)))
                    .map(file -> folder.relativize(file).toString().replace(folder.getFileSystem().getSeparator(), "/"))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException | UncheckedIOException e) {
            throw new DataException(DataException.Reason.IO_ERROR, "cannot list image folder " + folder + ": " + e, e);
        }
        List<String> ids = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (String id : relativePaths) {
            try {
                captions.add(Captions.clean(readSidecar(folder, id), id));
                ids.add(id);
            } catch (DataException e) {
                badSamples.report(e);
            }
        }
        if (ids.isEmpty()) {
            throw new DataException(DataException.Reason.NO_SAMPLES, "image folder " + folder
                    + " holds no image with a caption sidecar (" + badSamples.summary() + ")");
        }
        return new FolderDataset(folder, ids, captions, badSamples);
    }

    private static String readSidecar(Path folder, String id) {
        String sidecar = id.substring(0, id.lastIndexOf('.')) + ".txt";
        try {
            return Files.readString(folder.resolve(sidecar), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataException(DataException.Reason.MISSING_CAPTION, id + ": no caption file " + sidecar, e);
        } catch (IOException e) {
            throw new DataException(DataException.Reason.IO_ERROR, id + ": cannot read caption file " + sidecar
                    + ": " + e, e);
        }
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        return name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public String id(int index) {
        return ids.get(index);
    }

    @Override
    public Sample read(int index) {
        String id = ids.get(index);
        return new Sample(id, ImageDecoder.decode(root.resolve(id)), captions.get(index), Sample.NO_LABEL, Map.of());
    }

    @Override
    public String caption(int index) {
        return captions.get(index);
    }

    @Override
    public BadSamples badSamples() {
        return badSamples;
    }
}
