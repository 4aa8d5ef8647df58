package io.hatchway.jolokia;

import io.hatchway.testsupport.JolokiaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import javax.net.ssl.SSLContext;

/** The test-support {@link JolokiaClient} of an exposure: its URL, and the credentials of its password file if it has one. */
final class Clients {
    private Clients() {
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
