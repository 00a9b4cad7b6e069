package io.hybridfog.api.transport;

import java.io.IOException;

/**
 * The broker refused a publish for good: its PUBACK carried a reason code of 0x80 or more (MQTT 5 section 3.4.2.1,
 * e.g. 0x87 Not authorized when the ACL denies the topic, 0x97 Quota exceeded). Sending the same message again
 * fails the same way.
 */
public class PublishRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int reasonCode;

    /** @param reasonCode the PUBACK reason code, 0x80 to 0xFF */
    public PublishRefusedException(String topic, int reasonCode) {
        super("broker refused publish to " + topic + ": reason code 0x" + Integer.toHexString(reasonCode));
        this.reasonCode = reasonCode;
    }

    public int reasonCode() {
        return reasonCode;
    }
}
