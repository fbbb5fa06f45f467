/* tlscache.h - tls_session_cache FILE: one TLS session kept between runs
 * so that the next handshake to the same host and port can resume it.
 *
 * The file holds a resumption secret: it is read only when it is a regular
 * file of the caller's own with no access for others (0600), never through
 * a symbolic link, and written atomically with mode 0600.  Any trouble with
 * it only means a full handshake; it never fails a send.
 */
#ifndef POSTERN_TLSCACHE_H
#define POSTERN_TLSCACHE_H

#include "common.h"

#include <stddef.h>

/* pn_tlscache_load - the session kept for host:port; false when there is
 * none usable.  Free *data with pn_tlscache_free. */
bool pn_tlscache_load(const char *path, const char *host, int port, unsigned char **data, size_t *len);

/* pn_tlscache_save - replace the file with this session for host:port */
void pn_tlscache_save(const char *path, const char *host, int port, const unsigned char *data, size_t len);

/* pn_tlscache_free - wipe and free what pn_tlscache_load returned */
void pn_tlscache_free(unsigned char *data, size_t len);

#endif
