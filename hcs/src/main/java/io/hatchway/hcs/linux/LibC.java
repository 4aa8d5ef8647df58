package io.hatchway.hcs.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls the JDK does not offer, through JNA. */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int ESRCH = 3;
    int _SC_CLK_TCK = 2;
    int _SC_PAGESIZE = 30;

    /** kill(2): delivers any signal, not only the TERM and KILL {@link Process} offers. */
    int kill(int pid, int signal) throws LastErrorException;

    int getuid();

    int getgid();

    long sysconf(int name);
}
