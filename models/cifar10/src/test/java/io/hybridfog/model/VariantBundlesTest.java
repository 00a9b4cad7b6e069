package io.hybridfog.model;

import io.hybridfog.onnx.testing.VariantBundleChecks;

/** Every exported variant of this data set has a bundle that passes the extender's checks ({@link VariantBundleChecks}). */
class VariantBundlesTest extends VariantBundleChecks {
}
