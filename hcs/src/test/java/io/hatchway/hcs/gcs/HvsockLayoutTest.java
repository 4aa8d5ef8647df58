package io.hatchway.hcs.gcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.jna.Platform;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What can be proven of the hvsock transport off Windows: the SOCKADDR_HV layout Winsock reads and
 * the GCS's service id. Listening, accepting and the streams run on Windows only and are unproven here.
 */
class HvsockLayoutTest {

    @Test
    void sockaddrHvIs36BytesWithItsGuidsInWindowsOrderAt4And20() {
        UUID vmId = UUID.fromString("a42e7cda-d03f-480c-9cc2-a4de20abb878");
        Winsock.SockaddrHv address = new Winsock.SockaddrHv(vmId, HvsockTransport.LINUX_GCS_SERVICE_ID);
        address.write();

        assertEquals(36, address.size());
        byte[] bytes = address.getPointer().getByteArray(0, 36);
        assertArrayEquals(new byte[] {34, 0, 0, 0}, java.util.Arrays.copyOfRange(bytes, 0, 4), "AF_HYPERV, reserved");
        // GUID a42e7cda-d03f-480c-9cc2-a4de20abb878 as Windows stores it: Data1..3 little-endian, Data4 as is
        assertArrayEquals(new byte[] {(byte) 0xda, 0x7c, 0x2e, (byte) 0xa4, 0x3f, (byte) 0xd0, 0x0c, 0x48,
            (byte) 0x9c, (byte) 0xc2, (byte) 0xa4, (byte) 0xde, 0x20, (byte) 0xab, (byte) 0xb8, 0x78},
                java.util.Arrays.copyOfRange(bytes, 4, 20));
        assertArrayEquals(new byte[] {0x00, 0x00, 0x00, 0x40, (byte) 0xcb, (byte) 0xfa, (byte) 0xe6, 0x11,
            (byte) 0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, (byte) 0x86, (byte) 0xd3},
                java.util.Arrays.copyOfRange(bytes, 20, 36), "40000000-facb-11e6-bd58-64006a7986d3");
        assertEquals(vmId, address.vmId.uuid());
    }

    @Test
    void theLinuxGcsServiceIdIsVsockPort0x40000000InGoWiniosTemplate() {
        assertEquals(UUID.fromString("40000000-facb-11e6-bd58-64006a7986d3"), HvsockTransport.LINUX_GCS_SERVICE_ID);
        assertEquals(UUID.fromString("40000001-facb-11e6-bd58-64006a7986d3"), HvsockTransport.vsockServiceId(StdioPorts.FIRST_PORT));
    }

    @Test
    void listeningOffWindowsIsUnavailable() {
        if (Platform.isWindows()) {
            return;
        }
        HatchwayException refused = assertThrows(HatchwayException.class,
                () -> HvsockTransport.listen(UUID.randomUUID(), HvsockTransport.LINUX_GCS_SERVICE_ID));
        assertEquals(ErrorKind.Unavailable, refused.kind());
    }
}
