package io.hatchway.jolokia;

import io.hatchway.testsupport.JolokiaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The tests' server configuration, and the test-support {@link JolokiaClient} of an exposure: its URL,
 * and the credentials of its password file if it has one.
 */
final class Clients {
    private Clients() {
    }

    /** The tests' server: SPEC.md's defaults (basic authentication, plain HTTP) on a free loopback port. */
    static ExposureConfig onFreePort(Path stateDir) {
        return new ExposureConfig("127.0.0.1", 0, "basic", "http", stateDir, Optional.empty(), Optional.empty());
    }

    static JolokiaClient of(JolokiaExposure exposure) {
        return of(exposure, null);
    }

    /** The same, over TLS trusting {@code tls}'s certificates (null: the JDK's default trust). */
    static JolokiaClient of(JolokiaExposure exposure, SSLContext tls) {
        JolokiaClient client = JolokiaClient.anonymous(exposure.url()).trusting(tls);
        return exposure.passwordFile().map(file -> {
            try {
                return client.as(JolokiaExposure.USER, Files.readString(file).strip());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(client);
    }
}
