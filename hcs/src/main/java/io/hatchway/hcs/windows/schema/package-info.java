/**
 * The JSON documents of the Host Compute Service (HCS schema 2.1) that Hatchway sends to and
 * reads from {@code computecore.dll}, as Jackson records. Every JSON name is the one hcsshim's
 * {@code internal/hcs/schema2} (or, for the few documents it keeps elsewhere, the file named on the
 * type) uses; the Java names are the same words in Java case.
 *
 * <p>Documents we send are annotated {@code @JsonInclude(NON_DEFAULT)}: a field that is absent,
 * zero, {@code false} or empty is left out, as Go's {@code omitempty} leaves it out, so HCS never
 * sees a name it did not ask for. Documents HCS returns ignore names they do not know: HCS adds
 * fields between Windows releases.
 *
 * <p>All types are immutable records and thread-safe.
 */
package io.hatchway.hcs.windows.schema;
