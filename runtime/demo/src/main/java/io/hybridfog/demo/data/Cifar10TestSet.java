package io.hybridfog.demo.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The CIFAR-10 (JPEG) test images of {@code test.zip} ({@code <class>/<nnnn>.jpg}, 5,000 images) as an
 * {@link ImageFolderTestSet}: sample i is the i-th image entry in name order (the order of each variant's
 * {@code reference-predictions.csv}), labelled by its folder's index in {@link #CLASSES}. {@code hybridfog bench
 * --dataset cifar10} loads it so; demo and dse find it through the data set configuration ({@link DatasetSpec}).
 */
public final class Cifar10TestSet {
    /** Standard CIFAR-10 class order (also alphabetical), as models/hybridfog_models/datasets/cifar10.json pins it. */
    static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
            "ship", "truck");
    static final String ZIP = "test.zip";
    static final String NAME = "CIFAR-10 (JPEG) test";

    private Cifar10TestSet() {
    }

    /**
     * The folder holding test.zip: {@code dataDir} if given, else {@code $HYBRIDFOG_DATA/cifar10} if that variable is
     * set (it names the shared data root, e.g. {@code ../shared/data}), else {@code <home>/../shared/data/cifar10}.
     */
    public static Path locate(Path dataDir, Path home) {
        return dataDir != null ? dataDir : DatasetSpec.dataRoot(home).resolve("cifar10");
    }

    /**
     * @param dir   folder holding test.zip
     * @param limit the first {@code limit} images in name order
     * @throws IOException if test.zip is absent (the message says where it was looked for and how to point elsewhere),
     *                     unreadable, or holds an image outside the ten class folders
     */
    public static ImageFolderTestSet fromFolder(Path dir, int limit) throws IOException {
        Path zip = dir.resolve(ZIP);
        if (!Files.isRegularFile(zip)) {
            throw new IOException("CIFAR-10 test set not found: " + zip.toAbsolutePath()
                    + " does not exist (give the folder holding test.zip with --data, or set HYBRIDFOG_DATA to the "
                    + "shared data folder that contains cifar10/)");
        }
        return ImageFolderTestSet.load(zip, CLASSES, NAME, limit);
    }
}
