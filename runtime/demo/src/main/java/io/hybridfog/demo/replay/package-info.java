/** {@code hybridfog demo}: replays a test set from simulated MQTT devices through the gateway and cloud worker and compares the outcome with PyTorch's evaluation. */
package io.hybridfog.demo.replay;
