package io.hybridfog.api;

/** A failure that maps to an error result for the device; {@link #code()} says which kind. */
public class HybridFogException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public HybridFogException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public HybridFogException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
