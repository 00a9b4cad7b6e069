package io.hybridfog.onnx.internal;

import io.hybridfog.api.models.ModelCatalog;
import io.hybridfog.api.models.ModelCatalogException;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.onnx.OnnxEnvironment;
import java.io.File;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.util.tracker.BundleTracker;

/**
 * Watches for model bundles while they are started (STARTING with lazy activation, or ACTIVE) and keeps the
 * {@link ModelInventory} of their versions, which it offers as the {@link ModelCatalog} service. Pins are kept in
 * this bundle's data area ({@code model-pins.properties}).
 */
@Component(immediate = true, service = ModelCatalog.class)
public class ModelBundleExtender implements ModelCatalog {

    @Reference
    private OnnxEnvironment onnx;

    private ModelInventory inventory;
    private BundleTracker<?> tracker;

    @Activate
    void activate(BundleContext context) {
        File pins = context.getDataFile("model-pins.properties");
        inventory = new ModelInventory(context, onnx, new Pins(pins == null ? null : pins.toPath()));
        tracker = new BundleTracker<>(context, Bundle.STARTING | Bundle.ACTIVE, new ModelBundleCustomizer(inventory));
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        inventory.closeAll(); // first, so that closing the tracker does not activate one version after another
        tracker.close();
    }

    @Override
    public List<ModelVersionStatus> versions() {
        return inventory.versions();
    }

    @Override
    public ModelVersionStatus activate(String model, String version) throws ModelCatalogException {
        return inventory.activate(model, version);
    }

    @Override
    public ModelVersionStatus rollback(String model) throws ModelCatalogException {
        return inventory.rollback(model);
    }

    @Override
    public ModelVersionStatus followNewest(String model) throws ModelCatalogException {
        return inventory.followNewest(model);
    }
}
