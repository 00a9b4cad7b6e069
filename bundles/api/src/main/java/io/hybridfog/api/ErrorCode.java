package io.hybridfog.api;

/** Why a sample got an error result instead of a classification. Sent on the wire as the enum name. */
public enum ErrorCode {
    /** The payload is neither a PNG/JPEG image nor a valid HybridFog tensor, or it is truncated or corrupt. */
    MALFORMED_PAYLOAD,
    /** The tensor or image has a shape the model does not accept. */
    WRONG_SHAPE,
    /** The tensor dtype is not supported for this input. */
    WRONG_DTYPE,
    /** The input contains NaN or infinite values. */
    NON_FINITE_VALUES,
    /** The payload exceeds the configured maximum size in bytes. */
    PAYLOAD_TOO_LARGE,
    /** No partition of the requested model (or model version) is installed. */
    UNKNOWN_MODEL,
    /** The sample carries no sample id (MQTT 5 correlation data). */
    MISSING_SAMPLE_ID,
    /** The gateway's queue is full; retry later. */
    OVERLOADED,
    /** The gateway's journal has reached its size on disk ({@code journal.max.bytes}); retry later. */
    JOURNAL_FULL,
    /** The cloud partition failed or did not answer in time. */
    OFFLOAD_FAILED,
    /** An unexpected failure inside the runtime. */
    INTERNAL
}
