/*
 * gcs-jail: runs one program — hcsshim's Linux guest agent (the GCS), in Hatchway's tests — the way
 * a utility VM would contain it, on a Linux host, so that it cannot touch the host it believes it
 * owns. Usage: gcs-jail <program> [args...]. The program's stdin, stdout and stderr are the jail's
 * own (a caller hands it pipes or a connected Unix socket), and no other descriptor reaches it; the
 * jail keeps only stderr, for its own messages, so the program's stdout reaches end of file as soon
 * as the program is gone.
 *
 * What the program gets:
 *  - a cgroup of its own in every mounted hierarchy: a child "hatchway-gcs-<jail pid>" of the
 *    caller's cgroup, and a cgroup namespace rooted there, so that "/containers" and "/gcs" (what
 *    the GCS makes) are made under it;
 *  - its own mount, pid, UTS and IPC namespaces: it is pid 1 (the kernel kills everything in the
 *    namespace when pid 1 dies, and pid 1 dies when the jail dies: PR_SET_PDEATHSIG), mounts are
 *    private (nothing propagates to the host, and they vanish with the namespace), a fresh /proc,
 *    /proc/sys and /sys read-only, a tmpfs over /sys/fs/cgroup holding every hierarchy mounted
 *    afresh (rooted at its own cgroup), a tmpfs over /run (and /var/run unless that is a link to it:
 *    runc's state, /run/runc, is there);
 *  - a seccomp filter: socket(AF_VSOCK) fails with EACCES (the GCS would dial the machine's
 *    hypervisor), reboot, kexec_load and kexec_file_load fail with EPERM (it powers the machine off
 *    on a null-container shutdown), io_uring_setup with ENOSYS (io_uring opens sockets past the
 *    filter), and every call of another architecture's ABI with ENOSYS.
 *
 * The jail itself stays outside, in the caller's cgroup and namespaces: it waits for the program;
 * SIGTERM, SIGINT, SIGHUP or SIGQUIT to the jail SIGKILLs the program's pid 1 (and with it the whole
 * namespace), at most 30 s more is waited; then the jail removes its cgroups bottom-up (retrying
 * for up to 5 s while they empty) and exits with the program's status, 128+N when signal N ended
 * it. The jail's own failure is status 125 (126/127: the program could not be run), said on stderr
 * with the prefix "gcs-jail: ". Cgroups of jails that died unable to clean up (SIGKILLed) are
 * removed by the next jail started beside them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PREFIX "hatchway-gcs-"
#define MAX_HIERARCHIES 32
#define KILL_BOUND_S 30
#define RMDIR_BOUND_MS 5000
#define STATUS_JAIL 125

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#if defined(__x86_64__)
#define JAIL_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define JAIL_ARCH AUDIT_ARCH_AARCH64
#else
#error "gcs-jail: the seccomp filter knows x86_64 and aarch64 only"
#endif

/* One cgroup hierarchy the caller is in, as this host mounts it. */
struct hierarchy {
    char controllers[256]; /* "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
    int v2;
    char mount_point[PATH_MAX];
    int parent_fd; /* the caller's cgroup directory in it */
    int created;
};

static struct hierarchy hierarchies[MAX_HIERARCHIES];
static int hierarchy_count;
static char cgroup_name[64];

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *format, ...) {
    char line[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    dprintf(STDERR_FILENO, "gcs-jail: %s\n", line);
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s) {
    char *out = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
            *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
}

/* Whether every comma-separated word of `wanted` is one of the comma-separated `options`. */
static int has_all(const char *options, const char *wanted) {
    char copy[256];
    snprintf(copy, sizeof copy, "%s", wanted);
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(w);
        const char *p = options;
        int found = 0;
        while (*p) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len == n && strncmp(p, w, n) == 0) {
                found = 1;
                break;
            }
            p += len + (end ? 1 : 0);
        }
        if (!found) {
            return 0;
        }
    }
    return 1;
}

/*
 * Finds the mount of the hierarchy of `controllers` (v1) or the unified one (v2) and the caller's
 * cgroup directory `path` in it; 0 when the hierarchy is not mounted here.
 */
static int locate(struct hierarchy *h, const char *path, char *dir, size_t dir_size) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) {
        return 0;
    }
    char *line = NULL;
    size_t cap = 0;
    int found = 0;
    while (!found && getline(&line, &cap, f) > 0) {
        /* id parent major:minor root mount-point options [optional...] - type source super-options */
        char *fields[64];
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, " \n", &save); t && n < 64; t = strtok_r(NULL, " \n", &save)) {
            fields[n++] = t;
        }
        int dash = -1;
        for (int i = 6; i < n; i++) {
            if (strcmp(fields[i], "-") == 0) {
                dash = i;
                break;
            }
        }
        if (dash < 0 || dash + 3 >= n) {
            continue;
        }
        const char *type = fields[dash + 1];
        if (h->v2 ? strcmp(type, "cgroup2") != 0
                  : strcmp(type, "cgroup") != 0 || !has_all(fields[dash + 3], h->controllers)) {
            continue;
        }
        char *root = fields[3];
        unescape(root);
        unescape(fields[4]);
        /* the caller's path as the mount shows it: below the mount's root */
        const char *rel = path;
        size_t root_len = strlen(root);
        if (strcmp(root, "/") != 0) {
            if (strncmp(path, root, root_len) != 0 || (path[root_len] != '/' && path[root_len] != 0)) {
                continue;
            }
            rel = path + root_len;
        }
        snprintf(h->mount_point, sizeof h->mount_point, "%s", fields[4]);
        snprintf(dir, dir_size, "%s%s", fields[4], rel);
        found = 1;
    }
    free(line);
    fclose(f);
    return found;
}

/* The hierarchies of /proc/self/cgroup that are mounted here, each with its directory opened. */
static int find_hierarchies(void) {
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) {
        say("cannot read /proc/self/cgroup: %s", strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = 0;
        char *first = strchr(line, ':');
        char *second = first ? strchr(first + 1, ':') : NULL;
        if (!second) {
            continue;
        }
        *first = *second = 0;
        if (hierarchy_count == MAX_HIERARCHIES) {
            break;
        }
        struct hierarchy *h = &hierarchies[hierarchy_count];
        memset(h, 0, sizeof *h);
        h->v2 = strcmp(line, "0") == 0 && first[1] == 0;
        snprintf(h->controllers, sizeof h->controllers, "%s", first + 1);
        char dir[PATH_MAX];
        if (!locate(h, second + 1, dir, sizeof dir)) {
            continue; /* not mounted here: nothing of it to contain */
        }
        h->parent_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h->parent_fd < 0) {
            say("cannot open the cgroup %s: %s", dir, strerror(errno));
            free(line);
            fclose(f);
            return -1;
        }
        hierarchy_count++;
    }
    free(line);
    fclose(f);
    return 0;
}

/* Removes the cgroup `name` under `parent_fd` and every cgroup below it; -1 (errno) when one is busy. */
static int remove_tree(int parent_fd, const char *name) {
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return errno == ENOENT ? 0 : -1;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int result = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0
                && remove_tree(dirfd(d), e->d_name) < 0) {
            result = -1;
        }
    }
    int saved = errno;
    closedir(d);
    if (result == 0 && unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
        return -1;
    }
    errno = saved;
    return result;
}

/* remove_tree, retried while the cgroups empty (dying tasks leave them a moment after they die). */
static int remove_tree_bounded(int parent_fd, const char *name, const char *where) {
    long deadline = now_ms() + RMDIR_BOUND_MS;
    for (;;) {
        if (remove_tree(parent_fd, name) == 0) {
            return 0;
        }
        if (now_ms() >= deadline) {
            say("cannot remove the cgroup %s/%s: %s", where, name, strerror(errno));
            return -1;
        }
        usleep(20000);
    }
}

/* Removes what jails that died without cleaning up left beside this one (their pid is gone). */
static void sweep_stale(struct hierarchy *h) {
    int fd = dup(h->parent_fd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) != 0) {
            continue;
        }
        char *end;
        long pid = strtol(e->d_name + strlen(PREFIX), &end, 10);
        if (*end == 0 && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            remove_tree(h->parent_fd, e->d_name); /* best effort: a busy one stays for the next sweep */
        }
    }
    closedir(d);
}

/* Copies a cpuset file from the parent (a new cpuset is empty, and nothing can join an empty one). */
static void inherit_cpuset(int parent_fd, const char *file) {
    char value[4096], path[256];
    int in = openat(parent_fd, file, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return;
    }
    ssize_t n = read(in, value, sizeof value);
    close(in);
    snprintf(path, sizeof path, "%s/%s", cgroup_name, file);
    int out = openat(parent_fd, path, O_WRONLY | O_CLOEXEC);
    if (out >= 0) {
        if (n > 0 && write(out, value, (size_t)n) < 0) {
            say("cannot set %s: %s", path, strerror(errno));
        }
        close(out);
    }
}

static int create_cgroups(void) {
    for (int i = 0; i < hierarchy_count; i++) {
        struct hierarchy *h = &hierarchies[i];
        sweep_stale(h);
        if (mkdirat(h->parent_fd, cgroup_name, 0755) < 0) {
            /* a left-over of a dead jail that had this pid: the pid is ours now, so it is stale */
            if (errno != EEXIST || remove_tree(h->parent_fd, cgroup_name) < 0
                    || mkdirat(h->parent_fd, cgroup_name, 0755) < 0) {
                say("cannot create the cgroup %s in %s: %s", cgroup_name, h->mount_point, strerror(errno));
                return -1;
            }
        }
        h->created = 1;
        if (!h->v2 && has_all(h->controllers, "cpuset")) {
            inherit_cpuset(h->parent_fd, "cpuset.cpus");
            inherit_cpuset(h->parent_fd, "cpuset.mems");
        }
    }
    return 0;
}

static int remove_cgroups(void) {
    int result = 0;
    for (int i = hierarchy_count - 1; i >= 0; i--) {
        struct hierarchy *h = &hierarchies[i];
        if (h->created && remove_tree_bounded(h->parent_fd, cgroup_name, h->mount_point) < 0) {
            result = -1;
        }
    }
    return result;
}

/* ---- the program's side (pid 1 of the new namespaces) */

static void fail(const char *what) {
    say("%s: %s", what, strerror(errno));
    _exit(STATUS_JAIL);
}

static void write_file_at(int dir_fd, const char *path, const char *value) {
    int fd = openat(dir_fd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) < 0) {
        fail(path);
    }
    close(fd);
}

/* Unmounts what is mounted on `path`, lazily, with every mount below it; nothing when nothing is. */
static void detach(const char *path) {
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL) {
        fail(path);
    }
}

/* Makes `path` (already a mount point) read-only, keeping its other flags. */
static void remount_read_only(const char *path) {
    struct statvfs s;
    if (statvfs(path, &s) < 0) {
        fail(path);
    }
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    flags |= (s.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (s.f_flag & ST_NODEV ? MS_NODEV : 0)
            | (s.f_flag & ST_NOEXEC ? MS_NOEXEC : 0) | (s.f_flag & ST_NOATIME ? MS_NOATIME : 0)
            | (s.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0) | (s.f_flag & ST_RELATIME ? MS_RELATIME : 0);
    if (mount(NULL, path, NULL, flags, NULL) < 0) {
        fail(path);
    }
}

static void mount_cgroups(void) {
    const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    /* cgroup v2 only: its one hierarchy is /sys/fs/cgroup itself */
    for (int i = 0; i < hierarchy_count; i++) {
        if (hierarchies[i].v2 && strcmp(hierarchies[i].mount_point, "/sys/fs/cgroup") == 0) {
            if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", flags, NULL) < 0) {
                fail("mount cgroup2 on /sys/fs/cgroup");
            }
            return;
        }
    }
    if (mount("cgroup", "/sys/fs/cgroup", "tmpfs", flags, "mode=755") < 0) {
        fail("mount tmpfs on /sys/fs/cgroup");
    }
    for (int i = 0; i < hierarchy_count; i++) {
        struct hierarchy *h = &hierarchies[i];
        /* under the name the host gives it (/sys/fs/cgroup/memory), else the controllers' */
        const char *base = strrchr(h->mount_point, '/');
        base = (strncmp(h->mount_point, "/sys/fs/cgroup/", 15) == 0 && !strchr(h->mount_point + 15, '/'))
                ? base + 1
                : (h->v2 ? "unified" : h->controllers);
        const char *name = strncmp(base, "name=", 5) == 0 ? base + 5 : base;
        char dir[PATH_MAX];
        if (snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s", name) >= (int)sizeof dir) {
            errno = ENAMETOOLONG;
            fail(name);
        }
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            fail(dir);
        }
        /* a v1 mount whose controllers (or name=) are those of an existing hierarchy is that hierarchy,
           rooted at this cgroup namespace's root */
        if (h->v2 ? mount("cgroup2", dir, "cgroup2", flags, NULL) < 0
                  : mount("cgroup", dir, "cgroup", flags, h->controllers) < 0) {
            fail(dir);
        }
        /* co-mounted controllers are reached by each one's name too, as the host does (cpu -> cpu,cpuacct) */
        if (!h->v2 && strchr(h->controllers, ',')) {
            char copy[sizeof h->controllers];
            memcpy(copy, h->controllers, sizeof copy);
            char *save = NULL;
            for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                char link[PATH_MAX];
                snprintf(link, sizeof link, "/sys/fs/cgroup/%.255s", c);
                if (strncmp(c, "name=", 5) != 0 && strcmp(c, name) != 0 && symlink(name, link) < 0
                        && errno != EEXIST) {
                    fail(link);
                }
            }
        }
    }
    remount_read_only("/sys/fs/cgroup"); /* the tmpfs itself; the hierarchies stay writable */
}

static void mount_private_run(void) {
    detach("/run");
    if (mount("run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0) {
        fail("mount tmpfs on /run");
    }
    struct stat var_run;
    if (lstat("/var/run", &var_run) == 0 && S_ISDIR(var_run.st_mode)
            && mount("run", "/var/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0) {
        fail("mount tmpfs on /var/run");
    }
}

static void install_filter(void) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, JAIL_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        /* x32 calls are the same numbers plus this bit: deny them all, or socket would pass as x32 */
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_reboot, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_kexec_load, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_kexec_file_load, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 1, 2),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
        /* the family is an int: its low 32 bits (little-endian: the first word of args[0]) */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_VSOCK, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = { .len = sizeof filter / sizeof filter[0], .filter = filter };
    /* root needs no no_new_privs for this (CAP_SYS_ADMIN), and setuid programs in containers keep working */
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) < 0) {
        fail("install the seccomp filter");
    }
}

static void run_program(char **argv, int parent_alive_fd, const sigset_t *mask) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
        fail("prctl(PR_SET_PDEATHSIG)");
    }
    /* the jail may have died before that: then no one holds the pipe's other end any more */
    struct pollfd alive = { .fd = parent_alive_fd, .events = POLLIN };
    if (poll(&alive, 1, 0) != 0) {
        _exit(STATUS_JAIL);
    }
    close(parent_alive_fd);
    for (int i = 0; i < hierarchy_count; i++) {
        char procs[128];
        snprintf(procs, sizeof procs, "%s/cgroup.procs", cgroup_name);
        write_file_at(hierarchies[i].parent_fd, procs, "0");
        close(hierarchies[i].parent_fd);
    }
    if (unshare(CLONE_NEWCGROUP) < 0) {
        fail("unshare(CLONE_NEWCGROUP)");
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        fail("make / private");
    }
    /* the host's /proc, /sys/fs/cgroup and /run go (with what is mounted below them), not just hidden */
    detach("/proc");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        fail("mount /proc");
    }
    if (mount("/proc/sys", "/proc/sys", NULL, MS_BIND | MS_REC, NULL) < 0) {
        fail("bind /proc/sys");
    }
    remount_read_only("/proc/sys");
    detach("/sys/fs/cgroup");
    remount_read_only("/sys");
    mount_cgroups();
    mount_private_run();
    install_filter();
    sigprocmask(SIG_SETMASK, mask, NULL);
    /* stdio only: a descriptor the caller leaked (a JVM's socket, a pipe's other end) must not live on in it */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        fail("close_range");
    }
    execvp(argv[0], argv);
    int error = errno;
    say("cannot run %s: %s", argv[0], strerror(error));
    _exit(error == ENOENT ? 127 : 126);
}

/* ---- the jail's side */

/* Waits for pid 1; a stop signal kills it; after that the wait is bounded. -1: still there. */
static int wait_program(pid_t child, const sigset_t *signals, int *status) {
    long kill_deadline = -1;
    for (;;) {
        pid_t r = waitpid(child, status, WNOHANG);
        if (r == child) {
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            say("waitpid: %s", strerror(errno));
            return -1;
        }
        struct timespec timeout = { .tv_sec = 0, .tv_nsec = 100000000 };
        int signal = sigtimedwait(signals, NULL, kill_deadline < 0 ? NULL : &timeout);
        if (signal > 0 && signal != SIGCHLD && kill_deadline < 0) {
            kill(child, SIGKILL);
            kill_deadline = now_ms() + KILL_BOUND_S * 1000L;
        }
        if (kill_deadline >= 0 && now_ms() > kill_deadline) {
            say("pid 1 (%d) still there %d s after SIGKILL", (int)child, KILL_BOUND_S);
            return -1;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        dprintf(STDERR_FILENO, "usage: gcs-jail <program> [args...]\n");
        return 2;
    }
    if (geteuid() != 0) {
        say("must run as root");
        return STATUS_JAIL;
    }
    snprintf(cgroup_name, sizeof cgroup_name, PREFIX "%d", (int)getpid());

    /* an ignored SIGCHLD (inherited) would make the kernel reap pid 1 before the jail can wait for it */
    signal(SIGCHLD, SIG_DFL);
    sigset_t signals, old_mask;
    sigemptyset(&signals);
    sigaddset(&signals, SIGCHLD);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGQUIT);
    sigprocmask(SIG_BLOCK, &signals, &old_mask); /* taken by sigtimedwait, none lost before the wait */

    if (find_hierarchies() < 0) {
        return STATUS_JAIL;
    }
    if (create_cgroups() < 0) {
        remove_cgroups();
        return STATUS_JAIL;
    }
    int alive[2];
    if (pipe2(alive, O_CLOEXEC) < 0) {
        say("pipe: %s", strerror(errno));
        remove_cgroups();
        return STATUS_JAIL;
    }
    /* fork into new namespaces; the jail stays in its own */
    pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
            NULL, NULL, NULL, NULL);
    if (child == 0) {
        close(alive[1]);
        run_program(argv + 1, alive[0], &old_mask);
    }
    int error = errno;
    close(alive[0]);
    if (child < 0) {
        say("clone: %s", strerror(error));
        remove_cgroups();
        return STATUS_JAIL;
    }
    /* a reader of stderr that went away must not end the jail before it cleaned up */
    signal(SIGPIPE, SIG_IGN);
    /* the program alone holds the bridge: its end of file is the reader's */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    int status = 0;
    int waited = wait_program(child, &signals, &status);
    int removed = waited == 0 ? remove_cgroups() : -1;
    if (waited < 0 || removed < 0) {
        return STATUS_JAIL;
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
