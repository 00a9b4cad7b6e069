package io.hybridfog.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import org.osgi.annotation.versioning.ProviderType;

/**
 * OSGi service owning the JVM's single ONNX Runtime environment (telemetry disabled) and the session settings of
 * configuration PID {@code io.hybridfog.onnx}. When that configuration changes the service is re-registered, so
 * components that reference it statically are restarted with the new settings.
 */
@ProviderType
public interface OnnxEnvironment {

    /** The shared environment; never close it (see {@link OnnxPartitions#sharedEnvironment()}). */
    OrtEnvironment environment();

    /** Threads ONNX Runtime uses inside one operator ({@code intra.op.threads}), &gt;= 1. */
    int intraOpThreads();

    /** Inferences run on each partition of a new model version before it serves ({@code warmup.runs}), &gt;= 0. */
    int warmupRuns();

    /**
     * New session options with the configured settings ({@link OnnxPartitions#sessionOptions(int)}); the caller
     * closes them once its sessions are created.
     *
     * @throws OrtException if ONNX Runtime rejects an option
     */
    SessionOptions newSessionOptions() throws OrtException;
}
