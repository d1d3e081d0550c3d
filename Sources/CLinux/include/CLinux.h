#ifndef CLINUX_H
#define CLINUX_H
// Linux calls Swift's Glibc module does not expose (it is built without _GNU_SOURCE).

/// Atomically swaps two paths (renameat2 with RENAME_EXCHANGE): both must exist. 0 or -1 with errno.
int clinux_exchange_paths(const char *a, const char *b);

/// Opens `path` read-only if it is a regular file, without ever blocking on or opening anything else
/// (a FIFO without a writer, a device, a socket): the descriptor (close-on-exec, blocking reads), -1 with
/// errno, or -2 with `*kind` naming what the path is instead ("a FIFO", "a device", "a folder", …).
int clinux_open_regular(const char *path, const char **kind);

/// Makes glibc serve every allocation of `bytes` or more with its own mmap, returned to the system
/// when freed. glibc otherwise raises that threshold after each large block is freed, so a daemon
/// that rebuilds its engine on reload keeps the old one's memory as heap it never gives back.
void clinux_fix_mmap_threshold(int bytes);

/// Returns the heap's free pages to the system (malloc_trim): after a reload has freed the previous
/// engine, whose smaller blocks would otherwise stay resident between newer ones.
void clinux_release_free_memory(void);

#endif
