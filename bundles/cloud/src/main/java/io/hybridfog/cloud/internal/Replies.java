package io.hybridfog.cloud.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.TensorCodec;
import java.util.Map;

/**
 * The cloud worker's replies (docs/wire-format.md), sent to the request's response topic with its correlation data:
 * <ul>
 * <li>success: content type {@value #TENSOR_CONTENT_TYPE}, payload HFT FLOAT32 logits [N, classes] naming the model
 * and version that ran;</li>
 * <li>error: content type {@value #JSON_CONTENT_TYPE}, payload {@code {"error":"<ErrorCode name>","message":"..."}}.</li>
 * </ul>
 */
final class Replies {
    static final String TENSOR_CONTENT_TYPE = "application/vnd.hybridfog.tensor";
    static final String JSON_CONTENT_TYPE = "application/json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Replies() {
    }

    static BusMessage logits(BusMessage request, ModelDescriptor model, Tensor logits) {
        byte[] hft = TensorCodec.encode(logits, TensorCodec.Encoding.FLOAT32, model.name(), model.version());
        return new BusMessage(request.responseTopic(), hft, null, request.correlationData(), TENSOR_CONTENT_TYPE, Map.of());
    }

    static BusMessage error(BusMessage request, ErrorCode code, String message) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("error", code.name());
        o.put("message", message);
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e); // cannot happen for two strings
        }
        return new BusMessage(request.responseTopic(), json, null, request.correlationData(), JSON_CONTENT_TYPE, Map.of());
    }
}
