package io.hybridfog.onnx.internal;

import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelLoadException;
import java.lang.System.Logger.Level;
import java.util.Dictionary;
import java.util.Optional;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.util.tracker.BundleTrackerCustomizer;

/** Hands started model bundles to the {@link ModelInventory}, and stopped ones back. Other bundles are not tracked. */
final class ModelBundleCustomizer implements BundleTrackerCustomizer<ModelBundleHeaders> {
    private static final System.Logger LOG = System.getLogger(ModelBundleCustomizer.class.getName());

    private final ModelInventory inventory;

    ModelBundleCustomizer(ModelInventory inventory) {
        this.inventory = inventory;
    }

    @Override
    public ModelBundleHeaders addingBundle(Bundle bundle, BundleEvent event) {
        Optional<ModelBundleHeaders> headers;
        try {
            Dictionary<String, String> manifest = bundle.getHeaders(""); // raw, not localized
            headers = ModelBundleHeaders.parse(manifest::get);
        } catch (ModelLoadException e) {
            LOG.log(Level.ERROR, "model bundle {0} rejected: {1}", ModelInventory.describe(bundle), e.getMessage());
            return null;
        }
        headers.ifPresent(h -> inventory.added(bundle, h));
        return headers.orElse(null);
    }

    @Override
    public void modifiedBundle(Bundle bundle, BundleEvent event, ModelBundleHeaders headers) {
        // STARTING -> ACTIVE: nothing changes for the partitions.
    }

    @Override
    public void removedBundle(Bundle bundle, BundleEvent event, ModelBundleHeaders headers) {
        inventory.removed(bundle);
    }
}
