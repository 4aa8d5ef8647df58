package io.hatchway.hcs.gcs;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The part of Winsock ({@code ws2_32.dll}) a host needs to accept a utility VM's GCS over
 * Hyper-V sockets ({@code AF_HYPERV}): the functions with {@code winsock2.h}'s names, and
 * {@code SOCKADDR_HV} of {@code hvsocket.h}. {@code SOCKET} is a pointer-sized handle
 * ({@link Pointer}; {@code INVALID_SOCKET} is all ones), {@code SOCKET_ERROR} is -1 and the cause
 * is {@link #WSAGetLastError()}. x64 has one calling convention, so this is a plain
 * {@link Library}. Loaded by {@link HvsockTransport} on Windows only.
 */
public interface Winsock extends Library {
    /** {@code AF_HYPERV}. */
    int AF_HYPERV = 34;
    int SOCK_STREAM = 1;
    /** {@code HV_PROTOCOL_RAW}. */
    int HV_PROTOCOL_RAW = 1;
    int SOCKET_ERROR = -1;
    /** {@code MAKEWORD(2, 2)}. */
    short WINSOCK_2_2 = 0x0202;
    /** {@code SD_BOTH}. */
    int SD_BOTH = 2;
    /** {@code sizeof(WSADATA)} on x64 is 408; more is harmless. */
    int WSADATA_SIZE = 512;

    int WSAStartup(short versionRequested, Pointer wsaData);

    int WSACleanup();

    int WSAGetLastError();

    Pointer socket(int addressFamily, int type, int protocol);

    int bind(Pointer socket, SockaddrHv address, int addressLength);

    int listen(Pointer socket, int backlog);

    Pointer accept(Pointer socket, SockaddrHv address, IntByReference addressLength);

    int recv(Pointer socket, byte[] buffer, int length, int flags);

    int send(Pointer socket, byte[] buffer, int length, int flags);

    int shutdown(Pointer socket, int how);

    int closesocket(Pointer socket);

    /** Whether a returned {@code SOCKET} is {@code INVALID_SOCKET} (~0). */
    static boolean invalid(Pointer socket) {
        return socket == null || Pointer.nativeValue(socket) == -1L;
    }

    /** A Windows {@code GUID}: {@code Data1} to {@code Data3} little-endian, {@code Data4} as bytes. */
    @Structure.FieldOrder({"data1", "data2", "data3", "data4"})
    class Guid extends Structure {
        public int data1;
        public short data2;
        public short data3;
        public byte[] data4 = new byte[8];

        public Guid() {
        }

        public Guid(UUID uuid) {
            ByteBuffer bytes = ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).flip();
            data1 = bytes.getInt();
            data2 = bytes.getShort();
            data3 = bytes.getShort();
            bytes.get(data4);
        }

        public UUID uuid() {
            ByteBuffer bytes = ByteBuffer.allocate(16).putInt(data1).putShort(data2).putShort(data3).put(data4).flip();
            return new UUID(bytes.getLong(), bytes.getLong());
        }
    }

    /** {@code SOCKADDR_HV}: 36 bytes, the two GUIDs at offsets 4 and 20. */
    @Structure.FieldOrder({"family", "reserved", "vmId", "serviceId"})
    class SockaddrHv extends Structure {
        public short family = AF_HYPERV;
        public short reserved;
        public Guid vmId = new Guid();
        public Guid serviceId = new Guid();

        public SockaddrHv() {
        }

        public SockaddrHv(UUID vmId, UUID serviceId) {
            this.vmId = new Guid(vmId);
            this.serviceId = new Guid(serviceId);
        }
    }
}
