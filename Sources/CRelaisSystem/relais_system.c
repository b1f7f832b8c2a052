#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "relais_system.h"

int relais_syncfs(int fd) {
#ifdef __linux__
    return syncfs(fd);
#else
    sync();
    return 0;
#endif
}

int relais_raise_thread_priority(int steps, int *before, int *after) {
#ifdef __linux__
    // On Linux, PRIO_PROCESS with a thread id names that thread alone.
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, tid);
    *before = current;
    *after = current;
    if (current == -1 && errno != 0) return 0;
    for (int taken = steps; taken > 0; taken--) {
        int target = current - taken;
        if (target < -20) continue;
        if (setpriority(PRIO_PROCESS, tid, target) == 0) {
            *after = target;
            return taken;
        }
    }
#else
    *before = 0;
    *after = 0;
#endif
    return 0;
}

#ifdef __linux__
/// sched_setattr(2)'s argument, its first version (48 bytes): glibc declares neither.
struct relais_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};
#endif

long long relais_shorten_thread_slice(unsigned long long slice_ns) {
#if defined(__linux__) && defined(SYS_sched_setattr) && defined(SYS_sched_getattr)
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, tid);
    if (nice == -1 && errno != 0) return -1;
    struct relais_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.sched_policy = SCHED_OTHER;
    // sched_setattr sets the nice value too: the thread keeps the one it has.
    attr.sched_nice = nice;
    attr.sched_runtime = slice_ns;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return -1;
    memset(&attr, 0, sizeof attr);
    if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return -1;
    return (long long)attr.sched_runtime;
#else
    (void)slice_ns;
    errno = ENOSYS;
    return -1;
#endif
}

static _Thread_local int reads_inline = 0;

void relais_set_thread_reads_inline(int on) { reads_inline = on; }

int relais_thread_reads_inline(void) { return reads_inline; }

int relais_open_unnamed(const char *directory) {
#if defined(__linux__) && defined(O_TMPFILE)
    return open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
#else
    (void)directory;
    errno = EOPNOTSUPP;
    return -1;
#endif
}

int relais_link_unnamed(int fd, const char *path) {
#ifdef __linux__
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
#else
    (void)fd;
    (void)path;
    errno = EOPNOTSUPP;
    return -1;
#endif
}
