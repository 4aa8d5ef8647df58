package io.hatchway.jolokia;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files in {@code stateDir} that only the JVM's user may read: the Jolokia password and the
 * generated TLS key. A file is born with mode 0600 (there is no moment where it is readable by
 * others), is complete before it appears under its name, and is created once: when several JVMs
 * share a {@code stateDir} and start together, they all end up using the first one's file.
 *
 * <p>An existing file is used only if it is a regular file (not a symbolic link) owned by the JVM's
 * user; if group or others may read it, it is narrowed to 0600 and a warning is logged. On a file
 * system without POSIX permissions (Windows) a file gets its directory's access rules, which for a
 * {@code stateDir} in the user's profile means the user's alone. Stateless and thread-safe.
 */
final class PrivateFiles {
    private static final Logger log = LoggerFactory.getLogger(PrivateFiles.class);
    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ALL = PosixFilePermissions.fromString("rwx------");
    private static final int SECRET_BYTES = 32;
    private static final SecureRandom random = new SecureRandom();

    /** What a new file holds; called only when the file does not exist yet. */
    @FunctionalInterface
    interface Content {
        byte[] create() throws IOException;
    }

    private PrivateFiles() {
    }

    /**
     * Creates {@code dir} and its missing parents, each new one with mode 0700.
     *
     * @throws IOException if a directory cannot be created or {@code dir} is not a directory
     */
    static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (isPosix(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ALL));
        } else {
            Files.createDirectories(dir);
        }
    }

    /**
     * The secret in {@code file}, creating the file with a new random secret — 256 bits, URL-safe
     * Base64 without padding, no line end — when it does not exist.
     *
     * @return the secret, surrounding white space removed
     * @throws IOException if the file cannot be created or read, is empty, is not a regular file or is
     *                     owned by another user
     */
    static String readOrCreateSecret(Path file) throws IOException {
        String secret = new String(readOrCreate(file, PrivateFiles::newSecret), StandardCharsets.UTF_8).strip();
        if (secret.isEmpty()) {
            throw new IOException(file + " is empty: delete it and a new password is generated on the next start");
        }
        return secret;
    }

    /**
     * The bytes of {@code file}, creating it from {@code content} when it does not exist.
     *
     * @throws IOException if the file cannot be created or read, is not a regular file or is owned by
     *                     another user, or if {@code content} fails
     */
    static byte[] readOrCreate(Path file, Content content) throws IOException {
        while (true) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return readExisting(file);
            }
            if (create(file, content.create())) {
                return Files.readAllBytes(file);
            }
            // another JVM created it meanwhile: use theirs
        }
    }

    private static byte[] newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).getBytes(StandardCharsets.US_ASCII);
    }

    // Writes a private temporary file, then gives it its name with link(2), which (unlike rename)
    // fails when the name exists. False when another process won the race.
    private static boolean create(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        FileAttribute<?>[] attributes = isPosix(dir)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
                : new FileAttribute<?>[0];
        Path temporary = Files.createTempFile(dir, "." + file.getFileName() + "-", ".tmp", attributes);
        try {
            Files.write(temporary, bytes);
            try {
                Files.createLink(file, temporary);
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | FileSystemException e) {
                // no hard links on this file system: a move that refuses to replace, nearly as good
                try {
                    Files.move(temporary, file);
                } catch (FileAlreadyExistsException raced) {
                    return false;
                }
            }
            return true;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static byte[] readExisting(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file: refusing to use it");
        }
        if (isPosix(file)) {
            UserPrincipal owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
            UserPrincipal me = currentUser(file);
            if (me != null && !owner.equals(me)) {
                throw new IOException(file + " belongs to " + owner.getName() + ", not to " + me.getName()
                        + ": refusing to use it");
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (!OWNER_READ_WRITE.containsAll(permissions)) {
                log.warn("{} was {}: narrowed to rw------- (readable by its owner only)", file,
                        PosixFilePermissions.toString(permissions));
                Files.setPosixFilePermissions(file, OWNER_READ_WRITE);
            }
        }
        return Files.readAllBytes(file);
    }

    private static UserPrincipal currentUser(Path file) {
        try {
            return file.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
