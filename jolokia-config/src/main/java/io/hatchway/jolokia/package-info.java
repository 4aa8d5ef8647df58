/**
 * Hatchway's remote face: its MBeans as Jolokia JSON over HTTP, secure by default.
 *
 * <p>The public surface is {@link io.hatchway.jolokia.ExposureConfig} (what to serve, where, how)
 * and {@link io.hatchway.jolokia.JolokiaExposure} (start, URL, password file, close). Everything
 * else — the access policy, the password and key files, TLS, the threads — is package-private and
 * decided here, never by Jolokia's defaults or the host's {@code jolokia.*} settings. This package
 * depends on Jolokia and slf4j only, not on the other Hatchway modules.
 */
package io.hatchway.jolokia;
