/** What the commands start: an MQTT broker (Mosquitto process or embedded HiveMQ CE), Felix with the gateway and cloud worker bundles, and a fleet of simulated devices; the run summary. */
package io.hybridfog.demo.runtime;
