package io.hybridfog.edge.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.TensorCodec;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the cloud worker's reply to an offload request (format of bundles/cloud, docs/wire-format.md):
 * <ul>
 * <li>success: content type {@value #TENSOR_CONTENT_TYPE}, payload HFT FLOAT32 logits [1, classes] naming the
 * model and version that ran;</li>
 * <li>error: content type {@value #JSON_CONTENT_TYPE}, payload {@code {"error":"<ErrorCode name>","message":"..."}}.</li>
 * </ul>
 */
final class CloudReplies {
    static final String TENSOR_CONTENT_TYPE = "application/vnd.hybridfog.tensor";
    static final String JSON_CONTENT_TYPE = "application/json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CloudReplies() {
    }

    /**
     * @param reply the reply message
     * @param model the model version the request was for
     * @return the cloud logits, float32 [classes]
     * @throws HybridFogException UNKNOWN_MODEL if the cloud has no partition of that model version (its message says
     *                            which versions it has); OFFLOAD_FAILED for any other cloud error or a malformed reply
     */
    static float[] logits(BusMessage reply, ModelDescriptor model) throws HybridFogException {
        byte[] payload = reply.payload() == null ? new byte[0] : reply.payload();
        if (JSON_CONTENT_TYPE.equals(reply.contentType()) || (payload.length > 0 && payload[0] == '{')) {
            throw cloudError(payload);
        }
        TensorCodec.Decoded decoded;
        try {
            decoded = TensorCodec.decode(payload, model.numClasses());
        } catch (HybridFogException e) {
            throw new HybridFogException(ErrorCode.OFFLOAD_FAILED, "malformed cloud reply: " + e.getMessage(), e);
        }
        long[] shape = decoded.header().shape();
        if (!Arrays.equals(shape, new long[] {1, model.numClasses()})) {
            throw new HybridFogException(ErrorCode.OFFLOAD_FAILED, "cloud replied with logits of shape "
                    + Arrays.toString(shape) + ", expected [1, " + model.numClasses() + "]");
        }
        TensorCodec.Header h = decoded.header();
        if (!model.name().equals(h.model()) || !model.version().equals(h.modelVersion())) {
            throw new HybridFogException(ErrorCode.OFFLOAD_FAILED, "cloud replied for " + h.model() + ":" + h.modelVersion()
                    + ", the request was for " + model.id());
        }
        return decoded.tensor().data();
    }

    private static HybridFogException cloudError(byte[] json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            String code = n == null ? null : n.path("error").asText(null);
            String message = n == null ? null : n.path("message").asText(null);
            if (code == null) {
                return new HybridFogException(ErrorCode.OFFLOAD_FAILED, "cloud replied with JSON without an error code");
            }
            ErrorCode mapped = ErrorCode.UNKNOWN_MODEL.name().equals(code) ? ErrorCode.UNKNOWN_MODEL : ErrorCode.OFFLOAD_FAILED;
            return new HybridFogException(mapped, "cloud worker: " + code + ": " + message);
        } catch (IOException e) {
            return new HybridFogException(ErrorCode.OFFLOAD_FAILED, "cloud replied with malformed JSON: " + e.getMessage());
        }
    }
}
