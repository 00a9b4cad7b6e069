package io.hybridfog.onnx.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.hybridfog.config.SettingException;
import io.hybridfog.onnx.OnnxEnvironment;
import io.hybridfog.onnx.OnnxPartitions;
import java.lang.System.Logger.Level;
import java.util.Map;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Owns the JVM's ONNX Runtime environment. An invalid configuration fails activation with a ConfigurationException naming the key, so no model is served with settings nobody asked for.
 */
@Component(service = OnnxEnvironment.class, configurationPid = OnnxEnvironmentComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = OnnxRuntimeConfig.class)
public class OnnxEnvironmentComponent implements OnnxEnvironment {
    static final String PID = "io.hybridfog.onnx";
    private static final System.Logger LOG = System.getLogger(OnnxEnvironmentComponent.class.getName());

    private OnnxSettings settings;
    private OrtEnvironment environment;

    /** @throws ConfigurationException naming the key and the allowed range if a value is invalid */
    @Activate
    void activate(Map<String, Object> properties) throws OrtException, ConfigurationException {
        settings = settings(properties);
        environment = OnnxPartitions.sharedEnvironment();
        LOG.log(Level.INFO, "ONNX Runtime {0} ready (telemetry disabled, {1}={2}, {3}={4})", environment.getVersion(),
                OnnxSettings.INTRA_OP_THREADS, settings.intraOpThreads(), OnnxSettings.WARMUP_RUNS, settings.warmupRuns());
        if (!"1".equals(System.getenv("ORT_DISABLE_TELEMETRY"))) {
            LOG.log(Level.WARNING, "ORT_DISABLE_TELEMETRY=1 is not set for this process: ONNX Runtime may write "
                    + "telemetry files under ~/.cache/Microsoft/DeveloperTools and /tmp/mat-debug-*.log");
        }
    }

    /** Reads the settings; an invalid value is logged and becomes a ConfigurationException naming the key. */
    static OnnxSettings settings(Map<String, ?> properties) throws ConfigurationException {
        try {
            return OnnxSettings.from(properties);
        } catch (SettingException e) {
            LOG.log(Level.ERROR, "invalid configuration " + PID + ": " + e.getMessage());
            throw new ConfigurationException(e.key(), e.getMessage());
        }
    }

    @Override
    public OrtEnvironment environment() {
        return environment;
    }

    @Override
    public int intraOpThreads() {
        return settings.intraOpThreads();
    }

    @Override
    public int warmupRuns() {
        return settings.warmupRuns();
    }

    @Override
    public SessionOptions newSessionOptions() throws OrtException {
        return OnnxPartitions.sessionOptions(settings.intraOpThreads());
    }
}
