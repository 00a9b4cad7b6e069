package io.hybridfog.onnx.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The test of a data set's model bundle module (models/&lt;dataset&gt;/pom.xml, written by models/add-bundle-module.py):
 * every exported variant folder (edge.onnx, cloud.onnx and metrics.json) has a bundle jar in {@code bundles.dir}
 * that passes {@link ModelBundleCheck}. A variant folder without a jar means the module was not regenerated after
 * the variant was exported. The module passes {@code variants.dir} (the data set folder) and {@code bundles.dir}.
 */
public abstract class VariantBundleChecks {
    private static final Path VARIANTS = Path.of(System.getProperty("variants.dir", "."));
    private static final Path BUNDLES = Path.of(System.getProperty("bundles.dir", "target/bundles"));

    @TestFactory
    public List<DynamicTest> everyExportedVariantHasAValidBundle() throws Exception {
        List<Path> variants;
        try (Stream<Path> dirs = Files.list(VARIANTS)) {
            variants = dirs.filter(d -> Stream.of("edge.onnx", "cloud.onnx", "metrics.json").allMatch(f -> Files.isRegularFile(d.resolve(f))))
                    .sorted().toList();
        }
        assertFalse(variants.isEmpty(), "no exported variant in " + VARIANTS.toAbsolutePath());
        List<DynamicTest> tests = new ArrayList<>();
        for (Path variant : variants) {
            JsonNode metrics = new ObjectMapper().readTree(variant.resolve("metrics.json").toFile());
            String model = metrics.get("model").asText();
            String version = metrics.get("version").asText();
            tests.add(DynamicTest.dynamicTest(variant.getFileName() + " (" + model + ":" + version + ")",
                    () -> ModelBundleCheck.verify(bundleOf(model, version, variant), variant, model, version)));
        }
        return tests;
    }

    private static Path bundleOf(String model, String version, Path variant) throws Exception {
        try (Stream<Path> jars = Files.list(BUNDLES)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                byte[] mf = ModelBundleCheck.read(jar).get("META-INF/MANIFEST.MF");
                Attributes main = new Manifest(new ByteArrayInputStream(mf)).getMainAttributes();
                if (model.equals(main.getValue("HybridFog-Model")) && version.equals(main.getValue("HybridFog-Model-Version"))) {
                    return jar;
                }
            }
        }
        return fail("no bundle of " + model + ":" + version + " (" + variant + ") in " + BUNDLES + ": run "
                + "/usr/bin/python3 models/add-bundle-module.py --dataset " + VARIANTS.toAbsolutePath().normalize().getFileName()
                + " " + variant.getFileName() + " and rebuild");
    }
}
