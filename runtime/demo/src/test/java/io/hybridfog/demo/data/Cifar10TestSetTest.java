package io.hybridfog.demo.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class Cifar10TestSetTest {
    /** The module folder is surefire's working directory: the checkout is ../.., the shared data beside it. */
    static final Path HOME = Path.of("../..");

    /** The real test.zip, or the test is skipped with the reason. */
    static Path realDataFolder() {
        Path dir = Cifar10TestSet.locate(null, HOME);
        assumeTrue(Files.isRegularFile(dir.resolve(Cifar10TestSet.ZIP)), "skipped: " + dir.resolve(Cifar10TestSet.ZIP)
                + " is absent (CIFAR-10 JPEG data set; set HYBRIDFOG_DATA to the folder holding cifar10/)");
        return dir;
    }

    @Test
    void entriesAreSortedByNameLabelledByFolderAndSentUnchanged(@TempDir Path dir) throws Exception {
        byte[] cat = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1};
        byte[] airplane = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 2};
        byte[] truck = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 3};
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("test.zip")))) {
            for (var e : List.of(entry("truck/0001.jpg", truck), entry("cat/0000.jpg", cat), entry("README.txt", new byte[1]),
                    entry("airplane/0007.jpg", airplane))) {
                zip.putNextEntry(new ZipEntry((String) e[0]));
                zip.write((byte[]) e[1]);
                zip.closeEntry();
            }
        }
        ImageFolderTestSet set = Cifar10TestSet.fromFolder(dir, Integer.MAX_VALUE);
        assertEquals(3, set.size());
        assertEquals(List.of("airplane/0007.jpg", "cat/0000.jpg", "truck/0001.jpg"), List.of(set.entryName(0), set.entryName(1), set.entryName(2)));
        assertArrayEquals(new int[]{0, 3, 9}, new int[]{set.label(0), set.label(1), set.label(2)});
        assertArrayEquals(airplane, set.payload(0));
        assertArrayEquals(truck, set.payload(2));
        assertEquals(2, Cifar10TestSet.fromFolder(dir, 2).size(), "a limit keeps the first entries in name order");
    }

    @Test
    void aJpegOutsideTheClassFoldersIsRefused(@TempDir Path dir) throws Exception {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("test.zip")))) {
            zip.putNextEntry(new ZipEntry("zebra/0000.jpg"));
            zip.write(new byte[]{1});
            zip.closeEntry();
        }
        IOException e = assertThrows(IOException.class, () -> Cifar10TestSet.fromFolder(dir, 10));
        assertTrue(e.getMessage().contains("zebra/0000.jpg"), e.getMessage());
    }

    @Test
    void aMissingZipSaysWhereItWasLookedForAndHowToPointElsewhere(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> Cifar10TestSet.fromFolder(dir.resolve("nowhere"), 10));
        assertTrue(e.getMessage().contains(dir.resolve("nowhere").resolve("test.zip").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--data") && e.getMessage().contains("HYBRIDFOG_DATA"), e.getMessage());
    }

    @Test
    void dataFolderDefaultsBesideTheCheckout() {
        Path given = Path.of("/somewhere/cifar10");
        assertEquals(given, Cifar10TestSet.locate(given, HOME));
        if (System.getenv("HYBRIDFOG_DATA") == null) {
            assertEquals(Path.of("/work/shared/data/cifar10"), Cifar10TestSet.locate(null, Path.of("/work/main")));
            assertEquals(Path.of("/work/shared/data/cifar10"), Cifar10TestSet.locate(null, Path.of("/work/main/.")));
        }
    }

    /** The real test split: 5,000 images, 500 per class, in the order of the Python reference CSVs. */
    @Test
    void realTestZipInTheOrderOfTheReferencePredictions() throws Exception {
        Path dir = realDataFolder();
        ImageFolderTestSet set = (ImageFolderTestSet) DatasetSpec.resolve("cifar10", HOME).loadTestSet(null, HOME, Cifar10TestSet.CLASSES, Integer.MAX_VALUE);
        assertEquals(5000, set.size());
        int[] perClass = new int[10];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            perClass[set.label(i)]++;
            names.add(set.entryName(i));
        }
        assertArrayEquals(new int[]{500, 500, 500, 500, 500, 500, 500, 500, 500, 500}, perClass);
        assertEquals("airplane/0000.jpg", names.get(0));
        assertEquals("automobile/0000.jpg", names.get(500));
        assertEquals("truck/0499.jpg", names.get(4999));
        assertEquals(names.stream().sorted().toList(), names);
        try (ZipFile zip = new ZipFile(dir.resolve("test.zip").toFile()); InputStream in = zip.getInputStream(zip.getEntry("cat/0042.jpg"))) {
            assertArrayEquals(in.readAllBytes(), set.payload(names.indexOf("cat/0042.jpg")), "the JPEG bytes, unchanged");
        }
    }

    private static Object[] entry(String name, byte[] data) {
        return new Object[]{name, data};
    }
}
