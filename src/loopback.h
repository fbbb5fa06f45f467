/* loopback.h - the listener on 127.0.0.1 that receives the browser's
 * redirect of --oauth2-login's authorization code flow (RFC 8252 7.3).
 *
 * A port the kernel chooses; connections from the browser are read side by
 * side (a browser opens spare ones that never send), each request bounded
 * in size and time, answered with the status and the short page the
 * caller's function chooses, and closed.  The wait as a whole ends at a
 * deadline.  Plain HTTP/1.x on loopback, nothing else.
 * SECURITY: the request line carries the authorization code: it is read
 * into a secret buffer and wiped.
 */
#ifndef POSTERN_LOOPBACK_H
#define POSTERN_LOOPBACK_H

#include "error.h"
#include "net.h"

/* pn_loopback_open - a listening socket on 127.0.0.1 with a port of the
 * kernel's choice, in *port; -1 with err set (71) when none can be made */
int pn_loopback_open(int *port, struct pn_error *err);

/* what to answer a request: its status (200, 400, 404) and a page of
 * plain text; done: the wait is over once the answer is sent */
struct pn_loopback_answer {
	int status;
	const char *page;
	bool done;
};

/* called with each request line (without CRLF, n octets) */
typedef void (*pn_loopback_fn)(void *ctx, const char *line, size_t n, struct pn_loopback_answer *a);

/* pn_loopback_serve - answer requests on the listening fd until fn says
 * done (true) or the deadline (false, 75, "no answer came within N s");
 * a held signal ends it too (75) */
bool pn_loopback_serve(int fd, struct pn_deadline until, pn_loopback_fn fn, void *ctx,
                       struct pn_error *err) PN_WUR;

#endif
