package io.hybridfog.api.models;

/** A {@link ModelCatalog} operation that could not be done; the message says why, for operators. */
public class ModelCatalogException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelCatalogException(String message) {
        super(message);
    }
}
