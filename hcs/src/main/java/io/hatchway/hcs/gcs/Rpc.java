package io.hatchway.hcs.gcs;

import java.util.Optional;

/**
 * The GCS bridge's remote procedures, named as hcsshim names them ({@code prot.RPCProc}:
 * {@code RPCCreate} is {@link #Create}), and the message types of the frame header. A procedure
 * is {@code category | n << 8 | 1}; its request carries {@link #REQUEST} in the top nibble, its
 * response {@link #RESPONSE}.
 */
public enum Rpc {
    Create(1),
    Start(2),
    ShutdownGraceful(3),
    ShutdownForced(4),
    ExecuteProcess(5),
    WaitForProcess(6),
    SignalProcess(7),
    ResizeConsole(8),
    GetProperties(9),
    ModifySettings(10),
    NegotiateProtocol(11),
    DumpStacks(12),
    DeleteContainerState(13),
    UpdateContainer(14),
    LifecycleNotification(15);

    /** {@code MsgTypeRequest}: the top nibble of a request's type. */
    public static final int REQUEST = 0x10000000;
    /** {@code MsgTypeResponse}: the top nibble of a response's type. */
    public static final int RESPONSE = 0x20000000;
    /** {@code MsgTypeNotify}: the top nibble of an unsolicited notification's type. */
    public static final int NOTIFY = 0x30000000;
    /** {@code MsgTypeMask}. */
    public static final int MESSAGE_KIND_MASK = 0xf0000000;
    /** The {@code ComputeSystem} message category. */
    public static final int COMPUTE_SYSTEM = 0x00100000;
    /** {@code NotifyContainer | ComputeSystem | MsgTypeNotify}: a container exited (id 0). */
    public static final int NOTIFY_CONTAINER = NOTIFY | COMPUTE_SYSTEM | 1 << 8 | 1;

    private final int procedure;

    Rpc(int number) {
        this.procedure = COMPUTE_SYSTEM | number << 8 | 1;
    }

    /** The request's message type, e.g. {@code 0x10100101} for Create. */
    public int requestType() {
        return REQUEST | procedure;
    }

    /** The response's message type, e.g. {@code 0x20100101} for Create. */
    public int responseType() {
        return RESPONSE | procedure;
    }

    /** The procedure a request or response type names; empty for any other type. */
    public static Optional<Rpc> of(int messageType) {
        int procedure = messageType & ~MESSAGE_KIND_MASK;
        for (Rpc rpc : values()) {
            if (rpc.procedure == procedure) {
                return Optional.of(rpc);
            }
        }
        return Optional.empty();
    }

    /** A message type as a reader of the protocol knows it: {@code Response(WaitForProcess)}, or hex. */
    public static String describe(int messageType) {
        if (messageType == NOTIFY_CONTAINER) {
            return "Notify(Container)";
        }
        String kind = switch (messageType & MESSAGE_KIND_MASK) {
            case REQUEST -> "Request";
            case RESPONSE -> "Response";
            default -> null;
        };
        Optional<Rpc> rpc = of(messageType);
        return kind != null && rpc.isPresent() ? kind + "(" + rpc.get() + ")" : String.format("0x%08x", messageType);
    }
}
