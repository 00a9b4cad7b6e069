package io.hybridfog.config;

/** Framework properties the runtime's bundles read (set by the launcher). */
public final class FrameworkProperties {
    /**
     * A folder that survives restarts (the launcher sets it to {@code <work>/state}; the Felix cache beside it is
     * wiped at every start): the gateway's journal and the model pins live there.
     */
    public static final String STATE_DIR = "hybridfog.state.dir";

    private FrameworkProperties() {
    }
}
