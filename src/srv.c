/* srv.c - DNS SRV lookups (see srv.h).  res_query() and dn_expand() are
 * in glibc's libc itself (2.34 and later): no library is added. */
#include "srv.h"

#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

#define T_SRV_TYPE 33
#define C_IN_CLASS 1

/* u16 - a 16-bit field in network order */
static unsigned u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* skip_name - past a (possibly compressed) name at p; NULL if it runs out */
static const unsigned char *skip_name(const unsigned char *end, const unsigned char *p)
{
	int n = dn_skipname(p, end);
	return n < 0 ? NULL : p + n;
}

/* better - record (prio, weight) beats the best so far */
static bool better(unsigned prio, unsigned weight, long best_prio, unsigned best_weight)
{
	return best_prio < 0 || prio < (unsigned long)best_prio || (prio == best_prio && weight > best_weight);
}

/* pn_srv_parse - see srv.h */
int pn_srv_parse(const unsigned char *msg, size_t len, char *host, size_t size, int *port)
{
	host[0] = '\0';
	*port = 0;
	if (len < 12 || len > 65535)
		return -1;
	const unsigned char *end = msg + len, *p = msg + 12;
	unsigned qd = u16(msg + 4), an = u16(msg + 6);
	for (unsigned i = 0; i < qd; i++) {
		if (!(p = skip_name(end, p)) || end - p < 4)
			return -1;
		p += 4; /* type and class */
	}
	long best = -1;
	unsigned best_weight = 0;
	for (unsigned i = 0; i < an; i++) {
		if (!(p = skip_name(end, p)) || end - p < 10)
			return -1;
		unsigned type = u16(p), class = u16(p + 2), rdlen = u16(p + 8);
		p += 10;
		if ((size_t)(end - p) < rdlen)
			return -1;
		if (type == T_SRV_TYPE && class == C_IN_CLASS && rdlen >= 7 && better(u16(p), u16(p + 2), best, best_weight)) {
			char name[NS_MAXDNAME];
			if (dn_expand(msg, p + rdlen, p + 6, name, sizeof(name)) < 0 || strlen(name) >= size)
				return -1;
			best = u16(p);
			best_weight = u16(p + 2);
			*port = (int)u16(p + 4);
			memcpy(host, name, strlen(name) + 1);
		}
		p += rdlen;
	}
	if (best < 0 || !host[0] || strcmp(host, ".") == 0 || *port == 0)
		return 1; /* no record, or "." (RFC 2782: decidedly not available) */
	return 0;
}

/* pn_srv_lookup - see srv.h */
int pn_srv_lookup(const char *name, char *host, size_t size, int *port)
{
	unsigned char answer[8192];
	int n = res_query(name, C_IN_CLASS, T_SRV_TYPE, answer, sizeof(answer));
	if (n < 0)
		return h_errno == HOST_NOT_FOUND || h_errno == NO_DATA ? 1 : -1;
	return pn_srv_parse(answer, (size_t)(n > (int)sizeof(answer) ? (int)sizeof(answer) : n), host, size, port);
}
