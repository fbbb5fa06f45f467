/* loginflow.h - the pure pieces of --oauth2-login: percent-encoding for
 * URLs and forms (RFC 3986 2.1, 2.3), PKCE's verifier and S256 challenge
 * (RFC 7636 4.1, 4.2), the loopback redirect's request line (RFC 6749
 * 4.1.2, 4.1.2.1; RFC 8252 7.3) and the device flow's polling rules
 * (RFC 8628 3.4, 3.5).  No I/O: oauthlogin.c does the talking.
 * SECURITY: the authorization code and the code verifier pass through
 * here, always in secret buffers (wiped when dropped).
 */
#ifndef POSTERN_LOGINFLOW_H
#define POSTERN_LOGINFLOW_H

#include "buf.h"

/* pn_url_encode - s appended percent-encoded: every octet but the
 * unreserved ALPHA DIGIT - . _ ~ becomes %XX (upper case); false when
 * out's cap is reached */
bool pn_url_encode(struct pn_buf *out, const char *s) PN_WUR;
/* pn_query_add - "name=value" appended, both encoded, after a '&' unless
 * out is empty: a URL's query (a space is %20) */
bool pn_query_add(struct pn_buf *out, const char *name, const char *value) PN_WUR;
/* pn_form_add - the same for a POST body of type
 * application/x-www-form-urlencoded (a space is "+"); the body may carry
 * secrets: out is then a secret buffer */
bool pn_form_add(struct pn_buf *out, const char *name, const char *value) PN_WUR;

/* PKCE: 32 random octets make a 43-character verifier */
#define PN_PKCE_RANDOM 32
#define PN_PKCE_LEN 43

/* pn_base64url - n octets in the URL-safe alphabet without padding
 * (RFC 4648 5) appended to out */
bool pn_base64url(struct pn_buf *out, const unsigned char *p, size_t n) PN_WUR;
/* pn_pkce_verifier - the verifier of PN_PKCE_RANDOM random octets into
 * out (a secret buffer) */
bool pn_pkce_verifier(struct pn_buf *out, const unsigned char rnd[PN_PKCE_RANDOM]) PN_WUR;
/* pn_pkce_challenge - BASE64URL(SHA-256(verifier)) appended to out */
bool pn_pkce_challenge(struct pn_buf *out, const char *verifier) PN_WUR;

/* what one request to the loopback listener is */
enum pn_redirect_kind {
	PN_REDIRECT_OTHER, /* not the redirect (another path, a favicon): 404, keep waiting */
	PN_REDIRECT_BAD,   /* "/" but not a well-formed answer: 400, keep waiting */
	PN_REDIRECT_CODE,  /* code and state */
	PN_REDIRECT_ERROR  /* error (and maybe error_description and state) */
};

#define PN_REDIRECT_MAX 8192 /* the longest request line read */

/* the parameters of the redirect, decoded (each NUL-free) */
struct pn_redirect {
	struct pn_buf code; /* secret */
	struct pn_buf state, error, description;
};

void pn_redirect_init(struct pn_redirect *r);
void pn_redirect_free(struct pn_redirect *r);
/* pn_redirect_parse - one HTTP request line ("GET /?code=..&state=..
 * HTTP/1.1", without CRLF) of n octets into r (emptied first).  Only GET
 * of the path "/" is the redirect; a parameter named twice, a bad %
 * escape, a NUL or a value past its cap make it BAD. */
enum pn_redirect_kind pn_redirect_parse(struct pn_redirect *r, const char *line, size_t n);

/* the device flow (RFC 8628 3.5): what the last poll's reply said */
struct pn_device {
	long long interval_ms; /* between two polls; slow_down adds 5 s */
	long long expires_at;  /* pn_now_ms() time the device code dies */
};

enum pn_device_action { PN_DEVICE_WAIT, PN_DEVICE_DONE, PN_DEVICE_FAIL };

#define PN_DEVICE_INTERVAL 5    /* s, when the server gives none */
#define PN_DEVICE_EXPIRES 900   /* s, when the server gives no expires_in */
#define PN_DEVICE_MAX_WAIT 3600 /* s: no code lives longer for postern */

/* pn_device_start - from the device endpoint's interval and expires_in
 * (< 0: not given) at time now */
void pn_device_start(struct pn_device *d, long long interval, long long expires_in, long long now);
/* pn_device_step - after a poll whose reply had the error code error
 * (NULL: a token came): DONE, WAIT *wait_ms before the next poll, or FAIL
 * with *code (sysexits) and *why (static English text, marked N_()); *why
 * is NULL for an error that is not the device flow's own (RFC 8628 3.5):
 * the caller explains it as any token endpoint's error (pn_oauth_fail) */
enum pn_device_action pn_device_step(struct pn_device *d, const char *error, long long now,
                                     long long *wait_ms, int *code, const char **why);

#endif
