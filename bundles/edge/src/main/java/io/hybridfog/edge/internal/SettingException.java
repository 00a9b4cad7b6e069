package io.hybridfog.edge.internal;

/** An invalid configuration value; {@link #key()} names the configuration key (e.g. {@code exit.policy}). */
public final class SettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public SettingException(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
