package io.hybridfog.demo.data;

/** Labelled samples as a device would send them: encoded image bytes (PNG or JPEG). */
public interface TestSet {
    String name();

    int size();

    /** Encoded image (PNG or JPEG bytes) of sample i. */
    byte[] payload(int i);

    int label(int i);
}
