package io.hatchway.hcs.runc.cgroup;

import io.hatchway.hcs.Statistics;

/** The figures of one cgroup as its controllers give them, before they become {@link Statistics}. */
final class Figures {
    private Figures() {
    }

    /** Processor time in 100 ns units. */
    record Cpu(long user100ns, long kernel100ns) {
        static final Cpu NONE = new Cpu(0, 0);
    }

    /** Memory in bytes; a limit of 0 means none. */
    record Memory(long usage, long commit, long limit) {
        static final Memory NONE = new Memory(0, 0, 0);
    }

    /** Bytes read from and written to block devices. */
    record Storage(long read, long write) {
        static final Storage NONE = new Storage(0, 0);
    }

    /** Tasks in the cgroup and their limit (0: none). */
    record Pids(long current, long limit) {
    }
}
