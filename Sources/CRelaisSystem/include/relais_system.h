#ifndef RELAIS_SYSTEM_H
#define RELAIS_SYSTEM_H

/// syncfs(2): flushes the file system holding `fd`. Glibc declares it only under
/// _GNU_SOURCE, which Swift's Glibc module does not set.
int relais_syncfs(int fd);

#endif
