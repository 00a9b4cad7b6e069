package io.hybridfog.demo.dse;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParetoFrontTest {

    /** name, cost (e.g. µJ), benefit (e.g. accuracy %) */
    record P(String name, double cost, double benefit) {
    }

    private static List<String> front(P... points) {
        return ParetoFront.of(List.of(points), P::cost, P::benefit).stream().map(P::name).toList();
    }

    @Test
    void keepsOnlyUndominatedPointsByAscendingCost() {
        // c is dominated by b (more cost, less benefit); e by d (same benefit, more cost)
        assertEquals(List.of("a", "b", "d"), front(
                new P("d", 10, 91), new P("c", 6, 88), new P("a", 2, 85), new P("b", 5, 90), new P("e", 12, 91)));
    }

    @Test
    void sameCostKeepsOnlyTheBestBenefit() {
        assertEquals(List.of("hi"), front(new P("lo", 3, 80), new P("hi", 3, 82)));
    }

    @Test
    void identicalPointsKeepTheFirst() {
        assertEquals(List.of("first"), front(new P("first", 3, 80), new P("second", 3, 80)));
    }

    @Test
    void aCheaperButWorsePointStaysOnTheFront() {
        assertEquals(List.of("cheap", "good"), front(new P("good", 100, 92), new P("cheap", 1, 50)));
    }

    @Test
    void emptyInputGivesEmptyFront() {
        assertEquals(List.of(), front());
    }
}
