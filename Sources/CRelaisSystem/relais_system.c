#define _GNU_SOURCE
#include <errno.h>
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

static _Thread_local int reads_inline = 0;

void relais_set_thread_reads_inline(int on) { reads_inline = on; }

int relais_thread_reads_inline(void) { return reads_inline; }
