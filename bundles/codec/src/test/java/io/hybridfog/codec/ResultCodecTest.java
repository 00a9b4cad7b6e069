package io.hybridfog.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.InferenceResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.hybridfog.codec.TensorCodecTest.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResultCodecTest {
    private static final InferenceResult EDGE = new InferenceResult("s-17", "cam-3", "fashion-mnist-hybrid", "1.0.0",
            ExitPoint.EDGE, 9, "Ankle boot", 0.9871, 0.0712, 1.25, 3.5e6, 3.2e8, 0, null, null);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void errorResultHasExactlyThisJson() {
        String json = new String(ResultCodec.toJson(InferenceResult.error("s1", "dev-1", ErrorCode.OVERLOADED, "queue full")),
                StandardCharsets.UTF_8);
        assertEquals("{\"sampleId\":\"s1\",\"deviceId\":\"dev-1\",\"predictedClass\":-1,\"confidence\":0.0,\"entropyNats\":0.0,"
                + "\"latencyMs\":0.0,\"energyPj\":0.0,\"referenceEnergyPj\":0.0,\"offloadBytes\":0,"
                + "\"error\":\"OVERLOADED\",\"errorMessage\":\"queue full\"}", json);
    }

    @Test
    void fieldNamesAreTheRecordComponentNames() throws Exception {
        InferenceResult cloud = new InferenceResult("a", "b", "m", "v", ExitPoint.CLOUD, 1, "l", 0.5, 0.6, 0.7, 0.8, 0.9, 833,
                ErrorCode.INTERNAL, "msg");
        JsonNode node = TestImages.JSON.readTree(ResultCodec.toJson(cloud));
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        assertEquals(Arrays.stream(InferenceResult.class.getRecordComponents()).map(c -> c.getName())
                .collect(Collectors.toCollection(TreeSet::new)), names);
        assertEquals("CLOUD", node.get("exit").textValue());
        assertEquals("INTERNAL", node.get("error").textValue());
    }

    @Test
    void roundTrips() throws Exception {
        assertEquals(EDGE, ResultCodec.fromJson(ResultCodec.toJson(EDGE)));
        InferenceResult error = InferenceResult.error(null, "dev", ErrorCode.MISSING_SAMPLE_ID, "no correlation data");
        assertEquals(error, ResultCodec.fromJson(ResultCodec.toJson(error)));
        InferenceResult big = new InferenceResult("x", "y", null, null, ExitPoint.CLOUD, Integer.MAX_VALUE, null,
                Double.MIN_VALUE, 2.302585092994046, 1e-3, Double.MAX_VALUE, 0, Long.MAX_VALUE, null, null);
        assertEquals(big, ResultCodec.fromJson(ResultCodec.toJson(big)));
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        String json = new String(ResultCodec.toJson(EDGE), StandardCharsets.UTF_8).replace("{", "{\"future\":[1,2],");
        assertEquals(EDGE, ResultCodec.fromJson(utf8(json)));
    }

    @Test
    void nonFiniteNumbersCannotBeWritten() {
        InferenceResult nan = new InferenceResult("s", "d", null, null, null, -1, null, Double.NaN, 0, 0, 0, 0, 0, null, null);
        assertThrows(IllegalArgumentException.class, () -> ResultCodec.toJson(nan));
    }

    @Test
    void malformedJsonIsRejected() {
        String good = new String(ResultCodec.toJson(EDGE), StandardCharsets.UTF_8);
        for (String bad : new String[]{
                "", "not json", "[]", "null", "42",
                good.substring(0, good.length() - 1),                          // truncated
                good + "{}",                                                   // trailing tokens
                good.replace("\"predictedClass\":9,", ""),                     // numeric field missing
                good.replace("\"predictedClass\":9", "\"predictedClass\":9.5"),
                good.replace("\"predictedClass\":9", "\"predictedClass\":4294967296"),
                good.replace("\"predictedClass\":9", "\"predictedClass\":\"9\""),
                good.replace("\"confidence\":0.9871", "\"confidence\":\"high\""),
                good.replace("\"exit\":\"EDGE\"", "\"exit\":\"FOG\""),
                good.replace("\"exit\":\"EDGE\"", "\"exit\":1"),
                good.replace("{", "{\"error\":\"TEAPOT\","),
                good.replace("{", "{\"sampleId\":\"dup\","),                   // duplicate key
        }) {
            assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> ResultCodec.fromJson(utf8(bad)));
        }
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> ResultCodec.fromJson(null));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> ResultCodec.fromJson(new byte[]{'{', '"', (byte) 0xC3, '"'}));
    }
}
