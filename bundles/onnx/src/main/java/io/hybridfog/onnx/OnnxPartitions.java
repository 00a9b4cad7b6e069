package io.hybridfog.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.hybridfog.api.ModelDescriptor;
import java.util.Map;

/**
 * Loads edge and cloud partitions from ONNX bytes: the entry point outside OSGi (tests, benchmarks, tooling), and
 * what the OSGi extender calls for each partition of a model bundle.
 */
public final class OnnxPartitions {

    private OnnxPartitions() {
    }

    /**
     * The JVM's single ONNX Runtime environment, with telemetry events disabled. Never close it: ONNX Runtime
     * releases it at JVM exit.
     *
     * <p>Disabling telemetry here stops the events the runtime would send; ONNX Runtime 1.29 on Linux also writes
     * telemetry files ({@code ~/.cache/Microsoft/DeveloperTools/.onnxruntime/}, {@code /tmp/mat-debug-<pid>.log})
     * as soon as its native library loads, which only the environment variable {@code ORT_DISABLE_TELEMETRY=1}
     * of the JVM process prevents.
     *
     * <p>Do not set the system property {@code onnxruntime.native.path}: ONNX Runtime then loads the natives from a
     * fixed folder, and a refresh of the ONNX Runtime bundle fails with "already loaded in another classloader".
     * Without it each class loader extracts its own copy to a temporary folder ({@code java.io.tmpdir}).
     *
     * @throws OrtException if ONNX Runtime cannot disable telemetry
     */
    public static OrtEnvironment sharedEnvironment() throws OrtException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        environment.setTelemetry(false);
        return environment;
    }

    /**
     * Session options as HybridFog uses them: sequential execution, {@code intraOpThreads} threads inside an
     * operator. The caller closes the options (sessions keep their own copy).
     *
     * @param intraOpThreads &gt;= 1; 1 runs every operator on the calling thread
     * @throws IllegalArgumentException if {@code intraOpThreads} &lt; 1
     * @throws OrtException             if ONNX Runtime rejects an option
     */
    public static SessionOptions sessionOptions(int intraOpThreads) throws OrtException {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        }
        SessionOptions options = new SessionOptions();
        try {
            options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /**
     * Loads an edge partition and checks it against its {@code hybridfog} metadata.
     *
     * @param onnx the ONNX file's bytes
     * @throws ModelLoadException if ONNX Runtime cannot load the bytes, the metadata is missing or invalid, the file
     *                            holds a cloud partition, or the graph's inputs/outputs differ from the metadata
     */
    public static OnnxEdgePartition loadEdge(OrtEnvironment environment, byte[] onnx, SessionOptions options)
            throws ModelLoadException {
        OrtSession session = createSession(environment, onnx, options, PartitionKind.EDGE);
        return new OnnxEdgePartition(environment, session, checkedDescriptor(session, PartitionKind.EDGE));
    }

    /**
     * Loads a cloud partition and checks it against its {@code hybridfog} metadata.
     *
     * @param onnx the ONNX file's bytes
     * @throws ModelLoadException if ONNX Runtime cannot load the bytes, the metadata is missing or invalid, the file
     *                            holds an edge partition, or the graph's inputs/outputs differ from the metadata
     */
    public static OnnxCloudPartition loadCloud(OrtEnvironment environment, byte[] onnx, SessionOptions options)
            throws ModelLoadException {
        OrtSession session = createSession(environment, onnx, options, PartitionKind.CLOUD);
        return new OnnxCloudPartition(environment, session, checkedDescriptor(session, PartitionKind.CLOUD));
    }

    /**
     * Reads the {@code hybridfog} metadata of an open session without checking it against the graph.
     *
     * @throws ModelLoadException if the entry is missing or invalid
     */
    public static ModelMetadata metadata(OrtSession session) throws ModelLoadException {
        Map<String, String> custom;
        try {
            custom = session.getMetadata().getCustomMetadata();
        } catch (OrtException e) {
            throw new ModelLoadException("ONNX Runtime cannot read the model metadata: " + e.getMessage(), e);
        }
        String json = custom.get(ModelMetadataParser.METADATA_KEY);
        if (json == null) {
            throw new ModelLoadException("the ONNX file has no '" + ModelMetadataParser.METADATA_KEY
                    + "' metadata entry (metadata_props keys: " + custom.keySet() + "); export it with models/hybridfog_models/export.py");
        }
        return ModelMetadataParser.parse(json);
    }

    private static OrtSession createSession(OrtEnvironment environment, byte[] onnx, SessionOptions options,
                                            PartitionKind kind) throws ModelLoadException {
        try {
            return environment.createSession(onnx, options);
        } catch (OrtException e) {
            throw new ModelLoadException("ONNX Runtime cannot load the " + kind + " partition: " + e.getMessage(), e);
        }
    }

    /** Closes the session if the metadata is missing, invalid or does not match the graph. */
    private static ModelDescriptor checkedDescriptor(OrtSession session, PartitionKind expected) throws ModelLoadException {
        try {
            ModelMetadata metadata = metadata(session);
            if (metadata.partition() != expected) {
                throw new ModelLoadException("the ONNX file holds the " + metadata.partition()
                        + " partition of " + metadata.descriptor().id() + ", expected the " + expected + " partition");
            }
            SessionSignature.check(session, expected, metadata.descriptor());
            return metadata.descriptor();
        } catch (ModelLoadException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }
}
