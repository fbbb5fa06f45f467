/* journal.h - the systemd journal's native protocol, spoken without
 * libsystemd: one datagram to the journal's socket holding the entry's
 * fields, each "NAME=value\n", or, for a value that holds a line feed,
 * "NAME\n", its length as 64-bit little-endian, the value and "\n"
 * (systemd's "Native Journal Protocol").  Used for the log lines of
 * log_format json (log.c); without the socket the caller falls back to
 * syslog(3).
 * SECURITY: no secret is ever passed in.
 */
#ifndef POSTERN_JOURNAL_H
#define POSTERN_JOURNAL_H

#include "buf.h"

/* the journal's socket: fixed, never taken from the environment (a
 * set-group-ID postern must not be pointed elsewhere); the tests put a
 * socket of their own there in a private mount namespace */
#define PN_JOURNAL_SOCKET "/run/systemd/journal/socket"

/* pn_journal_field - append NAME and value[0..n) to the datagram b, in the
 * binary-safe form when the value holds a line feed; name must be a valid
 * journal field name (upper-case letters, digits, '_').  False when b's
 * cap was reached. */
bool pn_journal_field(struct pn_buf *b, const char *name, const void *value, size_t n) PN_WUR;

/* pn_journal_send - the datagram data[0..n) to the socket at path, or,
 * when it is larger than a datagram may be, a sealed memfd holding it (as
 * journald takes large entries); false when it could not be sent (no
 * journal there, any error), for the caller to fall back to syslog(3) */
bool pn_journal_send(const char *path, const void *data, size_t n);

#endif
