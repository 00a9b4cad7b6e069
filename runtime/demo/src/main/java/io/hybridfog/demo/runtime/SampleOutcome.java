package io.hybridfog.demo.runtime;

/**
 * One answered sample as the device saw it.
 *
 * @param index       sample index in the test set
 * @param label       true class
 * @param predicted   predicted class, -1 for an error result
 * @param exit        "EDGE", "CLOUD" or null for errors
 * @param error       error code, or null
 * @param latencyMs   device-measured time from publishing the sample to receiving its result, ms
 * @param energyPj    computational energy reported by the gateway, pJ
 * @param referencePj energy of the full-precision network, pJ
 * @param offloadBytes bytes sent to the cloud for this sample
 */
public record SampleOutcome(int index, int label, int predicted, String exit, String error, double latencyMs,
                     double energyPj, double referencePj, long offloadBytes) {
}
