/* loginflow.c - percent-encoding, PKCE, the redirect's request line and
 * the device flow's polling rules (see loginflow.h).
 * SECURITY: the code and the verifier live in secret buffers only.
 */
#include "loginflow.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>
#include <sysexits.h>

/* unreserved - RFC 3986 2.3 */
static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

/* encode - s appended percent-encoded, a space as space ("%20" or "+");
 * the escape's copy of a byte is wiped, as s may be a secret */
static bool encode(struct pn_buf *out, const char *s, const char *space)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
		bool ok = unreserved(*p) ? pn_buf_append(out, p, 1)
		          : *p == ' '    ? pn_buf_addstr(out, space)
		                         : pn_buf_append(out, esc, 3);
		pn_wipe(esc, sizeof(esc));
		if (!ok)
			return false;
	}
	return true;
}

/* pn_url_encode - see loginflow.h */
bool pn_url_encode(struct pn_buf *out, const char *s)
{
	return encode(out, s, "%20");
}

/* pair - "name=value" after a '&' unless out is empty */
static bool pair(struct pn_buf *out, const char *name, const char *value, const char *space)
{
	return (!out->len || pn_buf_append(out, "&", 1)) && encode(out, name, space) &&
	       pn_buf_append(out, "=", 1) && encode(out, value, space);
}

/* pn_query_add - see loginflow.h */
bool pn_query_add(struct pn_buf *out, const char *name, const char *value)
{
	return pair(out, name, value, "%20");
}

/* pn_form_add - see loginflow.h */
bool pn_form_add(struct pn_buf *out, const char *name, const char *value)
{
	return pair(out, name, value, "+");
}

/* pn_base64url - see loginflow.h */
bool pn_base64url(struct pn_buf *out, const unsigned char *p, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		size_t left = n - i;
		if (left > 1)
			v |= (unsigned long)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		char q[4] = {abc[(v >> 18) & 63], abc[(v >> 12) & 63], abc[(v >> 6) & 63], abc[v & 63]};
		if (!pn_buf_append(out, q, left > 2 ? 4 : left + 1))
			return false;
	}
	return true;
}

/* pn_pkce_verifier - see loginflow.h */
bool pn_pkce_verifier(struct pn_buf *out, const unsigned char rnd[PN_PKCE_RANDOM])
{
	return pn_base64url(out, rnd, PN_PKCE_RANDOM);
}

/* pn_pkce_challenge - see loginflow.h */
bool pn_pkce_challenge(struct pn_buf *out, const char *verifier)
{
	unsigned char digest[32];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, verifier, strlen(verifier), digest) < 0)
		return false;
	return pn_base64url(out, digest, sizeof(digest));
}

/* pn_redirect_init - empty buffers with their caps */
void pn_redirect_init(struct pn_redirect *r)
{
	pn_buf_init_secret(&r->code, PN_REDIRECT_MAX);
	pn_buf_init(&r->state, 512);
	pn_buf_init(&r->error, 128);
	pn_buf_init(&r->description, 1024);
}

/* pn_redirect_free - the code wiped */
void pn_redirect_free(struct pn_redirect *r)
{
	pn_buf_free(&r->code);
	pn_buf_free(&r->state);
	pn_buf_free(&r->error);
	pn_buf_free(&r->description);
}

/* decode - a form value (%XX, '+' a space) into out; false on a bad
 * escape, a NUL, or out's cap */
static bool decode(struct pn_buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (n - i < 3)
				return false;
			int hi = pn_hexval(p[i + 1]);
			int lo = pn_hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || !pn_buf_append(out, &c, 1))
			return false;
	}
	return true;
}

/* param - one "name=value" of the query into its buffer; unknown names are
 * skipped (a provider may add its own, e.g. Google's scope) */
static bool param(struct pn_redirect *r, const char *p, size_t n, unsigned *seen)
{
	static const char *const names[] = {"code", "state", "error", "error_description"};
	struct pn_buf *bufs[] = {&r->code, &r->state, &r->error, &r->description};
	const char *eq = memchr(p, '=', n);
	size_t nl = eq ? (size_t)(eq - p) : n;
	for (size_t i = 0; i < PN_ARRAY_LEN(names); i++) {
		if (strlen(names[i]) != nl || memcmp(p, names[i], nl) != 0)
			continue;
		if (*seen & 1u << i)
			return false;
		*seen |= 1u << i;
		return eq && decode(bufs[i], eq + 1, n - nl - 1);
	}
	return true;
}

/* query - the parameters after "/?" up to the end; the bits of the names
 * seen in *seen */
static bool query(struct pn_redirect *r, const char *p, size_t n, unsigned *seen)
{
	while (n) {
		const char *amp = memchr(p, '&', n);
		size_t len = amp ? (size_t)(amp - p) : n;
		if (len && !param(r, p, len, seen))
			return false;
		p += len;
		n -= len;
		if (n) {
			p++;
			n--;
		}
	}
	return true;
}

/* pn_redirect_parse - see loginflow.h */
enum pn_redirect_kind pn_redirect_parse(struct pn_redirect *r, const char *line, size_t n)
{
	pn_buf_reset(&r->code);
	pn_buf_reset(&r->state);
	pn_buf_reset(&r->error);
	pn_buf_reset(&r->description);
	if (n < 4 || memcmp(line, "GET ", 4) != 0)
		return PN_REDIRECT_OTHER;
	const char *target = line + 4, *sp = memchr(target, ' ', n - 4);
	size_t tn = sp ? (size_t)(sp - target) : n - 4;
	if (!sp || n - 4 - tn < 6 || memcmp(sp, " HTTP/", 6) != 0)
		return PN_REDIRECT_BAD;
	if (tn == 0 || target[0] != '/' || (tn > 1 && target[1] != '?'))
		return PN_REDIRECT_OTHER;
	unsigned seen = 0;
	if (tn < 2 || !query(r, target + 2, tn - 2, &seen))
		return PN_REDIRECT_BAD;
	if (seen & 4u)
		return r->error.len ? PN_REDIRECT_ERROR : PN_REDIRECT_BAD;
	return r->code.len && (seen & 2u) ? PN_REDIRECT_CODE : PN_REDIRECT_BAD;
}

/* pn_device_start - see loginflow.h */
void pn_device_start(struct pn_device *d, long long interval, long long expires_in, long long now)
{
	if (interval < 0)
		interval = PN_DEVICE_INTERVAL;
	if (expires_in <= 0)
		expires_in = PN_DEVICE_EXPIRES;
	if (expires_in > PN_DEVICE_MAX_WAIT)
		expires_in = PN_DEVICE_MAX_WAIT;
	if (interval > PN_DEVICE_MAX_WAIT)
		interval = PN_DEVICE_MAX_WAIT;
	d->interval_ms = interval * 1000;
	d->expires_at = now + expires_in * 1000;
}

/* failure - a poll's error that ends the flow: the exit code, and the
 * device flow's own words for its own errors (RFC 8628 3.5); NULL for the
 * token endpoint's other errors, which oauth.c explains (AADSTS codes,
 * invalid_client, consent) as it does for every grant */
static int failure(const char *error, const char **why)
{
	*why = NULL;
	if (strcmp(error, "expired_token") == 0)
		*why = N_("the code expired before it was entered: run --oauth2-login again");
	else if (strcmp(error, "access_denied") == 0)
		*why = N_("the sign-in was refused (access_denied)");
	else
		return EX_NOPERM;
	return strcmp(error, "access_denied") == 0 ? EX_NOPERM : EX_TEMPFAIL;
}

/* pn_device_step - see loginflow.h */
enum pn_device_action pn_device_step(struct pn_device *d, const char *error, long long now,
                                     long long *wait_ms, int *code, const char **why)
{
	*wait_ms = 0;
	if (!error)
		return PN_DEVICE_DONE;
	if (strcmp(error, "slow_down") == 0 && d->interval_ms < PN_DEVICE_MAX_WAIT * 1000LL)
		d->interval_ms += 5000;
	else if (strcmp(error, "slow_down") != 0 && strcmp(error, "authorization_pending") != 0) {
		*code = failure(error, why);
		return PN_DEVICE_FAIL;
	}
	if (now + d->interval_ms >= d->expires_at) {
		*code = EX_TEMPFAIL;
		*why = N_("the code expired before it was entered: run --oauth2-login again");
		return PN_DEVICE_FAIL;
	}
	*wait_ms = d->interval_ms;
	return PN_DEVICE_WAIT;
}
