#ifndef RELAIS_SYSTEM_H
#define RELAIS_SYSTEM_H

/// syncfs(2): flushes the file system holding `fd`. Glibc declares it only under
/// _GNU_SOURCE, which Swift's Glibc module does not set.
int relais_syncfs(int fd);

/// Lowers the calling thread's nice value by up to `steps` (a higher scheduling priority),
/// as far as RLIMIT_NICE or privileges allow: tries `steps`, then one fewer, down to 1.
/// Writes the thread's nice value before and after into `before` and `after`.
/// Returns the steps taken, 0 when none was allowed.
int relais_raise_thread_priority(int steps, int *before, int *after);

/// Marks the calling thread as one whose short database reads run on the thread itself
/// (1), or not (0): the control socket's own thread, which may block for a read and must
/// not wait for another thread to be scheduled. Threads start unmarked.
void relais_set_thread_reads_inline(int on);
/// Whether the calling thread is marked by `relais_set_thread_reads_inline`.
int relais_thread_reads_inline(void);

#endif
