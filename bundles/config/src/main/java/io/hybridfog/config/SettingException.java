package io.hybridfog.config;

/** An invalid configuration value; {@link #key()} names the configuration key (e.g. {@code broker.url}). */
public final class SettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String key;

    /** The message is {@code key + ": " + reason}. */
    public SettingException(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** @throws SettingException naming {@code key} if {@code value} is outside [min, max] */
    public static void requireRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new SettingException(key, "must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
