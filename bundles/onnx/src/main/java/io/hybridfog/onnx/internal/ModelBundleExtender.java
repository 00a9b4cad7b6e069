package io.hybridfog.onnx.internal;

import io.hybridfog.onnx.OnnxEnvironment;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.util.tracker.BundleTracker;

/**
 * Watches for model bundles and registers their partitions as services while the bundle is started
 * (STARTING with lazy activation, or ACTIVE). Stopping, updating or uninstalling the bundle unregisters the
 * services, then closes the partitions once their runs in flight have finished.
 */
@Component(immediate = true)
public class ModelBundleExtender {

    @Reference
    private OnnxEnvironment onnx;

    private BundleTracker<ModelBundleRegistration> tracker;

    @Activate
    void activate(BundleContext context) {
        tracker = new BundleTracker<>(context, Bundle.STARTING | Bundle.ACTIVE, new ModelBundleCustomizer(context, onnx));
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        tracker.close();
    }
}
