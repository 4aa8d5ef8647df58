package io.hatchway.jolokia;

import static io.hatchway.jolokia.JolokiaExposureTest.status;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** protocol=https: with a generated self-signed certificate, and with a keystore the user names. */
class HttpsExposureTest {
    private static final String READ_VM_NAME = """
            {"type":"read","mbean":"java.lang:type=Runtime","attribute":"VmName"}""";

    @TempDir
    static Path stateDir;
    // making the RSA key takes seconds: once for the whole class
    static JolokiaExposure generated;

    @BeforeAll
    static void start() throws IOException {
        generated = JolokiaExposure.start(https(stateDir, Optional.empty(), Optional.empty()));
    }

    @AfterAll
    static void stop() {
        generated.close();
    }

    @Test
    void aGeneratedCertificateIsServedAndTrustedThroughItsPemFile() throws Exception {
        assertTrue(generated.url().matches("https://127\\.0\\.0\\.1:\\d+/jolokia/"), generated.url());
        for (String secret : new String[] {"jolokia-tls.p12", "jolokia-tls.password"}) {
            assertEquals("rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve(secret))), secret);
        }
        JolokiaClient trusting = Clients.of(generated, trusting(stateDir.resolve("jolokia-tls.crt")));
        assertEquals(200, status(trusting.post(READ_VM_NAME)));
        assertEquals(401, trusting.anonymous().send("POST", "", READ_VM_NAME, Map.of()).statusCode());
    }

    @Test
    void unfinishedHandshakesBeyondTheReadersDoNotHoldTheServer() throws Exception {
        JolokiaClient trusting = Clients.of(generated, trusting(stateDir.resolve("jolokia-tls.crt")));
        int count = ExposurePools.READERS + 8;
        List<RawHttp> connections = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                RawHttp connection = RawHttp.connect(trusting, JolokiaHandler.READ_TIMEOUT.plusSeconds(15));
                connections.add(connection);
                connection.write(new byte[] {0x16, 0x03, 0x01}); // the start of a TLS record, never finished
            }
            Thread.sleep(ExposurePools.READ_GRACE.toMillis() + 500);
            long started = System.nanoTime();
            assertEquals(200, status(trusting.post(READ_VM_NAME)));
            System.out.printf("[hostile-http] unfinished TLS handshakes x%d: short call %d ms%n", count,
                    (System.nanoTime() - started) / 1_000_000);
            for (RawHttp connection : connections) {
                assertTrue(connection.closedByServer(), "an unfinished handshake is still open");
            }
        } finally {
            for (RawHttp connection : connections) {
                connection.close();
            }
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsTurnedAway() {
        JolokiaClient defaultTrust = Clients.of(generated, null);
        UncheckedIOException failed = assertThrows(UncheckedIOException.class, () -> defaultTrust.post(READ_VM_NAME));
        assertInstanceOf(SSLHandshakeException.class, failed.getCause());
    }

    @Test
    void theGeneratedCertificateIsReusedByTheNextStart() throws Exception {
        Path other = Files.createDirectories(stateDir.resolve("second"));
        for (String file : new String[] {"jolokia-tls.p12", "jolokia-tls.password", "jolokia.password"}) {
            Files.copy(stateDir.resolve(file), other.resolve(file));
        }
        try (JolokiaExposure again = JolokiaExposure.start(https(other, Optional.empty(), Optional.empty()))) {
            assertArrayEquals(Files.readAllBytes(stateDir.resolve("jolokia-tls.crt")),
                    Files.readAllBytes(other.resolve("jolokia-tls.crt")));
            JolokiaClient trustingTheFirst = Clients.of(again, trusting(stateDir.resolve("jolokia-tls.crt")));
            assertEquals(200, status(trustingTheFirst.post(READ_VM_NAME)));
        }
    }

    @Test
    void aKeystoreTheUserNamesIsServedAndNothingIsGenerated(@TempDir Path userDir) throws Exception {
        Path keystore = Files.copy(stateDir.resolve("jolokia-tls.p12"), userDir.resolve("server.p12"));
        String password = Files.readString(stateDir.resolve("jolokia-tls.password")).strip();
        Path ownState = userDir.resolve("state");
        try (JolokiaExposure named = JolokiaExposure.start(https(ownState, Optional.of(keystore), Optional.of(password)))) {
            JolokiaClient trusting = Clients.of(named, trusting(stateDir.resolve("jolokia-tls.crt")));
            assertEquals(200, status(trusting.post(READ_VM_NAME)));
            assertFalse(Files.exists(ownState.resolve("jolokia-tls.p12")));
            assertFalse(Files.exists(ownState.resolve("jolokia-tls.crt")));
        }

        IOException wrongPassword = assertThrows(IOException.class, () ->
                JolokiaExposure.start(https(ownState, Optional.of(keystore), Optional.of("wrong"))));
        assertTrue(wrongPassword.getMessage().contains(keystore.toString()), wrongPassword.getMessage());
    }

    // ----

    private static ExposureConfig https(Path stateDir, Optional<Path> keystore, Optional<String> password) {
        return new ExposureConfig("127.0.0.1", 0, "basic", "https", stateDir, keystore, password);
    }

    /** A client TLS context trusting exactly the PEM certificate in {@code file}. */
    static SSLContext trusting(Path file) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(file)) {
            trust.setCertificateEntry("hatchway", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }
}
