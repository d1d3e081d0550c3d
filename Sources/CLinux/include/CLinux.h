#ifndef CLINUX_H
#define CLINUX_H
// Linux calls Swift's Glibc module does not expose (it is built without _GNU_SOURCE).

/// Atomically swaps two paths (renameat2 with RENAME_EXCHANGE): both must exist. 0 or -1 with errno.
int clinux_exchange_paths(const char *a, const char *b);

#endif
