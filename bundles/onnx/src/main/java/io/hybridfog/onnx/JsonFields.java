package io.hybridfog.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Typed, path-aware reads from one JSON object, so that every metadata error names the offending field. */
final class JsonFields {
    private final JsonNode node;
    private final String path;

    JsonFields(JsonNode node, String path) throws ModelLoadException {
        if (node == null || !node.isObject()) {
            throw new ModelLoadException(describe(path) + " must be a JSON object");
        }
        this.node = node;
        this.path = path;
    }

    JsonFields object(String name) throws ModelLoadException {
        return new JsonFields(required(name), qualified(name));
    }

    boolean has(String name) {
        return node.hasNonNull(name);
    }

    String text(String name) throws ModelLoadException {
        JsonNode value = required(name);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw invalid(name, "must be a non-empty string");
        }
        return value.asText();
    }

    double number(String name) throws ModelLoadException {
        JsonNode value = required(name);
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw invalid(name, "must be a finite number");
        }
        return value.asDouble();
    }

    long count(String name) throws ModelLoadException {
        JsonNode value = required(name);
        if (!value.isIntegralNumber() || value.asLong() < 0) {
            throw invalid(name, "must be an integer >= 0");
        }
        return value.asLong();
    }

    List<String> texts(String name) throws ModelLoadException {
        List<String> out = new ArrayList<>();
        for (JsonNode item : nonEmptyArray(name)) {
            if (!item.isTextual()) {
                throw invalid(name, "must be an array of strings");
            }
            out.add(item.asText());
        }
        return List.copyOf(out);
    }

    /** An array of integers >= 1, e.g. a tensor shape without its batch dimension. */
    long[] dimensions(String name) throws ModelLoadException {
        JsonNode array = nonEmptyArray(name);
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode item = array.get(i);
            if (!item.isIntegralNumber() || item.asLong() < 1) {
                throw invalid(name, "must be an array of integers >= 1");
            }
            out[i] = item.asLong();
        }
        return out;
    }

    float[] floats(String name) throws ModelLoadException {
        JsonNode array = nonEmptyArray(name);
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode item = array.get(i);
            if (!item.isNumber() || !Float.isFinite((float) item.asDouble())) {
                throw invalid(name, "must be an array of finite numbers");
            }
            out[i] = (float) item.asDouble();
        }
        return out;
    }

    /** An object {"bits": count, ...}, e.g. {"1": 14450688, "32": 288512}; sorted by bit-width. */
    Map<Integer, Long> countsByBits(String name) throws ModelLoadException {
        JsonFields counts = object(name);
        Map<Integer, Long> out = new TreeMap<>();
        for (Iterator<String> it = counts.node.fieldNames(); it.hasNext(); ) {
            String bits = it.next();
            int width;
            try {
                width = Integer.parseInt(bits);
            } catch (NumberFormatException e) {
                width = 0;
            }
            if (width < 1 || width > 64) {
                throw counts.invalid(bits, "is not a bit-width (expected keys \"1\" to \"64\")");
            }
            out.put(width, counts.count(bits));
        }
        return Collections.unmodifiableMap(out);
    }

    ModelLoadException invalid(String name, String problem) {
        return new ModelLoadException(describe(qualified(name)) + " " + problem);
    }

    private JsonNode nonEmptyArray(String name) throws ModelLoadException {
        JsonNode value = required(name);
        if (!value.isArray() || value.isEmpty()) {
            throw invalid(name, "must be a non-empty array");
        }
        return value;
    }

    private JsonNode required(String name) throws ModelLoadException {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw new ModelLoadException(describe(qualified(name)) + " is missing");
        }
        return value;
    }

    private String qualified(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String describe(String path) {
        return path.isEmpty() ? "metadata" : "metadata field '" + path + "'";
    }
}
