package io.hybridfog.model.fashionmnist;

import io.hybridfog.onnx.testing.ModelBundleCheck;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** This module's bundle content passes the extender's checks (bundles/onnx's {@link ModelBundleCheck}). */
class ModelBundleContentTest {
    @Test
    void theBundlePassesTheExtendersChecks() throws Exception {
        ModelBundleCheck.verify(Path.of(System.getProperty("bundle.content.dir")), Path.of("."), "fashion-mnist-hybrid",
                System.getProperty("hybridfog.model.version"));
    }
}
