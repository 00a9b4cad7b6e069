package io.hybridfog.model.fashionmnist;

import io.hybridfog.onnx.testing.ModelBundleContentChecks;

/** This module's bundle passes the extender's checks (bundles/onnx's {@link ModelBundleContentChecks}). */
class ModelBundleContentTest extends ModelBundleContentChecks {
    ModelBundleContentTest() {
        super("fashion-mnist-hybrid");
    }
}
