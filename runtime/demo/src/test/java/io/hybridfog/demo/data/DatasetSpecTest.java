package io.hybridfog.demo.data;

import io.hybridfog.demo.HybridFogCli;
import io.hybridfog.demo.replay.DemoCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetSpecTest {
    static final Path HOME = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();

    private static ModelBundleJars.Installed bundle(String model, String dataset) {
        var metadata = DatasetSpec.JSON.createObjectNode();
        if (dataset != null) {
            metadata.put("dataset", dataset);
        }
        return new ModelBundleJars.Installed(Path.of(model + ".jar"), model, "1.0.0", "models/edge.onnx", metadata);
    }

    @Test
    void bundlesBelongByTheirMetadataElseByTheirNamePrefix() throws IOException {
        DatasetSpec cifar10 = DatasetSpec.resolve("cifar10", HOME);
        assertTrue(cifar10.belongs(bundle("cifar10-resnet32-s2b3-b1", null)));
        assertFalse(cifar10.belongs(bundle("cifar100-resnet32-s2b3-b4", null)), "cifar10 does not claim cifar100's models");
        assertFalse(cifar10.belongs(bundle("cifar10-resnet32-s2b3-b1", "other")), "the metadata's dataset key decides");
        assertTrue(DatasetSpec.resolve("fashion-mnist", HOME).belongs(bundle("fashion-mnist-hybrid", null)));
        assertTrue(DatasetSpec.resolve("flowers", HOME).belongs(bundle("my-model", "flowers")));
        assertEquals("s2b3-b4", DatasetSpec.resolve("cifar100", HOME).variantOf("cifar100-resnet32-s2b3-b4"));
        assertEquals("resnet20-s2-b4", DatasetSpec.resolve("cifar100", HOME).variantOf("cifar100-resnet20-s2-b4"));
        assertThrows(IllegalArgumentException.class, () -> DatasetSpec.resolve("../etc", HOME));
    }

    @Test
    void theModelIsTheDefaultOrTheOnlyOneElseTheUserChooses() throws IOException {
        DatasetSpec cifar10 = DatasetSpec.resolve("cifar10", HOME);
        var b1 = bundle(DatasetSpec.CIFAR10_DEFAULT_MODEL, null);
        var b4 = bundle("cifar10-resnet32-s1-b4", null);
        var fm = bundle("fashion-mnist-hybrid", null);
        Path dir = Path.of("models");
        assertEquals(b1, DemoCommand.choose(cifar10, null, List.of(fm, b4, b1), dir, HOME));
        assertEquals(b4, DemoCommand.choose(cifar10, null, List.of(fm, b4), dir, HOME));
        assertEquals(b4, DemoCommand.choose(cifar10, "cifar10-resnet32-s1-b4", List.of(fm, b4, b1), dir, HOME));
        var two = bundle("cifar10-resnet32-s3b2-b2", null);
        IllegalStateException several = assertThrows(IllegalStateException.class,
                () -> DemoCommand.choose(cifar10, null, List.of(b4, two), dir, HOME));
        assertTrue(several.getMessage().contains("--model"), several.getMessage());
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> DemoCommand.choose(DatasetSpec.resolve("cifar100", HOME), null, List.of(fm, b1), dir, HOME));
        assertTrue(none.getMessage().contains("models/train.py baseline --dataset cifar100"), none.getMessage());
    }

    /** The commands the error gives are the ones models/README.md documents (and add-bundle-module.py prints). */
    @Test
    void aMissingBundleErrorGivesTheToolchainCommandsOfModelsReadme() throws IOException {
        String readme = normalized(Files.readString(HOME.resolve("models/README.md")));
        String addBundle = Files.readString(HOME.resolve("models/add-bundle-module.py"));
        String cifar100 = DatasetSpec.resolve("cifar100", HOME).howToProduce(null);
        String flowers = DatasetSpec.resolve("flowers", HOME).howToProduce(null);
        for (String message : List.of(cifar100, flowers)) {
            List<String> commands = message.lines().filter(l -> l.startsWith("  ")).map(String::trim).toList();
            assertEquals(4, commands.size(), message);
            for (String command : commands.subList(0, 3)) {
                assertTrue(readme.contains(normalized(command)), "models/README.md lacks: " + command);
            }
            assertTrue(commands.get(3).startsWith("flock /tmp/hybridfog-mvn.lock mvn -q -o -pl models/"), commands.get(3));
            assertTrue(addBundle.contains("flock /tmp/hybridfog-mvn.lock mvn -q -o -pl models/{args.dataset},runtime/demo install"));
        }
        assertTrue(cifar100.contains("--cut s2b3 --bits 4") && cifar100.contains("add-bundle-module.py --dataset cifar100 s2b3-b4"), cifar100);
        assertTrue(flowers.contains("--data DIR --name flowers"), flowers);
        String asked = DatasetSpec.resolve("cifar100", HOME).howToProduce("cifar100-resnet20-s1-b2");
        assertTrue(asked.contains("--arch resnet20 --cut s1 --bits 2") && asked.contains("cifar100 resnet20-s1-b2"), asked);
    }

    /** Whitespace runs as one space, shell line continuations joined. */
    private static String normalized(String text) {
        return text.replace("\\\n", " ").replaceAll("\\s+", " ");
    }

    @Test
    void theDataFolderIsDataElseTheConfigurationsElseTheDataRootsFolderOfTheName(@TempDir Path tmp) throws IOException {
        Path home = tmp.resolve("main");
        Files.createDirectories(home.resolve(DatasetSpec.CONFIG_DIR));
        Files.writeString(home.resolve(DatasetSpec.CONFIG_DIR).resolve("pets.json"),
                "{\"name\": \"pets\", \"title\": \"Pets\", \"description\": \"Pets (PNG)\", \"data\": [\"/nonexistent/pets\", \"pet-images\"], \"test\": \"eval.zip\"}");
        DatasetSpec pets = DatasetSpec.resolve("pets", home);
        assertEquals("Pets (PNG) test", pets.testSetName());
        if (System.getenv("HYBRIDFOG_DATA") == null) {
            assertEquals(Path.of("/nonexistent/pets"), pets.dataFolder(null, home), "none exists: the first");
            Files.createDirectories(tmp.resolve("shared/data/pet-images"));
            assertEquals(tmp.resolve("shared/data/pet-images"), pets.dataFolder(null, home), "the first that exists");
            assertEquals(tmp.resolve("shared/data/birds"), DatasetSpec.resolve("birds", home).dataFolder(null, home));
        }
        assertEquals(tmp.resolve("given"), pets.dataFolder(tmp.resolve("given"), home));
        IOException missing = assertThrows(IOException.class, () -> pets.testSplit(tmp.resolve("given")));
        assertTrue(missing.getMessage().contains(tmp.resolve("given/eval.zip").toString()) && missing.getMessage().contains("--data")
                && missing.getMessage().contains("HYBRIDFOG_DATA"), missing.getMessage());
        IOException none = assertThrows(IOException.class, () -> DatasetSpec.resolve("birds", home).testSplit(tmp));
        assertTrue(none.getMessage().contains("test.zip") && none.getMessage().contains("--data"), none.getMessage());
    }

    @Test
    void anImageFolderIsReadInNameOrderLabelledByTheModelsClasses(@TempDir Path tmp) throws Exception {
        Path folder = tmp.resolve("test");
        AnyDatasetEndToEndTest.writeImageFolder(folder, 2, 7);
        Files.move(folder.resolve("cross/0001.png"), folder.resolve("cross/0001.PNG"));
        Files.writeString(folder.resolve("cross/notes.txt"), "not an image");
        ImageFolderTestSet set = ImageFolderTestSet.load(folder, List.of("stripes", "cross", "circle"), "shapes test", 100);
        assertEquals(6, set.size());
        assertEquals(List.of("circle/0000.png", "circle/0001.png", "cross/0000.png", "cross/0001.PNG", "stripes/0000.png",
                "stripes/0001.png"), java.util.stream.IntStream.range(0, 6).mapToObj(set::entryName).toList());
        assertEquals(List.of(2, 2, 1, 1, 0, 0), java.util.stream.IntStream.range(0, 6).map(set::label).boxed().toList());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(folder.resolve("cross/0000.png")), set.payload(2)), "bytes unchanged");
        assertEquals(3, ImageFolderTestSet.load(folder, AnyDatasetEndToEndTest.CLASSES, "t", 3).size());
        IOException e = assertThrows(IOException.class, () -> ImageFolderTestSet.load(folder, List.of("circle", "cross"), "t", 1));
        assertTrue(e.getMessage().contains("stripes/0000.png") && e.getMessage().contains("not a class of the model"), e.getMessage());
    }

    /** `hybridfog demo --dataset cifar100` without a cifar100 bundle: exit 2 and the commands that produce one. */
    @Test
    void demoOfADataSetWithoutBundlesSaysHowToProduceOne(@TempDir Path empty) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = HybridFogCli.commandLine().execute("demo", "--dataset", "cifar100", "--home", HOME.toString(),
                    "--models", empty.toString());
        } finally {
            System.setErr(old);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, message);
        assertTrue(message.contains("no model bundle of data set cifar100 in " + empty), message);
        assertTrue(message.contains("/usr/bin/python3 models/train.py hybrid --dataset cifar100 --cut s2b3 --bits 4"), message);
        assertTrue(message.contains("/usr/bin/python3 models/add-bundle-module.py --dataset cifar100 s2b3-b4"), message);
    }
}
