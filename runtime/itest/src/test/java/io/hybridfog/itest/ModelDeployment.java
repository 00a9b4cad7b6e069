package io.hybridfog.itest;

import static io.hybridfog.itest.RuntimeFixture.modelName;
import static io.hybridfog.itest.RuntimeFixture.modelVersion;

import io.hybridfog.api.models.ModelCatalog;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.api.models.ModelVersionStatus.State;
import io.hybridfog.onnx.testing.ModelBundleJars;
import io.hybridfog.onnx.testing.ModelBundleJars.Defect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Model bundles as operators deploy them: jars moved into (and deleted from) the folder FileInstall watches, and the
 * {@link ModelCatalog}'s view of the result. The jars are the committed Fashion-MNIST model under other version
 * numbers (same weights), written on the driver side by bundles/onnx's {@link ModelBundleJars}:
 * {@code fashion-mnist-hybrid-1.1.0.jar}, {@code -1.2.0-checksum_mismatch.jar}, {@code -1.2.1-truncated_model.jar}
 * and {@code -1.3.0-edge-only.jar}.
 */
final class ModelDeployment {
    private static final String MODELS_PROPERTY = "hybridfog.itest.swap.models";
    static final long SWAP_TIMEOUT_MS = 30_000;

    private ModelDeployment() {
    }

    /** Driver side: writes the jars and passes their folder to the framework (same JVM) as a system property. */
    static void writeJars() throws Exception {
        Path target = Path.of(System.getProperty("hybridfog.itest.target", "target")).toAbsolutePath();
        Path modelDir = Path.of(System.getProperty("hybridfog.itest.data", "../../models/fashion-mnist"));
        Path jars = Files.createDirectories(target.resolve("itest-swap-models"));
        ModelBundleJars.write(jars, modelDir, "1.1.0", Defect.NONE, true);
        ModelBundleJars.write(jars, modelDir, "1.2.0", Defect.CHECKSUM_MISMATCH, true);
        ModelBundleJars.write(jars, modelDir, "1.2.1", Defect.TRUNCATED_MODEL, true);
        ModelBundleJars.write(jars, modelDir, "1.3.0", Defect.NONE, false);
        System.setProperty(MODELS_PROPERTY, jars.toString());
    }

    /** Moves the jar into the deploy folder atomically, so FileInstall never reads a half-written file. */
    static void deploy(String jar) throws Exception {
        Path source = Path.of(System.getProperty(MODELS_PROPERTY)).resolve(jar);
        Path deploy = Path.of(System.getProperty("hybridfog.itest.deploy"));
        Path staged = source.resolveSibling(jar + ".staged");
        Files.copy(source, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, deploy.resolve(jar), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes the jar from the deploy folder (FileInstall uninstalls the bundle) and waits until it is gone. */
    static void undeploy(String jar, String version) throws Exception {
        Files.deleteIfExists(Path.of(System.getProperty("hybridfog.itest.deploy")).resolve(jar));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SWAP_TIMEOUT_MS);
        while (status(version).isPresent() || !modelVersion.equals(active().version())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(jar + " still installed " + SWAP_TIMEOUT_MS + " ms after its removal: " + catalog().versions());
            }
            Thread.sleep(50);
        }
    }

    static ModelCatalog catalog() {
        return InFramework.service(ModelCatalog.class, null, 10_000);
    }

    static Optional<ModelVersionStatus> status(String version) {
        return catalog().versions().stream().filter(v -> v.model().equals(modelName) && v.version().equals(version)).findFirst();
    }

    static ModelVersionStatus active() {
        return catalog().versions().stream().filter(v -> v.model().equals(modelName) && v.state() == State.ACTIVE)
                .findFirst().orElseThrow(() -> new AssertionError("no active version: " + catalog().versions()));
    }

    static ModelVersionStatus awaitStatus(String version, State state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SWAP_TIMEOUT_MS);
        while (true) {
            Optional<ModelVersionStatus> s = status(version);
            if (s.isPresent() && s.get().state() == state) {
                return s.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(version + " not " + state + " within " + SWAP_TIMEOUT_MS + " ms: " + catalog().versions());
            }
            Thread.sleep(20);
        }
    }

    static void awaitActive(String version) throws InterruptedException {
        awaitStatus(version, State.ACTIVE);
    }

}
