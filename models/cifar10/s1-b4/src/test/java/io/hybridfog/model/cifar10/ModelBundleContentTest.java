package io.hybridfog.model.cifar10;

import io.hybridfog.onnx.testing.ModelBundleContentChecks;

/** This module's bundle passes the extender's checks (bundles/onnx's {@link ModelBundleContentChecks}). */
class ModelBundleContentTest extends ModelBundleContentChecks {
    ModelBundleContentTest() {
        super("cifar10-resnet32-s1-b4");
    }
}
