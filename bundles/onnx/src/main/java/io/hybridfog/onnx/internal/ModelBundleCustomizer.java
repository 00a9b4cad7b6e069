package io.hybridfog.onnx.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.ModelLoadException;
import io.hybridfog.onnx.OnnxEnvironment;
import io.hybridfog.onnx.PartitionKind;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URL;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.util.tracker.BundleTrackerCustomizer;

/** Loads a model bundle when it starts and registers its partitions; undoes both when it stops. */
final class ModelBundleCustomizer implements BundleTrackerCustomizer<ModelBundleRegistration> {
    private static final System.Logger LOG = System.getLogger(ModelBundleCustomizer.class.getName());

    private final BundleContext context;
    private final OnnxEnvironment onnx;
    /** "edge fashion-mnist-hybrid:1.0.0" etc. Versions of one model may run side by side; one version only once. */
    private final Set<String> registeredPartitions = ConcurrentHashMap.newKeySet();

    ModelBundleCustomizer(BundleContext context, OnnxEnvironment onnx) {
        this.context = context;
        this.onnx = onnx;
    }

    @Override
    public ModelBundleRegistration addingBundle(Bundle bundle, BundleEvent event) {
        Optional<ModelBundleHeaders> headers;
        try {
            Dictionary<String, String> manifest = bundle.getHeaders(""); // raw, not localized
            headers = ModelBundleHeaders.parse(manifest::get);
        } catch (ModelLoadException e) {
            LOG.log(Level.ERROR, "model bundle {0} not registered: {1}", describe(bundle), e.getMessage());
            return null;
        }
        return headers.map(h -> register(bundle, h)).orElse(null);
    }

    @Override
    public void modifiedBundle(Bundle bundle, BundleEvent event, ModelBundleRegistration registration) {
        // STARTING -> ACTIVE: nothing changes for the partitions.
    }

    @Override
    public void removedBundle(Bundle bundle, BundleEvent event, ModelBundleRegistration registration) {
        registration.close();
        registeredPartitions.removeAll(registration.partitionKeys());
        LOG.log(Level.INFO, "model {0} from bundle {1} unregistered and closed", registration.id(), describe(bundle));
    }

    private ModelBundleRegistration register(Bundle bundle, ModelBundleHeaders headers) {
        List<String> claimed = new ArrayList<>();
        ModelBundle model = null;
        try {
            for (PartitionKind kind : headers.partitions().keySet()) {
                String key = kind + " " + headers.id();
                if (!registeredPartitions.add(key)) {
                    throw new ModelLoadException("the " + key + " partition is already registered by another bundle");
                }
                claimed.add(key);
            }
            try (SessionOptions options = onnx.newSessionOptions()) {
                model = ModelBundleLoader.load(headers, path -> readEntry(bundle, path), onnx.environment(), options);
            }
            ModelBundleRegistration registration = ModelBundleRegistration.register(context, model, claimed);
            LOG.log(Level.INFO, "model {0} ({1}) from bundle {2} registered", headers.id(),
                    headers.partitions().keySet(), describe(bundle));
            return registration;
        } catch (ModelLoadException e) {
            LOG.log(Level.ERROR, "model bundle {0} ({1}) not registered: {2}", describe(bundle), headers.id(), e.getMessage());
        } catch (OrtException | RuntimeException e) {
            LOG.log(Level.ERROR, "model bundle " + describe(bundle) + " (" + headers.id() + ") not registered", e);
        }
        if (model != null) {
            model.close();
        }
        registeredPartitions.removeAll(claimed);
        return null;
    }

    private static byte[] readEntry(Bundle bundle, String path) throws IOException {
        URL url = bundle.getEntry(path);
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            return in.readAllBytes();
        }
    }

    private static String describe(Bundle bundle) {
        return bundle.getSymbolicName() + " " + bundle.getVersion() + " [" + bundle.getBundleId() + "]";
    }
}
