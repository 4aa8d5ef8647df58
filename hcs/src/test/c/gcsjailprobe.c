/*
 * gcs-jail-probe: what a program run by gcs-jail sees, for GuestAgentContainmentTest. Prints one
 * "key=value" line each, then acts on its arguments:
 *   pid=          its pid (1 when it is pid 1 of its own pid namespace)
 *   proc=         the pids /proc shows, comma-separated
 *   run=          what /run holds (before the probe writes its marker there)
 *   cgroup=       /proc/self/cgroup, lines joined by ';'
 *   memory.procs= /sys/fs/cgroup/memory/cgroup.procs, joined by ','
 *   vsock=        socket(AF_VSOCK, SOCK_STREAM, 0): "ok" or the errno's name
 *   inet=         socket(AF_INET, SOCK_STREAM, 0), the same (the filter leaves other families alone)
 *   reboot=       reboot(2) with an invalid magic number, the errno's name: EINVAL unfiltered (it
 *                 cannot reboot anything), EPERM when the filter denies it
 *   proc.sys=     opening /proc/sys/kernel/hostname for writing: "ok" or the errno's name
 *   fds=          its open file descriptors (of /proc/self/fd, less the one reading it)
 * Arguments: "marker <name>" writes /run/<name>; "hold" starts a child and an orphaned grandchild
 * that sleep, prints "held=<n>" and sleeps until killed; "exit <n>" exits n (default 0).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static void list(const char *key, const char *path, int digits_only) {
    printf("%s=", key);
    DIR *d = opendir(path);
    const char *sep = "";
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0
                || (digits_only && strspn(e->d_name, "0123456789") != strlen(e->d_name))) {
            continue;
        }
        printf("%s%s", sep, e->d_name);
        sep = ",";
    }
    if (d) {
        closedir(d);
    }
    printf("\n");
}

static void file(const char *key, const char *path, char join) {
    printf("%s=", key);
    FILE *f = fopen(path, "re");
    int c, last = 0;
    while (f && (c = fgetc(f)) != EOF) {
        if (last == '\n') {
            putchar(join);
        }
        if (c != '\n') {
            putchar(c);
        }
        last = c;
    }
    if (f) {
        fclose(f);
    }
    printf("\n");
}

static const char *outcome(long result) {
    return result >= 0 ? "ok" : strerrorname_np(errno);
}

static void sleep_forever(void) {
    for (;;) {
        pause();
    }
}

/* The descriptors open before this call: /proc/self/fd less the directory's own. */
static void descriptors(void) {
    printf("fds=");
    DIR *d = opendir("/proc/self/fd");
    const char *sep = "";
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) {
            printf("%s%s", sep, e->d_name);
            sep = ",";
        }
    }
    if (d) {
        closedir(d);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    descriptors();
    printf("pid=%d\n", (int)getpid());
    list("proc", "/proc", 1);
    list("run", "/run", 0);
    file("cgroup", "/proc/self/cgroup", ';');
    file("memory.procs", "/sys/fs/cgroup/memory/cgroup.procs", ',');
    int s = socket(AF_VSOCK, SOCK_STREAM, 0);
    printf("vsock=%s\n", outcome(s));
    if (s >= 0) {
        close(s);
    }
    s = socket(AF_INET, SOCK_STREAM, 0);
    printf("inet=%s\n", outcome(s));
    if (s >= 0) {
        close(s);
    }
    printf("reboot=%s\n", outcome(syscall(SYS_reboot, 0, 0, 0, NULL)));
    int fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
    printf("proc.sys=%s\n", outcome(fd));
    if (fd >= 0) {
        close(fd);
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "marker") == 0 && i + 1 < argc) {
            char path[4096];
            snprintf(path, sizeof path, "/run/%.200s", argv[++i]);
            int m = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            printf("marker=%s\n", outcome(m));
            if (m >= 0) {
                close(m);
            }
        } else if (strcmp(argv[i], "exit") == 0 && i + 1 < argc) {
            status = atoi(argv[++i]);
        } else if (strcmp(argv[i], "hold") == 0) {
            fflush(stdout);
            if (fork() == 0) {
                if (fork() == 0) {
                    sleep_forever(); /* the grandchild, orphaned when its parent exits below */
                }
                _exit(0);
            }
            if (fork() == 0) {
                sleep_forever();
            }
            printf("held=2\n");
            fflush(stdout);
            sleep_forever();
        }
    }
    fflush(stdout);
    return status;
}
