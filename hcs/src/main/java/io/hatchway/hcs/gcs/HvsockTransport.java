package io.hatchway.hcs.gcs;

import static io.hatchway.hcs.ErrorKind.DeadlineExceeded;
import static io.hatchway.hcs.ErrorKind.Unavailable;

import com.sun.jna.Memory;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.linux.Jna;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bridge's transport on Windows: a Hyper-V socket. The host listens on
 * {@code (VmId = the utility VM's runtime id, ServiceId = }{@link #LINUX_GCS_SERVICE_ID}{@code )},
 * and the Linux GCS dials it (vsock port {@code 0x40000000}) once the VM has booted; the accepted
 * socket's streams are what {@link GuestConnection#open} takes, the socket its transport.
 *
 * <p>Runs on Windows only ({@code ws2_32.dll}); off Windows {@link #listen} fails with
 * Unavailable, and tests hand the bridge a Unix socket's streams in its place. Unproven here:
 * only the structures' layout is tested.
 */
public final class HvsockTransport implements Closeable {
    /** hcsshim's {@code LinuxGcsVsockPort}: the vsock port the Linux GCS dials. */
    public static final int LINUX_GCS_VSOCK_PORT = 0x40000000;
    /** The hvsock service id of a vsock port: go-winio's {@code VsockServiceID}, {@code XXXXXXXX-facb-11e6-bd58-64006a7986d3}. */
    public static final UUID LINUX_GCS_SERVICE_ID = vsockServiceId(LINUX_GCS_VSOCK_PORT);

    private final Winsock winsock;
    private final Pointer socket;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HvsockTransport(Winsock winsock, Pointer socket) {
        this.winsock = winsock;
        this.socket = socket;
    }

    /** The hvsock service id that stands for vsock {@code port}. */
    public static UUID vsockServiceId(int port) {
        return new UUID((Integer.toUnsignedLong(port) << 32) | 0xfacb_11e6L, 0xbd58_6400_6a79_86d3L);
    }

    /** Binds and listens on {@code (vmId, serviceId)}; Unavailable off Windows or when Winsock refuses. */
    public static HvsockTransport listen(UUID vmId, UUID serviceId) {
        if (!Platform.isWindows()) {
            throw Unavailable.error("hvsock listen: Hyper-V sockets exist on Windows only");
        }
        Winsock winsock = Jna.load("ws2_32", Winsock.class);
        try (Memory wsaData = new Memory(Winsock.WSADATA_SIZE)) {
            int started = winsock.WSAStartup(Winsock.WINSOCK_2_2, wsaData);
            if (started != 0) {
                throw Unavailable.error("hvsock listen: WSAStartup failed with error %d", started);
            }
        }
        Pointer socket = winsock.socket(Winsock.AF_HYPERV, Winsock.SOCK_STREAM, Winsock.HV_PROTOCOL_RAW);
        if (Winsock.invalid(socket)) {
            int error = winsock.WSAGetLastError();
            winsock.WSACleanup();
            throw Unavailable.error("hvsock listen: socket(AF_HYPERV) failed with WSA error %d", error);
        }
        HvsockTransport listener = new HvsockTransport(winsock, socket);
        Winsock.SockaddrHv address = new Winsock.SockaddrHv(vmId, serviceId);
        if (winsock.bind(socket, address, address.size()) == Winsock.SOCKET_ERROR
                || winsock.listen(socket, 1) == Winsock.SOCKET_ERROR) {
            int error = winsock.WSAGetLastError();
            listener.close();
            throw Unavailable.error("hvsock listen on %s/%s: WSA error %d", vmId, serviceId, error);
        }
        return listener;
    }

    /**
     * Waits for the guest to dial, at most {@code timeout} (this listener is closed then, which ends
     * the accept: DeadlineExceeded), and returns the connected socket. The listener stays open.
     */
    public HvsockTransport accept(Duration timeout, ComputeThreads threads) {
        Future<?> expiry = threads.later(timeout, this::close);
        try {
            Winsock.SockaddrHv peer = new Winsock.SockaddrHv();
            Pointer accepted = winsock.accept(socket, peer, new IntByReference(peer.size()));
            if (Winsock.invalid(accepted)) {
                if (closed.get()) {
                    throw DeadlineExceeded.error("hvsock accept: the guest did not connect within %d ms", timeout.toMillis());
                }
                throw Unavailable.error("hvsock accept: WSA error %d", winsock.WSAGetLastError());
            }
            try (Memory wsaData = new Memory(Winsock.WSADATA_SIZE)) {
                winsock.WSAStartup(Winsock.WINSOCK_2_2, wsaData); // each socket's close calls WSACleanup once
            }
            return new HvsockTransport(winsock, accepted);
        } finally {
            expiry.cancel(false);
        }
    }

    /** What the guest sends; 0 bytes from {@code recv} is the end of the stream. */
    public InputStream in() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                byte[] chunk = offset == 0 ? buffer : new byte[length];
                int got = winsock.recv(socket, chunk, length, 0);
                if (got == Winsock.SOCKET_ERROR) {
                    throw new IOException("hvsock recv failed with WSA error " + winsock.WSAGetLastError());
                }
                if (got == 0) {
                    return -1;
                }
                if (chunk != buffer) {
                    System.arraycopy(chunk, 0, buffer, offset, got);
                }
                return got;
            }
        };
    }

    /** What goes to the guest; every write sends all its bytes. */
    public OutputStream out() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                byte[] rest = java.util.Arrays.copyOfRange(buffer, offset, offset + length);
                while (rest.length > 0) {
                    int sent = winsock.send(socket, rest, rest.length, 0);
                    if (sent == Winsock.SOCKET_ERROR) {
                        throw new IOException("hvsock send failed with WSA error " + winsock.WSAGetLastError());
                    }
                    rest = java.util.Arrays.copyOfRange(rest, sent, rest.length);
                }
            }
        };
    }

    /** Shuts the socket down (which ends a blocked recv or accept) and closes it. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            winsock.shutdown(socket, Winsock.SD_BOTH);
            winsock.closesocket(socket);
            winsock.WSACleanup();
        }
    }
}
