package io.hybridfog.onnx;

/** A model or model bundle that cannot be used; the message says why, for a person reading the log. */
public class ModelLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
