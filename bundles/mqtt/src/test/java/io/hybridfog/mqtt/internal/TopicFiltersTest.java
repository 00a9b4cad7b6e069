package io.hybridfog.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicFiltersTest {

    @Test
    void sharedFiltersMatchLikeTheirInnerFilter() {
        assertEquals("hybridfog/offload/+", TopicFilters.unshared("$share/cloud/hybridfog/offload/+"));
        assertTrue(TopicFilters.matches("$share/cloud/hybridfog/offload/+", "hybridfog/offload/m"));
        assertFalse(TopicFilters.matches("$share/cloud/hybridfog/offload/+", "hybridfog/samples/m"));
        assertTrue(TopicFilters.matches("a/#", "a/b/c"));
    }

    @Test
    void validatesFiltersAndNames() {
        assertDoesNotThrow(() -> TopicFilters.validateFilter("$share/g/a/+/c"));
        assertThrows(IllegalArgumentException.class, () -> TopicFilters.validateFilter("$share//a"));
        assertThrows(IllegalArgumentException.class, () -> TopicFilters.validateFilter("$share/g"));
        assertThrows(IllegalArgumentException.class, () -> TopicFilters.validateFilter("a/#/b"));
        assertThrows(IllegalArgumentException.class, () -> TopicFilters.validateFilter(""));
        assertThrows(IllegalArgumentException.class, () -> TopicFilters.validateTopicName("a/+"));
        assertThrows(IllegalArgumentException.class, () -> TopicFilters.validateTopicName(""));
    }
}
