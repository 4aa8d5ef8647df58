package io.hatchway.hcs.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import io.hatchway.hcs.windows.ComputeCore.HANDLE;
import java.io.IOException;

/**
 * A stdio pipe handle of {@code HCS_PROCESS_INFORMATION} through kernel32's {@code ReadFile},
 * {@code WriteFile} and {@code CloseHandle}: synchronous calls on a handle HCS opened without
 * overlapped I/O. The end of the stream is {@code ERROR_BROKEN_PIPE} (or a read of nothing).
 */
final class KernelPipe implements PipeEnd {
    private static final int BUFFER = 64 * 1024;

    private final ComputeCore.Kernel32 kernel32;
    private final HANDLE handle;
    private final Memory buffer = new Memory(BUFFER);
    private final IntByReference transferred = new IntByReference();

    KernelPipe(ComputeCore.Kernel32 kernel32, HANDLE handle) {
        this.kernel32 = kernel32;
        this.handle = handle;
    }

    @Override
    public int read(byte[] into) throws IOException {
        int wanted = Math.min(into.length, BUFFER);
        if (!kernel32.ReadFile(handle, buffer, wanted, transferred, null)) {
            int error = Native.getLastError();
            if (error == ComputeCore.Kernel32.ERROR_BROKEN_PIPE) {
                return -1;
            }
            throw new IOException("ReadFile: Win32 error " + error);
        }
        int count = transferred.getValue();
        if (count <= 0) {
            return -1;
        }
        buffer.read(0, into, 0, count);
        return count;
    }

    @Override
    public void write(byte[] from, int length) throws IOException {
        int offset = 0;
        while (offset < length) {
            int chunk = Math.min(length - offset, BUFFER);
            buffer.write(0, from, offset, chunk);
            if (!kernel32.WriteFile(handle, buffer, chunk, transferred, null)) {
                throw new IOException("WriteFile: Win32 error " + Native.getLastError());
            }
            if (transferred.getValue() <= 0) {
                throw new IOException("WriteFile: nothing written");
            }
            offset += transferred.getValue();
        }
    }

    @Override
    public void close() {
        kernel32.CloseHandle(handle);
        buffer.close();
    }
}
