package io.hybridfog.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The CIFAR-10 (JPEG) test images of {@code test.zip} ({@code <class>/<nnnn>.jpg}, 5,000 images), sent as the
 * JPEG bytes of the zip entries, unchanged, the way a camera device would send them. Sample i is the i-th
 * {@code .jpg} entry in name order: the order of models/cifar10/train.py's {@code load_zip} and of each variant's
 * {@code reference-predictions.csv}. The label is the index of the entry's folder in {@link #CLASSES}.
 */
final class Cifar10TestSet implements TestSet {
    /** Standard CIFAR-10 class order (also alphabetical), as train.py's CLASSES. */
    static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
            "ship", "truck");
    static final String ZIP = "test.zip";

    private final List<String> names;
    private final byte[][] jpegs;
    private final int[] labels;

    private Cifar10TestSet(List<String> names, byte[][] jpegs, int[] labels) {
        this.names = names;
        this.jpegs = jpegs;
        this.labels = labels;
    }

    /**
     * The folder holding test.zip: {@code dataDir} if given, else {@code $HYBRIDFOG_DATA/cifar10} if that variable is
     * set (it names the shared data root, e.g. {@code ../shared/data}), else {@code <home>/../shared/data/cifar10}.
     */
    static Path locate(Path dataDir, Path home) {
        if (dataDir != null) {
            return dataDir;
        }
        String root = System.getenv("HYBRIDFOG_DATA");
        if (root != null && !root.isBlank()) {
            return Path.of(root).resolve("cifar10");
        }
        return home.toAbsolutePath().normalize().resolveSibling("shared").resolve("data").resolve("cifar10");
    }

    /**
     * The test set from the default folder ({@link #locate} without {@code --data}); the signature of
     * {@link FashionMnistTestSet#load} and of {@code DatasetSpec.Loader}.
     *
     * @param home the HybridFog checkout
     */
    static Cifar10TestSet load(Path home, int limit) throws IOException {
        return fromFolder(locate(null, home), limit);
    }

    /**
     * @param dir   folder holding test.zip
     * @param limit the first {@code limit} images in name order
     * @throws IOException if test.zip is absent (the message says where it was looked for and how to point elsewhere),
     *                     unreadable, or holds a {@code .jpg} outside the ten class folders
     */
    static Cifar10TestSet fromFolder(Path dir, int limit) throws IOException {
        Path zip = dir.resolve(ZIP);
        if (!Files.isRegularFile(zip)) {
            throw new IOException("CIFAR-10 test set not found: " + zip.toAbsolutePath()
                    + " does not exist (give the folder holding test.zip with --data, or set HYBRIDFOG_DATA to the "
                    + "shared data folder that contains cifar10/)");
        }
        try (ZipFile file = new ZipFile(zip.toFile())) {
            // the name order of Python's sorted(): both compare these ASCII names code unit by code unit
            List<? extends ZipEntry> entries = file.stream().filter(e -> !e.isDirectory() && e.getName().endsWith(".jpg"))
                    .sorted(Comparator.comparing(ZipEntry::getName)).toList();
            int n = Math.min(limit, entries.size());
            List<String> names = new ArrayList<>(n);
            byte[][] jpegs = new byte[n][];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                ZipEntry entry = entries.get(i);
                labels[i] = labelOf(entry.getName(), zip);
                names.add(entry.getName());
                try (InputStream in = file.getInputStream(entry)) {
                    jpegs[i] = in.readAllBytes();
                }
            }
            return new Cifar10TestSet(List.copyOf(names), jpegs, labels);
        }
    }

    /** Class index of an entry {@code .../<class>/<file>.jpg}, from its folder name. */
    static int labelOf(String entryName, Path zip) throws IOException {
        String[] parts = entryName.split("/");
        int label = parts.length >= 2 ? CLASSES.indexOf(parts[parts.length - 2]) : -1;
        if (label < 0) {
            throw new IOException(zip + ": entry " + entryName + " is not in a class folder " + CLASSES);
        }
        return label;
    }

    /** Zip entry name of sample i, e.g. {@code airplane/0000.jpg}. */
    String entryName(int i) {
        return names.get(i);
    }

    @Override
    public String name() {
        return "CIFAR-10 (JPEG) test";
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public byte[] payload(int i) {
        return jpegs[i];
    }

    @Override
    public int label(int i) {
        return labels[i];
    }
}
