package io.hybridfog.edge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecentSamplesTest {
    private static final long MS = 1_000_000;

    @Test
    void aRepeatWithinTheWindowIsNotFirstTime() {
        RecentSamples r = new RecentSamples(10, 1000);
        assertTrue(r.firstTime("d1", "s1", 0));
        assertFalse(r.firstTime("d1", "s1", 500 * MS));
        assertTrue(r.firstTime("d2", "s1", 500 * MS), "sample ids are per device");
    }

    @Test
    void keysExpireAfterTheWindowAndTheOldestGoFirstBeyondCapacity() {
        RecentSamples r = new RecentSamples(2, 1000);
        assertTrue(r.firstTime("d", "a", 0));
        assertTrue(r.firstTime("d", "a", 1001 * MS), "expired after 1000 ms");
        assertTrue(r.firstTime("d", "b", 1002 * MS));
        assertTrue(r.firstTime("d", "c", 1003 * MS));
        assertEquals(2, r.size());
        assertTrue(r.firstTime("d", "a", 1004 * MS), "the oldest key was dropped at capacity");
        assertFalse(r.firstTime("d", "c", 1005 * MS));
    }
}
