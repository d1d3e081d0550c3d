// libsystemd (Debian libsystemd-dev): sd_journal_sendv and the sd-journal reader, sd_notify.
// The variadic sd_journal_send() does not import into Swift; the iovec form does.
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
