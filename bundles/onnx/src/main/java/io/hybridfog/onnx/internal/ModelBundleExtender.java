package io.hybridfog.onnx.internal;

import io.hybridfog.api.models.ModelCatalog;
import io.hybridfog.api.models.ModelCatalogException;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.config.ComponentConfig;
import io.hybridfog.config.FrameworkProperties;
import io.hybridfog.config.SettingException;
import io.hybridfog.onnx.OnnxEnvironment;
import java.io.File;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.util.tracker.BundleTracker;

/**
 * Watches for model bundles while they are started (STARTING with lazy activation, or ACTIVE) and keeps the
 * {@link ModelInventory} of their versions, which it offers as the {@link ModelCatalog} service. Pins are kept in
 * this bundle's data area ({@code model-pins.properties}). Configuration PID {@code io.hybridfog.onnx}, key
 * {@value #UPDATE_GRACE_MS} (see {@link ModelInventory#removed}).
 */
@Component(immediate = true, service = ModelCatalog.class, configurationPid = OnnxEnvironmentComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class ModelBundleExtender implements ModelCatalog {
    /** Key of PID io.hybridfog.onnx: how long a stopped bundle's active version waits for its update, ms. */
    static final String UPDATE_GRACE_MS = "update.grace.ms";
    static final long DEFAULT_UPDATE_GRACE_MS = 5000;

    @Reference
    private OnnxEnvironment onnx;

    private ModelInventory inventory;
    private BundleTracker<?> tracker;

    /** @throws ConfigurationException naming {@value #UPDATE_GRACE_MS} if it is not an integer from 0 to 600000 */
    @Activate
    void activate(BundleContext context, Map<String, Object> properties) throws ConfigurationException {
        long grace = updateGraceMs(properties);
        String state = context.getProperty(FrameworkProperties.STATE_DIR); // survives restarts
        File pins = state == null || state.isBlank() ? context.getDataFile("model-pins.properties")
                : new File(state, "model-pins.properties");
        inventory = new ModelInventory(context, onnx, new Pins(pins == null ? null : pins.toPath()), grace);
        tracker = new BundleTracker<>(context, Bundle.STARTING | Bundle.ACTIVE, new ModelBundleCustomizer(inventory));
        tracker.open();
    }

    /** {@value #UPDATE_GRACE_MS} of {@link OnnxRuntimeConfig}, 0 to 600000 ms. */
    static long updateGraceMs(Map<String, ?> properties) throws ConfigurationException {
        try {
            long grace = ComponentConfig.read(OnnxRuntimeConfig.class, properties).update_grace_ms();
            SettingException.requireRange(UPDATE_GRACE_MS, grace, 0, 600_000);
            return grace;
        } catch (SettingException e) {
            System.getLogger(ModelBundleExtender.class.getName()).log(System.Logger.Level.ERROR,
                    "invalid configuration " + OnnxEnvironmentComponent.PID + ": " + e.getMessage());
            throw new ConfigurationException(e.key(), e.getMessage());
        }
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
