package io.hatchway.hcs.gcs;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One message of the GCS bridge: a 16-byte little-endian header {@code <uint32 type, uint32 size,
 * uint64 id>}, where size counts the header too, then a JSON body (UTF-8). Requests carry an id of
 * the host's choosing that the response echoes; notifications carry 0.
 *
 * @param type the message type ({@link Rpc#requestType()}, {@link Rpc#NOTIFY_CONTAINER}, ...)
 * @param id the request id
 * @param body the JSON body, UTF-8
 */
public record Frame(int type, long id, byte[] body) {
    public static final int HEADER_SIZE = 16;
    /**
     * The largest message read. hcsshim's host takes 64 KiB ({@code MaxMsgSize}); the guest's stacks
     * or a long process list can be larger, so this bound only keeps one message from costing
     * unbounded memory.
     */
    public static final int MAX_SIZE = 4 << 20;

    public Frame {
        Objects.requireNonNull(body);
        if (body.length > MAX_SIZE - HEADER_SIZE) {
            throw new IllegalArgumentException("a bridge message of " + body.length + " bytes is over the limit of " + MAX_SIZE);
        }
    }

    /** The header and the body, ready to be written in one go. */
    public byte[] encode() {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(type).putInt(HEADER_SIZE + body.length).putLong(id).put(body);
        return buffer.array();
    }

    /** Writes the frame in one write (the caller serialises writers). */
    public void write(OutputStream out) throws IOException {
        out.write(encode());
        out.flush();
    }

    /**
     * Reads one frame; blocks until it is whole.
     *
     * @return the frame, or null at the end of the stream before a header starts
     * @throws EOFException when the stream ends inside a frame
     * @throws IOException when the stream fails or the header's size is impossible
     */
    public static Frame read(InputStream in) throws IOException {
        byte[] header = new byte[HEADER_SIZE];
        int got = in.readNBytes(header, 0, HEADER_SIZE);
        if (got == 0) {
            return null;
        }
        if (got < HEADER_SIZE) {
            throw new EOFException("the stream ended inside a message header (" + got + " of 16 bytes)");
        }
        ByteBuffer fields = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int type = fields.getInt();
        long size = Integer.toUnsignedLong(fields.getInt());
        long id = fields.getLong();
        if (size < HEADER_SIZE || size > MAX_SIZE) {
            throw new IOException(String.format("message %s (id %d) gives an invalid size of %d bytes",
                    Rpc.describe(type), id, size));
        }
        byte[] body = in.readNBytes((int) size - HEADER_SIZE);
        if (body.length < size - HEADER_SIZE) {
            throw new EOFException(String.format("the stream ended inside message %s (id %d): %d of %d body bytes",
                    Rpc.describe(type), id, body.length, size - HEADER_SIZE));
        }
        return new Frame(type, id, body);
    }

    @Override
    public String toString() {
        return Rpc.describe(type) + " id " + id + " (" + body.length + " bytes)";
    }
}
