package io.hybridfog.demo.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The test split of an ImageFolder data set: a zip file or a folder of {@code <class>/<image>} ({@code .jpg},
 * {@code .jpeg}, {@code .png}, any case; a zip may put everything under a top folder), sent as the image files' bytes,
 * unchanged, the way a camera device would send them.
 *
 * <p>Sample i is the i-th image in entry name order (a folder's paths relative to it, '/'-separated): the order of the
 * training toolchain's reader (models/hybridfog_models/data.py, Python's {@code sorted}; both compare these names code
 * unit by code unit) and of each variant's {@code reference-predictions.csv}. The label is the index of the image's
 * folder name in the class list the model was trained with (its metadata's {@code labels}: the sorted folder names of
 * the training split, or a data set configuration's pinned {@code classes}).
 */
public final class ImageFolderTestSet implements TestSet {
    private final String name;
    private final List<String> classes;
    private final List<String> entries;
    private final byte[][] images;
    private final int[] labels;

    private ImageFolderTestSet(String name, List<String> classes, List<String> entries, byte[][] images, int[] labels) {
        this.name = name;
        this.classes = classes;
        this.entries = entries;
        this.images = images;
        this.labels = labels;
    }

    static boolean isImage(String entryName) {
        String lower = entryName.toLowerCase(Locale.ROOT);
        return lower.endsWith(".jpg") || lower.endsWith(".jpeg") || lower.endsWith(".png");
    }

    /**
     * @param split   a zip file or a folder of {@code <class>/<image>}
     * @param classes the class list the labels index (index = class id)
     * @param name    the test set's name in output, e.g. {@code CIFAR-10 (JPEG) test}
     * @param limit   the first {@code limit} images in name order
     * @throws IOException if the split does not exist, holds no image, or holds an image outside a folder of
     *                     {@code classes} (the message names the entry and the classes)
     */
    static ImageFolderTestSet load(Path split, List<String> classes, String name, int limit) throws IOException {
        if (Files.isDirectory(split)) {
            List<String> names;
            try (Stream<Path> files = Files.walk(split)) {
                names = files.filter(Files::isRegularFile).map(p -> split.relativize(p).toString().replace(java.io.File.separatorChar, '/'))
                        .filter(ImageFolderTestSet::isImage).sorted(Comparator.naturalOrder()).toList();
            }
            return build(split, names, classes, name, limit, entry -> Files.readAllBytes(split.resolve(entry)));
        }
        if (!Files.isRegularFile(split)) {
            throw new IOException(split + " does not exist");
        }
        try (ZipFile zip = new ZipFile(split.toFile())) {
            List<String> names = zip.stream().filter(e -> !e.isDirectory() && isImage(e.getName())).map(ZipEntry::getName)
                    .sorted(Comparator.naturalOrder()).toList();
            return build(split, names, classes, name, limit, entry -> {
                try (InputStream in = zip.getInputStream(zip.getEntry(entry))) {
                    return in.readAllBytes();
                }
            });
        }
    }

    private interface Reader {
        byte[] read(String entry) throws IOException;
    }

    private static ImageFolderTestSet build(Path split, List<String> names, List<String> classes, String name, int limit,
                                            Reader reader) throws IOException {
        if (names.isEmpty()) {
            throw new IOException(split + " holds no .jpg, .jpeg or .png image (<class>/<image> expected)");
        }
        int n = Math.min(limit, names.size());
        byte[][] images = new byte[n][];
        int[] labels = new int[n];
        // every entry's class is checked, not only the first n: a wrong class list shows at once
        for (String entry : names) {
            labelOf(entry, classes, split);
        }
        for (int i = 0; i < n; i++) {
            labels[i] = labelOf(names.get(i), classes, split);
            images[i] = reader.read(names.get(i));
        }
        return new ImageFolderTestSet(name, List.copyOf(classes), List.copyOf(names.subList(0, n)), images, labels);
    }

    /** Class index of an entry {@code .../<class>/<file>}, from its folder name. */
    static int labelOf(String entryName, List<String> classes, Path split) throws IOException {
        String[] parts = entryName.split("/");
        if (parts.length < 2) {
            throw new IOException(split + ": " + entryName + " is not in a class folder (<class>/<image> expected)");
        }
        int label = classes.indexOf(parts[parts.length - 2]);
        if (label < 0) {
            throw new IOException(split + ": " + entryName + " is in folder '" + parts[parts.length - 2]
                    + "', which is not a class of the model (its labels: " + abbreviated(classes) + ")");
        }
        return label;
    }

    private static String abbreviated(List<String> classes) {
        return classes.size() <= 12 ? classes.toString()
                : classes.subList(0, 12).toString().replace("]", ", ... (" + classes.size() + " classes)]");
    }

    /** Entry name of sample i, e.g. {@code airplane/0000.jpg}. */
    String entryName(int i) {
        return entries.get(i);
    }

    /** The class list the labels index. */
    List<String> classes() {
        return classes;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public byte[] payload(int i) {
        return images[i];
    }

    @Override
    public int label(int i) {
        return labels[i];
    }
}
