package io.hatchway.jolokia;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.jolokia.jvmagent.security.KeyStoreUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of HTTPS: the key and certificate from the keystore the user named, or else a
 * self-signed certificate kept in {@code stateDir}:
 * <ul>
 *   <li>{@value #KEYSTORE} — PKCS12, mode 0600, the key and its certificate;
 *   <li>{@value #KEYSTORE_PASSWORD} — mode 0600, that keystore's random password;
 *   <li>{@value #CERTIFICATE} — PEM, the certificate for clients to trust
 *       ({@code curl --cacert <stateDir>/jolokia-tls.crt}).
 * </ul>
 * The certificate is made once, by Jolokia's own generator (RSA 4096, SHA-512, one year; subject
 * alternative names 127.0.0.1, ::1, localhost and this host's non-loopback interface addresses — no
 * host names, so clients connect by IP address), and reused by later starts so that a client's trust
 * lasts; an expired one is replaced. Making the key takes a few seconds, once. Stateless and
 * thread-safe.
 */
final class TlsContext {
    private static final Logger log = LoggerFactory.getLogger(TlsContext.class);
    static final String KEYSTORE = "jolokia-tls.p12";
    static final String KEYSTORE_PASSWORD = "jolokia-tls.password";
    static final String CERTIFICATE = "jolokia-tls.crt";
    private static final String ALIAS = "hatchway-jolokia";
    // the alias and (empty) key password that org.jolokia.jvmagent.security.KeyStoreUtil uses
    private static final String JOLOKIA_ALIAS = "jolokia-agent";

    private TlsContext() {
    }

    /**
     * The TLS context for {@code config}'s keystore, or for the generated one in its state directory.
     *
     * @throws IOException if a keystore cannot be read, created or used: a missing file, a wrong
     *                     password, no private key in it
     */
    static SSLContext create(ExposureConfig config) throws IOException {
        KeyStore keyStore;
        char[] password;
        Path source;
        if (config.keystore().isPresent()) {
            source = config.keystore().get();
            password = config.keystorePassword().orElseThrow().toCharArray();
            keyStore = load(Files.readAllBytes(source), password, source);
        } else {
            source = config.stateDir().resolve(KEYSTORE);
            password = PrivateFiles.readOrCreateSecret(config.stateDir().resolve(KEYSTORE_PASSWORD)).toCharArray();
            keyStore = generated(source, password);
            writeCertificate(keyStore, config.stateDir().resolve(CERTIFICATE));
        }
        try {
            if (!hasKey(keyStore)) {
                throw new IOException("the keystore " + source + " holds no private key for the server");
            }
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the keystore " + source + " for HTTPS: " + e.getMessage(), e);
        }
    }

    private static KeyStore generated(Path file, char[] password) throws IOException {
        KeyStore keyStore;
        try {
            keyStore = load(PrivateFiles.readOrCreate(file, () -> selfSigned(password)), password, file);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; delete " + file + " and " + KEYSTORE_PASSWORD
                    + " beside it to make a new certificate", e);
        }
        try {
            X509Certificate certificate = (X509Certificate) keyStore.getCertificate(ALIAS);
            if (certificate != null && certificate.getNotAfter().before(new Date())) {
                log.warn("the self-signed certificate in {} expired on {}: making a new one; clients must trust the "
                        + "new {}", file, certificate.getNotAfter(), CERTIFICATE);
                Files.delete(file);
                return load(PrivateFiles.readOrCreate(file, () -> selfSigned(password)), password, file);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the certificate in " + file + ": " + e.getMessage(), e);
        }
        return keyStore;
    }

    private static byte[] selfSigned(char[] password) throws IOException {
        try {
            log.info("making a self-signed certificate for Jolokia's HTTPS (RSA 4096, takes a few seconds)");
            KeyStore jolokia = KeyStore.getInstance("PKCS12");
            jolokia.load(null, null);
            KeyStoreUtil.updateWithSelfSignedServerCertificate(jolokia, null);
            Key key = jolokia.getKey(JOLOKIA_ALIAS, new char[0]);
            Certificate[] chain = jolokia.getCertificateChain(JOLOKIA_ALIAS);

            KeyStore ours = KeyStore.getInstance("PKCS12");
            ours.load(null, null);
            ours.setKeyEntry(ALIAS, key, password, chain);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ours.store(bytes, password);
            return bytes.toByteArray();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(byte[] bytes, char[] password, Path source) throws IOException {
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            return keyStore;
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("cannot open the keystore " + source + " (a PKCS12 file and its password): "
                    + e.getMessage(), e);
        }
    }

    private static boolean hasKey(KeyStore keyStore) throws GeneralSecurityException {
        for (String alias : Collections.list(keyStore.aliases())) {
            if (keyStore.isKeyEntry(alias)) {
                return true;
            }
        }
        return false;
    }

    // Rewritten from the keystore when it differs, so it always matches the key in use.
    private static void writeCertificate(KeyStore keyStore, Path file) throws IOException {
        try {
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(keyStore.getCertificate(ALIAS).getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            byte[] bytes = pem.getBytes(StandardCharsets.US_ASCII);
            if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
                return;
            }
            Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), "." + CERTIFICATE + "-", ".tmp");
            try {
                Files.write(temporary, bytes);
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot export the certificate to " + file + ": " + e.getMessage(), e);
        }
    }
}
