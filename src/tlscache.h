/* tlscache.h - tls_session_cache FILE: one TLS session kept between runs
 * so that the next handshake to the same host and port can resume it.
 *
 * A resumed handshake checks no certificate: the session stands for the
 * verification made when it was first established.  So each session is
 * bound to the trust it was verified under (certcheck, the trust store's
 * identity, host, port) and offered again only under exactly the same.
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

/* what a session was verified under; all of it must match to resume */
struct pn_tlscache_key {
	const char *host;  /* the name the certificate was checked against */
	int port;
	bool certcheck;    /* false: the session was never verified */
	const char *trust; /* the store's identity ("sha256:HEX", ...); NULL without certcheck */
};

/* pn_tlscache_load - the session kept under key k; false when there is
 * none usable.  Free *data with pn_tlscache_free. */
bool pn_tlscache_load(const char *path, const struct pn_tlscache_key *k, unsigned char **data, size_t *len);

/* pn_tlscache_save - replace the file with this session, bound to key k */
void pn_tlscache_save(const char *path, const struct pn_tlscache_key *k, const unsigned char *data, size_t len);

/* pn_tlscache_free - wipe and free what pn_tlscache_load returned */
void pn_tlscache_free(unsigned char *data, size_t len);

#endif
