package io.hatchway.hcs.gcs;

/**
 * The vsock ports the guest agent dials for a process's stdio ({@code VsockStdioRelaySettings});
 * 0 for a stream the process does not get. The host listens on them before the process is
 * executed; hcsshim hands them out from {@code 0x40000001} up.
 */
public record StdioPorts(int stdIn, int stdOut, int stdErr) {
    /** A process with no stdio (a terminal with nothing attached, or output nobody reads). */
    public static final StdioPorts NONE = new StdioPorts(0, 0, 0);

    /** The first stdio port hcsshim hands out ({@code LinuxGcsVsockPort + 1}). */
    public static final int FIRST_PORT = 0x40000001;
}
