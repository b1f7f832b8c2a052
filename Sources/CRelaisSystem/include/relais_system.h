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

/// Asks the scheduler for a time slice of `slice_ns` for the calling thread (Linux 6.12 and
/// later: EEVDF's custom slice, `sched_runtime` of a SCHED_OTHER thread, clamped to
/// 0.1-100 ms), keeping its nice value. A shorter slice gives the thread an earlier
/// deadline, so that it preempts a busy thread of its CPU as soon as it wakes, rather
/// than after that thread's slice. Returns the slice the kernel reports afterwards
/// (0 when it kept none: an older kernel), or -1 with errno when refused.
long long relais_shorten_thread_slice(unsigned long long slice_ns);

/// Marks the calling thread as one whose short database reads run on the thread itself
/// (1), or not (0): the control socket's own thread, which may block for a read and must
/// not wait for another thread to be scheduled. Threads start unmarked.
void relais_set_thread_reads_inline(int on);
/// Whether the calling thread is marked by `relais_set_thread_reads_inline`.
int relais_thread_reads_inline(void);

/// Opens an unnamed regular file in `directory` for writing (Linux's O_TMPFILE), mode 0644:
/// the file has no name until `relais_link_unnamed` gives it one, and disappears if the
/// process dies first. Returns the descriptor, or -1 with errno (EOPNOTSUPP, EISDIR or
/// EINVAL where the file system or the kernel has no unnamed files).
int relais_open_unnamed(const char *directory);

/// Gives the unnamed file `fd` (from `relais_open_unnamed`) the name `path`, in the same
/// file system, through /proc/self/fd (linkat with AT_SYMLINK_FOLLOW: no privilege needed).
/// Fails with EEXIST when `path` exists: it never replaces a file. Returns 0, or -1 with errno.
int relais_link_unnamed(int fd, const char *path);

#endif
