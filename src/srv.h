/* srv.h - DNS SRV records (RFC 2782) for --configure: where a mail domain
 * says its submission service is (RFC 6186, RFC 8314).
 *
 * The answer is parsed here, bounded by its length: it comes from the
 * network (fuzz target tests/fuzz/fuzz_srv.c).
 */
#ifndef POSTERN_SRV_H
#define POSTERN_SRV_H

#include "error.h"

/* pn_srv_parse - the SRV record of a DNS answer (len bytes) with the
 * lowest priority, the highest weight among those: its target (host, size
 * bytes) and port.  0: found; 1: the answer holds none, or its target is
 * "." (no such service); -1: the answer is malformed */
int pn_srv_parse(const unsigned char *msg, size_t len, char *host, size_t size, int *port);

/* pn_srv_lookup - ask the resolver for the SRV record of name; 0, 1 or -1
 * as pn_srv_parse (-1 also when the query fails) */
int pn_srv_lookup(const char *name, char *host, size_t size, int *port);

#endif
