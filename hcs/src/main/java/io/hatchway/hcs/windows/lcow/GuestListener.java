package io.hatchway.hcs.windows.lcow;

import com.sun.jna.Platform;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.gcs.HvsockTransport;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Where the host listens for a service of a utility VM, as hcsshim's {@code uvm.listenVsock}: on
 * Windows an hvsock listener on (VmId, ServiceId) ({@link HvsockTransport}); elsewhere, where the VM
 * is the HCS stand-in's, a Unix socket at {@code <dir>/<VmId>_<ServiceId>} that the stand-in's VM connects to, the way
 * Firecracker and Cloud Hypervisor map vsock to Unix sockets. {@code dir} is the system property
 * {@value #DIR_PROPERTY}, else {@value #DEFAULT_DIR} (the stand-in reads the same from
 * {@code HATCHWAY_HVSOCK_DIR}). One accept, bounded; the socket file goes with {@link #close()}.
 */
final class GuestListener implements AutoCloseable {
    static final String DIR_PROPERTY = "hatchway.hvsock.dir";
    static final String DEFAULT_DIR = "/tmp/hatchway-hvsock";

    private final Path path;
    private final ServerSocketChannel server; // null on Windows
    private final HvsockTransport hvsock; // null elsewhere
    private final ComputeThreads threads;

    private GuestListener(Path path, ServerSocketChannel server, HvsockTransport hvsock, ComputeThreads threads) {
        this.path = path;
        this.server = server;
        this.hvsock = hvsock;
        this.threads = threads;
    }

    /** Listens for service {@code serviceId} of the VM whose RuntimeId is {@code vmId}. @throws io.hatchway.hcs.HatchwayException Unavailable */
    static GuestListener listen(String vmId, String serviceId, ComputeThreads threads) {
        if (Platform.isWindows()) {
            return new GuestListener(null, null, HvsockTransport.listen(UUID.fromString(vmId), UUID.fromString(serviceId)),
                    threads);
        }
        Path path = Path.of(System.getProperty(DIR_PROPERTY, DEFAULT_DIR), vmId + "_" + serviceId);
        try {
            Files.createDirectories(path.getParent());
            Files.deleteIfExists(path);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(UnixDomainSocketAddress.of(path), 1);
                server.configureBlocking(false);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
            return new GuestListener(path, server, null, threads);
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("cannot listen for the guest of utility VM %s at '%s': %s", vmId, path,
                    e.getMessage());
        }
    }

    /**
     * The guest's connection, once it dials; looked for every 100 ms until {@code timeout} or until
     * {@code gone} completes (the VM stopped: nobody will dial).
     *
     * @throws io.hatchway.hcs.HatchwayException DeadlineExceeded when it does not within {@code timeout};
     *     Unavailable when {@code gone} completes first
     */
    Connection accept(Duration timeout, CompletionStage<?> gone) {
        if (hvsock != null) {
            gone.whenComplete((stopped, failure) -> hvsock.close()); // ends the blocked accept
            try {
                HvsockTransport socket = hvsock.accept(timeout, threads);
                return new Connection(socket.in(), socket.out(), socket);
            } catch (HatchwayException e) {
                if (gone.toCompletableFuture().isDone()) {
                    throw ErrorKind.Unavailable.error("the utility VM stopped before its guest agent connected");
                }
                throw e;
            }
        }
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            long deadline = System.nanoTime() + timeout.toNanos();
            for (long left = timeout.toMillis(); left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
                if (gone.toCompletableFuture().isDone()) {
                    throw ErrorKind.Unavailable.error("the utility VM stopped before its guest agent connected to '%s'",
                            path);
                }
                selector.select(Math.min(left, 100));
                SocketChannel channel = server.accept();
                if (channel != null) {
                    channel.configureBlocking(true);
                    return Connection.of(channel);
                }
            }
        } catch (IOException e) {
            throw ErrorKind.Unavailable.error("accepting the guest at '%s': %s", path, e.getMessage());
        }
        throw ErrorKind.DeadlineExceeded.error("the guest agent did not connect to '%s' within %d ms", path,
                timeout.toMillis());
    }

    @Override
    public void close() {
        if (hvsock != null) {
            hvsock.close();
            return;
        }
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // the socket file is in a directory of ours; a later listen replaces it
        }
    }

    /** The guest's connection: what it sends, what goes to it, and the transport that closing ends. */
    record Connection(InputStream in, OutputStream out, Closeable transport) implements Closeable {
        /**
         * A connected stream socket as two streams that read and write independently (the JDK's
         * channel streams would serialise a blocked read with every write). Closing it ends a
         * blocked read.
         */
        static Connection of(SocketChannel channel) {
            InputStream in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    return length == 0 ? 0 : channel.read(ByteBuffer.wrap(buffer, offset, length));
                }
            };
            OutputStream out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] buffer, int offset, int length) throws IOException {
                    ByteBuffer data = ByteBuffer.wrap(buffer, offset, length);
                    while (data.hasRemaining()) {
                        channel.write(data);
                    }
                }
            };
            return new Connection(in, out, channel);
        }

        @Override
        public void close() {
            try {
                transport.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }
}
