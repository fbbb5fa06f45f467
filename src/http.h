/* http.h - HTTPS POST of a form to an OAuth 2.0 endpoint through libcurl,
 * loaded with dlopen() only when a request is made.
 *
 * A send that needs no token (no OAuth, or a cached token) never loads
 * libcurl or its dependencies.  Only https:// is spoken, redirects are not
 * followed, the server is verified against oauth2_trust_file or the system
 * store, the whole request is bounded by a timeout and the reply body by
 * PN_HTTP_MAX_REPLY.  A set-group-ID postern ignores the environment's
 * proxy settings (the caller's environment is not trusted there).
 * SECURITY: request bodies carry client secrets and refresh tokens, replies
 * access and refresh tokens: the reply is a secret buffer, and the caller
 * hands the request in one (loginflow.h's pn_form_add); CURLOPT_POSTFIELDS
 * is not copied by libcurl.  XXX: libcurl's own send and receive buffers
 * (and GnuTLS's records under them) hold the request and the reply in
 * clear until libcurl frees them, unwiped; its API offers no way to wipe
 * them.  Nothing is written to -v.
 */
#ifndef POSTERN_HTTP_H
#define POSTERN_HTTP_H

#include "buf.h"
#include "error.h"

#define PN_HTTP_MAX_REPLY 65536
#define PN_HTTP_DEFAULT_TIMEOUT 60 /* seconds, when the account's timeout is off */

struct pn_http_params {
	const char *url;        /* https:// only */
	const char *trust_file; /* PEM CA file; NULL: the system store */
	int timeout;            /* seconds for the whole request; 0: PN_HTTP_DEFAULT_TIMEOUT */
};

struct pn_http_reply {
	long status;       /* the HTTP status */
	struct pn_buf body; /* a secret buffer, at most PN_HTTP_MAX_REPLY */
	char ctype[128];   /* Content-Type, "" when there was none */
};

/* pn_http_post_form - POST body[0..n) as application/x-www-form-urlencoded
 * to p->url, with "Accept: application/json"; the reply, whatever its
 * status, in *r (free it with pn_http_reply_free, also after a failure).
 * False with err set when no reply came: libcurl cannot be loaded (69), a
 * URL that is not https:// (78), the trust file unusable (78), the server's
 * certificate refused (69), a reply past the cap (76), the name not found,
 * the connection refused or lost, the timeout (75). */
bool pn_http_post_form(const struct pn_http_params *p, const char *body, size_t n, struct pn_http_reply *r,
		       struct pn_error *err) PN_WUR;

void pn_http_reply_free(struct pn_http_reply *r);

/* pn_http_loaded - libcurl was loaded by this process (for tests) */
bool pn_http_loaded(void);

#endif
