package io.hybridfog.demo;

import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A test set that commands can evaluate, and which model bundles belong to it. To add a data set (e.g. CIFAR-10),
 * add its {@link TestSet} loader to {@link #ALL}; {@code --dataset} then accepts its name.
 *
 * @param name        the {@code --dataset} value, e.g. {@code fashion-mnist}
 * @param modelPrefix model names (manifest header {@code HybridFog-Model}) starting with this belong to the data set
 * @param loader      loads the labelled test samples from a HybridFog checkout
 */
record DatasetSpec(String name, String modelPrefix, Loader loader) {

    /** Loads at most {@code limit} test samples; {@code home} is the HybridFog checkout. */
    @FunctionalInterface
    interface Loader {
        TestSet load(Path home, int limit) throws IOException;
    }

    static final List<DatasetSpec> ALL = List.of(
            new DatasetSpec("fashion-mnist", "fashion-mnist", FashionMnistTestSet::load),
            new DatasetSpec("cifar10", "cifar10-resnet32-", Cifar10TestSet::load));

    boolean matches(String modelName) {
        return modelName != null && modelName.startsWith(modelPrefix);
    }

    /** @throws IllegalArgumentException naming the known data sets if there is none of this name */
    static DatasetSpec byName(String name) {
        return ALL.stream().filter(d -> d.name.equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown dataset '" + name + "' (known: " + ALL.stream().map(DatasetSpec::name).collect(Collectors.joining(", ")) + ")"));
    }

    @Override
    public String toString() {
        return name;
    }

    /** The known names, for picocli's {@code ${COMPLETION-CANDIDATES}}. */
    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ALL.stream().map(DatasetSpec::name).iterator();
        }
    }

    /** picocli converter for {@code --dataset}. */
    static final class Converter implements CommandLine.ITypeConverter<DatasetSpec> {
        @Override
        public DatasetSpec convert(String value) {
            try {
                return byName(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
