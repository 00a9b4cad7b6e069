package io.hybridfog.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;

import java.io.IOException;

/**
 * {@link InferenceResult} as UTF-8 JSON (docs/wire-format.md): one object whose field names are the record
 * component names; {@code exit} as {@code "EDGE"}/{@code "CLOUD"}, {@code error} as the {@link ErrorCode} name,
 * null fields omitted, numeric fields always present. Written field by field through Jackson's tree
 * model rather than by record binding, so the wire form is explicit and {@code isError()} never
 * becomes a second {@code error} property. Thread-safe.
 */
public final class ResultCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ResultCodec() {
    }

    /**
     * @return UTF-8 JSON
     * @throws IllegalArgumentException if a double field is NaN or infinite (JSON has no such numbers)
     */
    public static byte[] toJson(InferenceResult r) {
        ObjectNode o = MAPPER.createObjectNode();
        putIfNotNull(o, "sampleId", r.sampleId());
        putIfNotNull(o, "deviceId", r.deviceId());
        putIfNotNull(o, "model", r.model());
        putIfNotNull(o, "modelVersion", r.modelVersion());
        putIfNotNull(o, "exit", r.exit() == null ? null : r.exit().name());
        o.put("predictedClass", r.predictedClass());
        putIfNotNull(o, "label", r.label());
        putFinite(o, "confidence", r.confidence());
        putFinite(o, "entropyNats", r.entropyNats());
        putFinite(o, "latencyMs", r.latencyMs());
        putFinite(o, "energyPj", r.energyPj());
        putFinite(o, "referenceEnergyPj", r.referenceEnergyPj());
        o.put("offloadBytes", r.offloadBytes());
        putIfNotNull(o, "error", r.error() == null ? null : r.error().name());
        putIfNotNull(o, "errorMessage", r.errorMessage());
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e); // cannot happen for a tree of plain values
        }
    }

    /**
     * @param json UTF-8 JSON object as written by {@link #toJson}; unknown fields are ignored, absent string
     *             and enum fields read as null, numeric fields are required
     * @throws HybridFogException MALFORMED_PAYLOAD if not a single JSON object, a numeric field is missing or not
     *                            a number of the right kind, a string field is not a string, exit or error is not
     *                            a known name, or a key is duplicated
     */
    public static InferenceResult fromJson(byte[] json) throws HybridFogException {
        JsonNode node;
        try {
            node = json == null ? null : MAPPER.readTree(json);
        } catch (IOException e) {
            throw malformed("result is not valid JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw malformed("result JSON must be an object");
        }
        String exit = text(node, "exit");
        String error = text(node, "error");
        return new InferenceResult(text(node, "sampleId"), text(node, "deviceId"), text(node, "model"),
                text(node, "modelVersion"), exit == null ? null : enumValue(ExitPoint.class, exit, "exit"),
                integer(node, "predictedClass"), text(node, "label"), number(node, "confidence"),
                number(node, "entropyNats"), number(node, "latencyMs"), number(node, "energyPj"),
                number(node, "referenceEnergyPj"), longInteger(node, "offloadBytes"),
                error == null ? null : enumValue(ErrorCode.class, error, "error"), text(node, "errorMessage"));
    }

    private static void putIfNotNull(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static void putFinite(ObjectNode o, String field, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("result field " + field + " is " + value + "; JSON numbers must be finite");
        }
        o.put(field, value);
    }

    private static String text(JsonNode node, String field) throws HybridFogException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw malformed("result field " + field + " must be a string");
        }
        return v.textValue();
    }

    private static JsonNode required(JsonNode node, String field) throws HybridFogException {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw malformed("result field " + field + " must be a number");
        }
        return v;
    }

    private static double number(JsonNode node, String field) throws HybridFogException {
        return required(node, field).doubleValue();
    }

    private static int integer(JsonNode node, String field) throws HybridFogException {
        JsonNode v = required(node, field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw malformed("result field " + field + " must be a 32-bit integer");
        }
        return v.intValue();
    }

    private static long longInteger(JsonNode node, String field) throws HybridFogException {
        JsonNode v = required(node, field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw malformed("result field " + field + " must be a 64-bit integer");
        }
        return v.longValue();
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String name, String field) throws HybridFogException {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw malformed("result field " + field + " has unknown value '" + name + "'");
        }
    }

    private static HybridFogException malformed(String message) {
        return new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, message);
    }
}
