package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The processes in {@code /proc}, each with the inode number of its {@code /proc/<pid>}
 * directory, read in a few {@code getdents64} calls (the JDK's directory stream gives names
 * only). The kernel makes that directory anew for every process, so a pid reused by a new process
 * comes with another inode number: the pair names one process, which lets {@link ProcFs} keep what
 * it read of a process between scans.
 */
final class ProcDir {
    private static final int BUFFER = 64 * 1024;

    /** Receives each entry of a listing. */
    interface Visitor {
        void visit(int pid, long inode);
    }

    private ProcDir() {
    }

    /**
     * Calls {@code visitor} for every process in {@code /proc}. @return false when this libc or
     * kernel cannot list it so (nothing was visited then)
     */
    static boolean list(Visitor visitor) {
        LibC calls;
        int fd;
        try {
            calls = LibC.INSTANCE;
            fd = calls.open("/proc", LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        } catch (LastErrorException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            return false;
        }
        try (Memory buffer = new Memory(BUFFER)) {
            byte[] bytes = new byte[BUFFER];
            while (true) {
                long read = calls.getdents64(fd, buffer, BUFFER);
                if (read <= 0) {
                    return true;
                }
                buffer.read(0, bytes, 0, (int) read);
                parse(ByteBuffer.wrap(bytes, 0, (int) read).order(ByteOrder.nativeOrder()), visitor);
            }
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return false;
        } finally {
            calls.close(fd);
        }
    }

    /** struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; } */
    static void parse(ByteBuffer records, Visitor visitor) {
        int offset = 0;
        while (offset < records.limit()) {
            long inode = records.getLong(offset);
            int length = records.getShort(offset + 16) & 0xffff;
            int pid = 0;
            int i = offset + 19;
            byte b;
            while ((b = records.get(i)) >= '0' && b <= '9' && pid < 100_000_000) {
                pid = pid * 10 + (b - '0');
                i++;
            }
            if (b == 0 && i > offset + 19) { // all digits: a process
                visitor.visit(pid, inode);
            }
            if (length == 0) {
                return;
            }
            offset += length;
        }
    }
}
