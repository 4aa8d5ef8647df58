package io.hatchway.hcs.windows;

import static io.hatchway.hcs.windows.StandInFixture.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.ComputeThreads;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.gcs.GuestAgentFixture;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.windows.ComputeCore.HCS_SYSTEM;
import io.hatchway.hcs.windows.schema.ComputeSystem;
import io.hatchway.hcs.windows.schema.VirtualMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stand-in's VirtualMachine compute system on its own: it takes hcsshim's LCOW document and
 * refuses what schema2 does not have, answers its RuntimeId, and a VM whose guest finds no host
 * listening ends at once with an unexpected exit, reported through HcsVirtualMachine.
 */
class StandInVirtualMachineTest {
    private static final VirtualMachine DOCUMENT = new VirtualMachine(true,
            new VirtualMachine.Chipset(new VirtualMachine.LinuxKernelDirect("C:\\vmlinux", "C:\\initrd.img", "quiet")),
            new VirtualMachine.Topology(new VirtualMachine.Memory(512, true), new VirtualMachine.Processor(1)),
            new VirtualMachine.Devices(new VirtualMachine.HvSocket(new VirtualMachine.HvSocketConfig("D:P(A;;FA;;;SY)")),
                    new VirtualMachine.Plan9(List.of())));

    private StandInFixture f;
    private String id;
    private ComputeThreads threads;

    @BeforeEach
    void library() {
        f = new StandInFixture();
        id = "vm-" + UUID.randomUUID();
        threads = new ComputeThreads();
    }

    @AfterEach
    void noLeftovers() {
        threads.close();
        StandInFixture.assertNothingOpen();
    }

    private Operations.Result createWith(String document) {
        PointerByReference handle = new PointerByReference();
        try (Utf16 wide = Utf16.of(id); Utf16 configuration = Utf16.of(document)) {
            Operations.Result result = f.run(op -> f.core.HcsCreateComputeSystem(wide, configuration, op, null, handle));
            if (handle.getValue() != null) {
                f.terminateAndClose(new HCS_SYSTEM(handle.getValue()));
            }
            return result;
        }
    }

    private static ObjectNode document() {
        return (ObjectNode) Json.MAPPER.valueToTree(ComputeSystem.virtualMachine("test", DOCUMENT));
    }

    @Test
    void takesHcsshimsLcowDocumentAndRefusesWhatSchema2DoesNotHave() {
        assertEquals(ComputeCore.S_OK, createWith(document().toString()).hresult());

        ObjectNode unknown = document();
        ((ObjectNode) unknown.get("VirtualMachine").get("ComputeTopology").get("Memory")).put("SizeInGB", 1);
        Operations.Result refused = createWith(unknown.toString());
        assertEquals(0x8037010D, refused.hresult(), refused::document);
        assertTrue(parse(refused.document()).get("ErrorMessage").asText().contains("SizeInGB"), refused::document);

        ObjectNode twoBoots = document();
        ((ObjectNode) twoBoots.get("VirtualMachine").get("Chipset")).putObject("Uefi");
        assertEquals(0x8037010D, createWith(twoBoots.toString()).hresult(), "one boot source");

        ObjectNode noHvSocket = document();
        ((ObjectNode) noHvSocket.get("VirtualMachine").get("Devices")).remove("HvSocket");
        assertEquals(ComputeCore.E_INVALIDARG, createWith(noHvSocket.toString()).hresult(), "the guest could not reach the host");

        ObjectNode guestConnection = document();
        ((ObjectNode) guestConnection.get("VirtualMachine")).putObject("GuestConnection").put("UseVsock", true);
        assertEquals(ComputeCore.E_NOTIMPL, createWith(guestConnection.toString()).hresult(), "HCS's own guest connection");
    }

    @Test
    void answersItsRuntimeIdAndRefusesProcessesOfItsOwn() {
        HcsVirtualMachine vm = HcsVirtualMachine.create(f.library, id, "test", DOCUMENT, threads);
        try {
            assertTrue(vm.runtimeId().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
                    vm.runtimeId());
            HatchwayException e = org.junit.jupiter.api.Assertions.assertThrows(HatchwayException.class, vm::statistics);
            assertEquals(ErrorKind.NotFound, e.kind(), "a VM not started has no figures: " + e.getMessage());
        } finally {
            vm.terminate();
            vm.close();
        }
    }

    /** Nobody listens for its guest: the GCS finds no host and the VM ends, an unexpected exit HCS reports. */
    @Test
    void aVmWhoseGuestFindsNoHostExitsUnexpectedly() throws Exception {
        assumeTrue(GuestAgentFixture.jail().filter(Files::isExecutable).isPresent()
                && GuestAgentFixture.gcs().filter(Files::isExecutable).isPresent(), "gcs-jail or the GCS is missing");
        HcsVirtualMachine vm = HcsVirtualMachine.create(f.library, id, "test", DOCUMENT, threads);
        try {
            vm.start();
            vm.exited().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertTrue(Files.notExists(Path.of(System.getProperty("hatchway.hvsock.dir", "/tmp/hatchway-hvsock"),
                    vm.runtimeId() + "_" + HcsVirtualMachine.GCS_SERVICE_ID)), "no socket left");
        } finally {
            vm.close();
        }
    }
}
