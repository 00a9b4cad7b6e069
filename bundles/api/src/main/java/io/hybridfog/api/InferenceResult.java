package io.hybridfog.api;

/**
 * The answer a device receives for one sample, published as JSON on the device's result topic
 * (field names as in this record; see docs/wire-format.md). Either a classification
 * ({@code error == null}) or an error with a reason.
 *
 * @param sampleId          the sample id the device sent (MQTT 5 correlation data, UTF-8)
 * @param deviceId          the device that sent the sample
 * @param model             model name, null if the error happened before a model was chosen
 * @param modelVersion      model version that produced the answer
 * @param exit              where the sample exited; null for errors
 * @param predictedClass    class index; -1 for errors
 * @param label             class label; null for errors
 * @param confidence        max softmax probability of the answering classifier, in [0, 1]
 * @param entropyNats       entropy of the early-exit softmax, nats
 * @param latencyMs         gateway time from receiving the sample to publishing the answer, milliseconds
 * @param energyPj          computational energy spent on this sample, picojoules
 * @param referenceEnergyPj energy of the full-precision network for one sample, picojoules
 * @param offloadBytes      payload bytes sent to the cloud for this sample (0 if it exited at the edge)
 * @param error             error code, null on success
 * @param errorMessage      human-readable reason, null on success
 */
public record InferenceResult(String sampleId, String deviceId, String model, String modelVersion, ExitPoint exit,
                              int predictedClass, String label, double confidence, double entropyNats, double latencyMs,
                              double energyPj, double referenceEnergyPj, long offloadBytes,
                              ErrorCode error, String errorMessage) {

    public static InferenceResult error(String sampleId, String deviceId, ErrorCode code, String message) {
        return new InferenceResult(sampleId, deviceId, null, null, null, -1, null, 0, 0, 0, 0, 0, 0, code, message);
    }

    public boolean isError() {
        return error != null;
    }
}
