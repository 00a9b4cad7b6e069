package io.hybridfog.demo.plot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SvgScatterPlotTest {

    @Test
    void logAxisTicksAndLabels() {
        SvgScatterPlot.Axis wide = SvgScatterPlot.Axis.log(new double[] {1.5, 134});
        assertEquals(List.of(2.0, 5.0, 10.0, 20.0, 50.0, 100.0), toList(wide.ticks()));
        assertEquals(0, wide.fraction(wide.lo()), 1e-12);
        assertEquals(1, wide.fraction(wide.hi()), 1e-12);
        assertEquals(List.of(1.0, 10.0, 100.0, 1000.0), toList(SvgScatterPlot.Axis.log(new double[] {1, 1000}).ticks()));
        assertEquals(List.of(3.0, 4.0, 5.0), toList(SvgScatterPlot.Axis.log(new double[] {3, 5}).ticks()));
        assertEquals("0.05", SvgScatterPlot.tickLabel(0.05));
        assertEquals("20", SvgScatterPlot.tickLabel(20.000000000001));
        assertEquals(5.0, SvgScatterPlot.Axis.niceStep(3.2));
        assertEquals(0.2, SvgScatterPlot.Axis.niceStep(0.15), 1e-15);
    }

    private static List<Double> toList(double[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }
}
