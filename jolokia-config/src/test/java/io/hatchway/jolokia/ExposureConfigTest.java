package io.hatchway.jolokia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExposureConfigTest {
    private static final Path STATE = Path.of("/tmp/hatchway-state");

    @Test
    void theDefaultsAreThoseOfTheSpec() {
        ExposureConfig defaults = ExposureConfig.defaults(STATE);
        assertEquals(new ExposureConfig("127.0.0.1", 8778, "basic", "http", STATE, Optional.empty(), Optional.empty()),
                defaults);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "' '       | 8778  | basic  | http  | host is empty",
            "127.0.0.1 | -1    | basic  | http  | port -1 is out of range",
            "127.0.0.1 | 65536 | basic  | http  | port 65536 is out of range",
            "127.0.0.1 | 8778  | digest | http  | auth 'digest' is unknown: 'basic' or 'none'",
            "127.0.0.1 | 8778  | basic  | ftp   | protocol 'ftp' is unknown: 'http' or 'https'"})
    void refusedValuesAreNamed(String host, int port, String auth, String protocol, String message) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new ExposureConfig(host, port, auth, protocol, STATE, Optional.empty(), Optional.empty()));
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }

    @Test
    void aKeystoreGoesWithHttpsAndItsPassword() {
        Optional<Path> keystore = Optional.of(Path.of("/etc/hatchway/server.p12"));
        assertThrows(IllegalArgumentException.class, () ->
                new ExposureConfig("127.0.0.1", 8778, "basic", "http", STATE, keystore, Optional.of("secret")));
        assertThrows(IllegalArgumentException.class, () ->
                new ExposureConfig("127.0.0.1", 8778, "basic", "https", STATE, keystore, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () ->
                new ExposureConfig("127.0.0.1", 8778, "basic", "https", STATE, Optional.empty(), Optional.of("secret")));
        new ExposureConfig("127.0.0.1", 8778, "basic", "https", STATE, keystore, Optional.of("secret"));
    }

    @Test
    void toStringNeverShowsTheKeystorePassword() {
        ExposureConfig config = new ExposureConfig("127.0.0.1", 8778, "basic", "https", STATE,
                Optional.of(Path.of("/etc/hatchway/server.p12")), Optional.of("s3cret-value"));
        assertFalse(config.toString().contains("s3cret-value"), config.toString());
        assertTrue(config.toString().contains("/etc/hatchway/server.p12"), config.toString());
    }

    @Test
    void nullsAreRefused() {
        assertThrows(NullPointerException.class, () -> ExposureConfig.defaults(null));
        assertThrows(NullPointerException.class,
                () -> new ExposureConfig(null, 8778, "basic", "http", STATE, Optional.empty(), Optional.empty()));
        assertThrows(NullPointerException.class, () -> JolokiaExposure.start(null));
    }
}
