package io.hybridfog.mqtt.internal;

import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.MqttBusSettings.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** Builds the TLS socket factory of one connection from its {@link TlsFiles} (JDK JSSE; no own crypto). */
public final class TlsContexts {

    private TlsContexts() {
    }

    /**
     * @return a factory trusting the CA file's certificates (or the JVM's trust store) and presenting the keystore's
     *         client certificate (if any); TLS 1.2 or 1.3 as the JVM negotiates
     * @throws SettingException naming {@code tls.ca.file} or {@code tls.keystore} if a file cannot be read or parsed
     */
    public static SSLSocketFactory socketFactory(TlsFiles files) {
        try {
            TrustManagerFactory tmf = null;
            if (files.caFile() != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                Collection<? extends Certificate> cas = readCertificates(Path.of(files.caFile()));
                int i = 0;
                for (Certificate ca : cas) {
                    trust.setCertificateEntry("ca-" + i++, ca);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (files.keystore() != null) {
                char[] password = files.keystorePassword() == null ? new char[0] : files.keystorePassword().toCharArray();
                KeyStore keys = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(Path.of(files.keystore()))) {
                    keys.load(in, password);
                } catch (IOException | GeneralSecurityException e) {
                    throw new SettingException("tls.keystore", "cannot read PKCS#12 keystore " + files.keystore()
                            + " (wrong file or tls.keystore.password?): " + e.getMessage());
                }
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new SettingException("tls.ca.file", "cannot set up TLS: " + e.getMessage());
        }
    }

    private static Collection<? extends Certificate> readCertificates(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new SettingException("tls.ca.file", pem + " holds no certificate");
            }
            return certs;
        } catch (IOException | GeneralSecurityException e) {
            throw new SettingException("tls.ca.file", "cannot read CA certificates from " + pem + ": " + e.getMessage());
        }
    }
}
