package io.hybridfog.demo.data;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A data set that {@code hybridfog demo} and {@code dse} evaluate, by configuration, not by code: its test split (an
 * ImageFolder zip or folder of {@code <class>/<image>}, or IDX files), the model bundles trained on it, and the
 * PyTorch evaluation (metrics.json) to compare with. A name needs nothing else:
 * <ul>
 * <li>the training toolchain's configuration {@code <home>/models/hybridfog_models/datasets/<name>.json}, when it
 * exists (or a JSON file given by path), says where the data lies ({@code data}, relative to the data root, and
 * {@code test}), its title, and pinned {@code classes}/{@code labels}; without one the test split is looked for in
 * {@code <data root>/<name>/};</li>
 * <li>the data root is {@code $HYBRIDFOG_DATA}, else {@code ../shared/data} beside the checkout; {@code --data DIR}
 * names the folder holding the test split instead;</li>
 * <li>a model bundle belongs to the data set when its metadata's {@code dataset} key names it, or, for bundles
 * exported without that key, when its model name is {@code <name>} or starts with {@code <name>-};</li>
 * <li>the PyTorch evaluation is {@code <home>/models/<name>/<variant>/metrics.json} (where models/train.py writes it;
 * {@code models/fashion-mnist/metrics.json} for the shipped Fashion-MNIST model), else the bundle's own
 * {@code models/metrics.json}; only one of the bundle's model and version counts.</li>
 * </ul>
 * Fashion-MNIST's test split without {@code --data} is the repository copy, then Debian's dataset-fashion-mnist
 * ({@link FashionMnistTestSet#load}).
 */
public final class DatasetSpec {
    static final String CONFIG_DIR = "models/hybridfog_models/datasets";
    /** The shipped binary-edge CIFAR-10 variant: cut after stage 2 block 3, 1-bit edge. */
    public static final String CIFAR10_DEFAULT_MODEL = "cifar10-resnet32-s2b3-b1";
    /**
     * The model {@code hybridfog demo} runs when {@code --model} is not given and the data set has several: the
     * shipped ones, and CIFAR-100's 4-bit edge of models/README.md. Other data sets: their only model.
     */
    static final Map<String, String> DEFAULT_MODELS = Map.of("fashion-mnist", "fashion-mnist-hybrid",
            "cifar10", CIFAR10_DEFAULT_MODEL, "cifar100", "cifar100-resnet32-s2b3-b4");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern VARIANT = Pattern.compile("(?:(resnet\\d+)-)?(s\\d(?:b\\d+)?|\\d+)-b(\\d+)");
    /** Python's json writes Infinity and NaN (e.g. a calibration margin of metrics.json): read them. */
    public static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private final String name;
    private final JsonNode config;
    private final Path configFile;
    /** True for a configuration of the checkout (models/train.py --dataset NAME finds it by name). */
    private final boolean named;

    private DatasetSpec(String name, JsonNode config, Path configFile, boolean named) {
        this.name = name;
        this.config = config;
        this.configFile = configFile;
        this.named = named;
    }

    /**
     * A data set by name ({@code cifar10}, {@code flowers}, ...) or by configuration file ({@code path.json}).
     *
     * @param home the HybridFog checkout, where the named configurations are
     * @throws IllegalArgumentException for a name that cannot be one, or a configuration file that does not exist
     * @throws IOException              if a configuration file cannot be read as JSON
     */
    public static DatasetSpec resolve(String nameOrPath, Path home) throws IOException {
        if (nameOrPath.endsWith(".json")) {
            Path file = Path.of(nameOrPath);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("data set configuration " + file.toAbsolutePath() + " does not exist");
            }
            JsonNode config = JSON.readTree(file.toFile());
            String stem = file.getFileName().toString();
            String name = config.path("name").isTextual() ? config.path("name").asText() : stem.substring(0, stem.length() - 5);
            return new DatasetSpec(name, config, file, false);
        }
        if (!NAME.matcher(nameOrPath).matches()) {
            throw new IllegalArgumentException("'" + nameOrPath + "' is not a data set name (letters, digits, '.', '_', '-') "
                    + "nor a configuration file (.json)");
        }
        Path file = home.resolve(CONFIG_DIR).resolve(nameOrPath + ".json");
        if (Files.isRegularFile(file)) {
            return new DatasetSpec(nameOrPath, JSON.readTree(file.toFile()), file, true);
        }
        return new DatasetSpec(nameOrPath, JSON.createObjectNode(), null, false);
    }

    /** A data set of the checkout's configurations, by name, without reading its configuration (for {@link #howToProduce}). */
    public static DatasetSpec named(String name) {
        return new DatasetSpec(name, JSON.createObjectNode(), null, true);
    }

    /** The named configurations of the checkout (file names without .json), sorted. */
    public static List<String> configured(Path home) throws IOException {
        Path dir = home.resolve(CONFIG_DIR);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".json"))
                    .map(f -> f.substring(0, f.length() - 5)).sorted().toList();
        }
    }

    public String name() {
        return name;
    }

    /** The configuration file, if the data set has one. */
    Optional<Path> configFile() {
        return Optional.ofNullable(configFile);
    }

    /** The name in prose: the configuration's {@code title}, else the name. */
    String title() {
        return config.path("title").isTextual() ? config.path("title").asText() : name;
    }

    /** The test set's name in output, e.g. {@code CIFAR-10 (JPEG) test}: the configuration's description, + " test". */
    String testSetName() {
        return (config.path("description").isTextual() ? config.path("description").asText() : title()) + " test";
    }

    /** The model {@code demo} runs by default when the data set has several (see {@link #DEFAULT_MODELS}), or null. */
    public String defaultModel() {
        return DEFAULT_MODELS.get(name);
    }

    /** True if the model bundle was trained on this data set (metadata {@code dataset}, else its name's prefix). */
    public boolean belongs(ModelBundleJars.Installed bundle) {
        String dataset = bundle.dataset();
        return dataset != null ? dataset.equals(name) : belongsByName(bundle.model());
    }

    boolean belongsByName(String model) {
        return model != null && (model.equals(name) || model.startsWith(name + "-"));
    }

    /** Where data set folders are: {@code $HYBRIDFOG_DATA}, else {@code <home>/../shared/data}. */
    static Path dataRoot(Path home) {
        String root = System.getenv("HYBRIDFOG_DATA");
        if (root != null && !root.isBlank()) {
            return Path.of(root);
        }
        return home.toAbsolutePath().normalize().resolveSibling("shared").resolve("data");
    }

    /**
     * The folder holding the test split: {@code dataDir} if given, else the configuration's {@code data} (relative to
     * the data root unless absolute; of a list, the first that exists), else {@code <data root>/<name>}.
     */
    Path dataFolder(Path dataDir, Path home) {
        if (dataDir != null) {
            return dataDir;
        }
        JsonNode data = config.path("data");
        List<String> candidates = new ArrayList<>();
        if (data.isTextual()) {
            candidates.add(data.asText());
        } else if (data.isArray()) {
            data.forEach(d -> candidates.add(d.asText()));
        }
        if (candidates.isEmpty()) {
            candidates.add(name);
        }
        List<Path> paths = candidates.stream().map(c -> Path.of(c).isAbsolute() ? Path.of(c) : dataRoot(home).resolve(c)).toList();
        return paths.stream().filter(Files::exists).findFirst().orElse(paths.get(0));
    }

    /**
     * The test split in {@code folder}: the configuration's {@code test} (relative to it unless absolute), else
     * {@code test.zip}, else {@code test/}, else the folder itself if it holds IDX files.
     *
     * @throws IOException saying where it was looked for and how to point elsewhere
     */
    Path testSplit(Path folder) throws IOException {
        String how = " (give the folder holding it with --data, or set HYBRIDFOG_DATA to the shared data folder that contains "
                + folderName() + "/)";
        if (config.path("test").isTextual()) {
            Path given = folder.resolve(config.path("test").asText());
            if (!Files.exists(given)) {
                throw new IOException(title() + " test split not found: " + given.toAbsolutePath() + " does not exist" + how);
            }
            return given;
        }
        for (Path candidate : List.of(folder.resolve("test.zip"), folder.resolve("test"))) {
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        if (Files.isDirectory(folder) && FashionMnistTestSet.isIdxFolder(folder)) {
            return folder;
        }
        throw new IOException(title() + " test split not found: " + folder.resolve("test.zip").toAbsolutePath() + ", "
                + folder.resolve("test").toAbsolutePath() + "/ and IDX files (" + FashionMnistTestSet.IMAGES
                + "[.gz]) do not exist" + how);
    }

    private String folderName() {
        JsonNode data = config.path("data");
        return data.isTextual() && !Path.of(data.asText()).isAbsolute() ? data.asText() : name;
    }

    /**
     * The test samples for a model with these labels, at most {@code limit}.
     *
     * @param dataDir     {@code --data}, or null
     * @param modelLabels the model's {@code labels} (index = class id): an ImageFolder's folder names must be among them
     * @throws IOException if the test split is absent (the message says where it was looked for), unreadable, or its
     *                     classes are not the model's
     */
    public TestSet loadTestSet(Path dataDir, Path home, List<String> modelLabels, int limit) throws IOException {
        List<String> expected = strings(config.has("labels") ? config.path("labels") : config.path("classes"));
        if (!expected.isEmpty() && !expected.equals(modelLabels)) {
            throw new IOException("the model's labels " + modelLabels + " are not those of the data set configuration "
                    + configFile + " " + expected);
        }
        TestSet testSet;
        if (name.equals("fashion-mnist") && dataDir == null) {
            testSet = FashionMnistTestSet.load(home, limit);
        } else {
            Path split = testSplit(dataFolder(dataDir, home));
            if (Files.isDirectory(split) && FashionMnistTestSet.isIdxFolder(split)) {
                testSet = FashionMnistTestSet.fromIdxFolder(split, testSetName(), limit);
            } else {
                List<String> classes = strings(config.path("classes"));
                testSet = ImageFolderTestSet.load(split, classes.isEmpty() ? modelLabels : classes, testSetName(), limit);
            }
        }
        for (int i = 0; i < testSet.size(); i++) {
            if (testSet.label(i) >= modelLabels.size()) {
                throw new IOException(testSet.name() + ": sample " + i + " has label " + testSet.label(i) + ", the model has "
                        + modelLabels.size() + " classes");
            }
        }
        return testSet;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The variant folder models/train.py writes a model to: {@code cifar100-resnet32-s2b3-b4} -> {@code s2b3-b4}. */
    public String variantOf(String model) {
        String rest = model.startsWith(name + "-") ? model.substring(name.length() + 1) : model;
        return rest.startsWith("resnet32-") ? rest.substring("resnet32-".length()) : rest;
    }

    /** A PyTorch evaluation of a model: metrics.json's content and where it was read. */
    public record Reference(JsonNode metrics, String source) {
    }

    /**
     * The PyTorch evaluation of the bundle's model and version: {@code <home>/models/<name>/<variant>/metrics.json},
     * {@code <home>/models/<name>/metrics.json}, else the bundle's own; a file of another model or version is skipped.
     */
    public Optional<Reference> pytorchReference(Path home, ModelBundleJars.Installed bundle) throws IOException {
        Path dir = home.resolve("models").resolve(name);
        for (Path file : List.of(dir.resolve(variantOf(bundle.model())).resolve("metrics.json"), dir.resolve("metrics.json"))) {
            if (Files.isRegularFile(file)) {
                JsonNode metrics = JSON.readTree(file.toFile());
                if (sameModel(metrics, bundle)) {
                    return Optional.of(new Reference(metrics, home.relativize(file).toString()));
                }
            }
        }
        if (bundle.edgeEntry() != null) {
            Optional<JsonNode> own = ModelBundleJars.metrics(bundle.jar(), bundle.edgeEntry());
            if (own.isPresent() && sameModel(own.get(), bundle)) {
                return Optional.of(new Reference(own.get(), "metrics.json of " + bundle.jar().getFileName()));
            }
        }
        return Optional.empty();
    }

    private static boolean sameModel(JsonNode metrics, ModelBundleJars.Installed bundle) {
        return (!metrics.has("model") || metrics.path("model").asText().equals(bundle.model()))
                && (!metrics.has("version") || metrics.path("version").asText().equals(bundle.version()));
    }

    /**
     * How a model bundle of this data set is produced, for the error when none is installed: the commands of
     * models/README.md (baseline, hybrid, bundle module, build).
     *
     * @param model the model asked for, or null: its variant (cut, bits, architecture) goes into the commands
     */
    public String howToProduce(String model) {
        if (name.equals("fashion-mnist") && (model == null || model.equals("fashion-mnist-hybrid"))) {
            return "it is built by the module models/fashion-mnist (mvn install -pl models/fashion-mnist,runtime/demo)";
        }
        String variant = model == null ? null : variantOf(model);
        Matcher m = variant == null ? null : VARIANT.matcher(variant);
        boolean parsed = m != null && m.matches();
        String arch = parsed && m.group(1) != null ? m.group(1) : null;
        String cut = parsed ? m.group(2) : "s2b3";
        String bits = parsed ? m.group(3) : name.equals("cifar100") ? "4" : "1";
        if (!parsed) {
            variant = cut + "-b" + bits;
        }
        String data = named ? "--dataset " + name : configFile != null ? "--dataset " + configFile : "--data DIR --name " + name;
        String archOption = arch == null ? "" : " --arch " + arch;
        // the recipes of models/README.md (DatasetSpecTest checks that they are written there)
        String hybrid = name.equals("cifar100") && arch == null
                ? " --epochs 15 --threads 2 --exit-pool 4 --exit-weight 0.5 --shortcuts conv --distill-t 4 --distill-weight 0.7"
                  + " --calibrate-against baseline --max-drop 0.01"
                : " --epochs 15 --threads 2";
        return "train, export and bundle one with the toolchain (models/README.md"
                + (data.startsWith("--data DIR") ? "; DIR holds train.zip and test.zip, or train/ and test/, each <class>/<image>" : "")
                + "), then run this command again:\n"
                + "  /usr/bin/python3 models/train.py baseline " + data + archOption
                + " --epochs 120 --schedule warmup-cosine --threads 2 --report-test\n"
                + "  /usr/bin/python3 models/train.py hybrid " + data + archOption + " --cut " + cut + " --bits " + bits + hybrid + "\n"
                + "  /usr/bin/python3 models/add-bundle-module.py --dataset " + name + " " + variant + "\n"
                + "  flock /tmp/hybridfog-mvn.lock mvn -q -o -pl models/" + name + ",runtime/demo install";
    }

    @Override
    public String toString() {
        return name;
    }
}
