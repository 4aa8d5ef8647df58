package io.hatchway.hcs.gcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The bridge's framing alone; the protocol itself is proven against the real GCS (GuestBridgeTest). */
class FrameTest {

    @Test
    void theHeaderIsLittleEndianTypeSizeIncludingItselfAndId() {
        byte[] body = "{\"Result\":0}".getBytes(StandardCharsets.UTF_8);
        byte[] wire = new Frame(Rpc.WaitForProcess.requestType(), 0x0102030405060708L, body).encode();

        assertEquals(16 + body.length, wire.length);
        assertArrayEquals(new byte[] {0x01, 0x06, 0x10, 0x10}, Arrays.copyOfRange(wire, 0, 4), "0x10100601, LE");
        assertArrayEquals(new byte[] {(byte) (16 + body.length), 0, 0, 0}, Arrays.copyOfRange(wire, 4, 8));
        assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, Arrays.copyOfRange(wire, 8, 16));
        assertArrayEquals(body, Arrays.copyOfRange(wire, 16, wire.length));
    }

    @Test
    void framesRoundTripOverAPipeOneAfterAnother() throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 16);
        PipedOutputStream out = new PipedOutputStream(in);
        new Frame(Rpc.NegotiateProtocol.requestType(), 0, "{}".getBytes(StandardCharsets.UTF_8)).write(out);
        new Frame(Rpc.NOTIFY_CONTAINER, 0, "{\"Type\":\"GracefulExit\"}".getBytes(StandardCharsets.UTF_8)).write(out);
        out.close();

        Frame first = Frame.read(in);
        Frame second = Frame.read(in);

        assertEquals(0x10100b01, first.type());
        assertEquals("{}", new String(first.body(), StandardCharsets.UTF_8));
        assertEquals(0x30100101, second.type());
        assertEquals("{\"Type\":\"GracefulExit\"}", new String(second.body(), StandardCharsets.UTF_8));
        assertNull(Frame.read(in), "end of stream between frames");
    }

    @Test
    void aStreamEndingInsideAFrameOrAnImpossibleSizeIsAnError() {
        byte[] wire = new Frame(Rpc.Create.requestType(), 7, new byte[40]).encode();
        EOFException inBody = assertThrows(EOFException.class,
                () -> Frame.read(new ByteArrayInputStream(Arrays.copyOf(wire, 30))));
        assertTrue(inBody.getMessage().contains("Request(Create) (id 7): 14 of 40 body bytes"), inBody.getMessage());
        assertThrows(EOFException.class, () -> Frame.read(new ByteArrayInputStream(Arrays.copyOf(wire, 9))));

        byte[] tooSmall = wire.clone();
        tooSmall[4] = 15;
        IOException size = assertThrows(IOException.class, () -> Frame.read(new ByteArrayInputStream(tooSmall)));
        assertTrue(size.getMessage().contains("invalid size of 15 bytes"), size.getMessage());
    }

    @Test
    void messageTypesAreNamedAsHcsshimNamesThem() {
        assertEquals(0x10100101, Rpc.Create.requestType());
        assertEquals(0x10100d01, Rpc.DeleteContainerState.requestType());
        assertEquals(0x20100601, Rpc.WaitForProcess.responseType());
        assertEquals("Response(WaitForProcess)", Rpc.describe(0x20100601));
        assertEquals("Notify(Container)", Rpc.describe(0x30100101));
        assertEquals("0x40000000", Rpc.describe(0x40000000));
    }
}
