/* sasl.c - choosing a mechanism; PLAIN, LOGIN, CRAM-MD5, XOAUTH2,
 * OAUTHBEARER and EXTERNAL; SCRAM's base64 around scram.c (see sasl.h).
 *
 * "auth on" takes the strongest mechanism both sides have: SCRAM first
 * (the password never crosses the wire, and the server proves it knows
 * it), the channel-bound forms before the others (a TLS man in the middle
 * is caught even with a certificate the client trusts), then CRAM-MD5
 * (no password on the wire), PLAIN (one round trip), LOGIN (three).  An
 * OAuth token is no password: an account with a token source takes the
 * OAuth mechanisms only, and a client certificate without a user takes
 * EXTERNAL only.
 * SECURITY: every buffer that held the password or token is wiped.
 */
#include "sasl.h"

#include "scram.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind { K_PASSWORD, K_OAUTH, K_CERT };

static const struct {
	enum pn_sasl_mech mech;
	const char *name;
	int auth;
	enum kind kind;
} mechs[] = { /* in order of preference */
	{PN_SASL_SCRAM_SHA_256_PLUS, "SCRAM-SHA-256-PLUS", PN_AUTH_SCRAM_SHA_256_PLUS, K_PASSWORD},
	{PN_SASL_SCRAM_SHA_1_PLUS, "SCRAM-SHA-1-PLUS", PN_AUTH_SCRAM_SHA_1_PLUS, K_PASSWORD},
	{PN_SASL_SCRAM_SHA_256, "SCRAM-SHA-256", PN_AUTH_SCRAM_SHA_256, K_PASSWORD},
	{PN_SASL_SCRAM_SHA_1, "SCRAM-SHA-1", PN_AUTH_SCRAM_SHA_1, K_PASSWORD},
	{PN_SASL_CRAM_MD5, "CRAM-MD5", PN_AUTH_CRAM_MD5, K_PASSWORD},
	{PN_SASL_PLAIN, "PLAIN", PN_AUTH_PLAIN, K_PASSWORD},
	{PN_SASL_LOGIN, "LOGIN", PN_AUTH_LOGIN, K_PASSWORD},
	{PN_SASL_OAUTHBEARER, "OAUTHBEARER", PN_AUTH_OAUTHBEARER, K_OAUTH},
	{PN_SASL_XOAUTH2, "XOAUTH2", PN_AUTH_XOAUTH2, K_OAUTH},
	{PN_SASL_EXTERNAL, "EXTERNAL", PN_AUTH_EXTERNAL, K_CERT},
};

/* pn_sasl_offers - see sasl.h */
bool pn_sasl_offers(const char *offered, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = offered; *p;) {
		p += strspn(p, " \t");
		size_t w = strcspn(p, " \t");
		if (w == n && strncasecmp(p, name, n) == 0)
			return true;
		p += w;
	}
	return false;
}

/* pn_sasl_plus - see sasl.h */
bool pn_sasl_plus(enum pn_sasl_mech m)
{
	return m == PN_SASL_SCRAM_SHA_1_PLUS || m == PN_SASL_SCRAM_SHA_256_PLUS;
}

/* pn_sasl_plus_offered - see sasl.h */
bool pn_sasl_plus_offered(const char *offered, enum pn_sasl_mech m)
{
	if (m == PN_SASL_SCRAM_SHA_1 || m == PN_SASL_SCRAM_SHA_1_PLUS)
		return pn_sasl_offers(offered, "SCRAM-SHA-1-PLUS");
	if (m == PN_SASL_SCRAM_SHA_256 || m == PN_SASL_SCRAM_SHA_256_PLUS)
		return pn_sasl_offers(offered, "SCRAM-SHA-256-PLUS");
	return false;
}

/* fits - mechs[i] is one that auth and the credentials allow */
static bool fits(size_t i, int auth, const struct pn_sasl_allow *a)
{
	if (auth != PN_AUTH_ON)
		return auth == mechs[i].auth;
	if (a->oauth)
		return mechs[i].kind == K_OAUTH;
	if (a->cert && !a->user)
		return mechs[i].kind == K_CERT;
	return mechs[i].kind == K_PASSWORD && (a->binding || !pn_sasl_plus(mechs[i].mech));
}

/* pn_sasl_choose - see sasl.h */
enum pn_sasl_mech pn_sasl_choose(const char *offered, int auth, const struct pn_sasl_allow *allow)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(mechs); i++)
		if (fits(i, auth, allow) && pn_sasl_offers(offered, mechs[i].name))
			return mechs[i].mech;
	return PN_SASL_NONE;
}

/* pn_sasl_allowed - see sasl.h */
void pn_sasl_allowed(int auth, const struct pn_sasl_allow *allow, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < PN_ARRAY_LEN(mechs) && o < size; i++)
		if (fits(i, auth, allow))
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", mechs[i].name);
}

/* pn_sasl_name - see sasl.h */
const char *pn_sasl_name(enum pn_sasl_mech m)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(mechs); i++)
		if (mechs[i].mech == m)
			return mechs[i].name;
	return "NONE";
}

/* scram - one of the four SCRAM mechanisms */
static bool scram(enum pn_sasl_mech m)
{
	return m == PN_SASL_SCRAM_SHA_1 || m == PN_SASL_SCRAM_SHA_256 || pn_sasl_plus(m);
}

/* pn_sasl_note - see scram.h */
void pn_sasl_note(struct pn_sasl *s, const char *p, size_t n)
{
	size_t o = 0, max = sizeof(s->error) - 4;
	for (size_t i = 0; i < n && o < max; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f)
			s->error[o++] = ' ';
		else if (c < 0x7f)
			s->error[o++] = (char)c;
		else
			o += (size_t)snprintf(s->error + o, sizeof(s->error) - o, "\\x%02x", c);
	}
	s->error[o < max ? o : max] = '\0';
}

/* pn_sasl_base64 - see scram.h */
bool pn_sasl_base64(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '+' && c != '/' && c != '=')
			return false;
	}
	return true;
}

/* b64 - base64 of n bytes into r */
static bool b64(const void *p, size_t n, struct pn_secret *r)
{
	gnutls_datum_t in = {(unsigned char *)p, (unsigned)n}, out = {NULL, 0};
	if (gnutls_base64_encode2(&in, &out) < 0)
		return false;
	pn_secret_copy(r, (char *)out.data, out.size);
	pn_wipe(out.data, out.size);
	gnutls_free(out.data);
	return true;
}

/* b64_buf - base64 of a secret buffer's bytes into r; the buffer is freed */
static bool b64_buf(struct pn_buf *b, bool ok, struct pn_secret *r)
{
	ok = ok && b64(b->data, b->len, r);
	pn_buf_free(b);
	return ok;
}

/* plain_response - base64("\0user\0password") */
static bool plain_response(const struct pn_sasl *s, struct pn_secret *r)
{
	struct pn_buf b;
	pn_buf_init_secret(&b, 16384);
	bool ok = pn_buf_append(&b, "", 1) && pn_buf_addstr(&b, s->user ? s->user : "") && pn_buf_append(&b, "", 1) &&
		  pn_buf_append(&b, s->password->p, s->password->n);
	return b64_buf(&b, ok, r);
}

/* cram_response - base64("user " hex(HMAC-MD5(password, challenge))) */
static bool cram_response(const struct pn_sasl *s, const gnutls_datum_t *chal, struct pn_secret *r)
{
	unsigned char mac[16];
	if (gnutls_hmac_fast(GNUTLS_MAC_MD5, s->password->p, s->password->n, chal->data, chal->size, mac) < 0)
		return false;
	struct pn_buf b;
	pn_buf_init_secret(&b, 16384);
	bool ok = pn_buf_addstr(&b, s->user ? s->user : "") && pn_buf_addstr(&b, " ");
	for (int i = 0; ok && i < 16; i++)
		ok = pn_buf_printf(&b, "%02x", mac[i]);
	pn_wipe(mac, sizeof(mac));
	return b64_buf(&b, ok, r);
}

/* saslname - the user with ',' and '=' escaped (RFC 5801 4), for
 * OAUTHBEARER's gs2 header */
static bool saslname(struct pn_buf *b, const char *u)
{
	bool ok = true;
	for (; ok && *u; u++)
		ok = *u == ',' ? pn_buf_addstr(b, "=2C") : *u == '=' ? pn_buf_addstr(b, "=3D") : pn_buf_append(b, u, 1);
	return ok;
}

/* oauth_response - XOAUTH2: "user=U^Aauth=Bearer T^A^A"; OAUTHBEARER (RFC
 * 7628 3.1): "n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A" */
static bool oauth_response(const struct pn_sasl *s, struct pn_secret *r)
{
	struct pn_buf b;
	pn_buf_init_secret(&b, 16384);
	bool ok;
	if (s->mech == PN_SASL_XOAUTH2)
		ok = pn_buf_printf(&b, "user=%s\001", s->user ? s->user : "");
	else
		ok = pn_buf_addstr(&b, "n,a=") && saslname(&b, s->user ? s->user : "") &&
		     pn_buf_printf(&b, ",\001host=%s\001port=%d\001", s->host ? s->host : "", s->port);
	ok = ok && pn_buf_addstr(&b, "auth=Bearer ") && pn_buf_append(&b, s->password->p, s->password->n) &&
	     pn_buf_append(&b, "\001\001", 2);
	return b64_buf(&b, ok, r);
}

/* external_response - the authorization identity: the user, or none
 * ("=", an empty initial response, RFC 4954 4): the server takes the
 * identity of the client certificate */
static bool external_response(const struct pn_sasl *s, struct pn_secret *r)
{
	if (s->user && *s->user)
		return b64(s->user, strlen(s->user), r);
	pn_secret_copy(r, "=", 1);
	return true;
}

/* scram_first - base64 of SCRAM's client-first message */
static bool scram_first(struct pn_sasl *s, struct pn_secret *r)
{
	struct pn_buf b;
	pn_buf_init_secret(&b, 4096);
	bool ok = pn_scram_first(s, &b);
	return b64_buf(&b, ok, r);
}

/* pn_sasl_initial - see sasl.h */
bool pn_sasl_initial(struct pn_sasl *s, struct pn_secret *out)
{
	pn_scram_free(s->scram);
	s->scram = NULL;
	s->step = 0;
	s->failure = PN_SASLF_NONE;
	s->verified = false;
	s->error[0] = '\0';
	out->p = NULL;
	out->n = 0;
	bool ok = false;
	if (s->mech == PN_SASL_PLAIN)
		ok = plain_response(s, out);
	else if (s->mech == PN_SASL_XOAUTH2 || s->mech == PN_SASL_OAUTHBEARER)
		ok = oauth_response(s, out);
	else if (s->mech == PN_SASL_EXTERNAL)
		ok = external_response(s, out);
	else if (scram(s->mech))
		ok = scram_first(s, out);
	else
		return false; /* the server speaks first */
	s->step = 1;
	if (!ok && s->failure == PN_SASLF_NONE)
		s->failure = PN_SASLF_MALFORMED;
	return ok;
}

/* scram_step - server-first: the client-final message; server-final:
 * verified, and the empty response */
static bool scram_step(struct pn_sasl *s, const gnutls_datum_t *chal, struct pn_secret *out)
{
	if (s->step == 1) {
		struct pn_buf b;
		pn_buf_init_secret(&b, 4096);
		bool ok = pn_scram_final(s, (const char *)chal->data, chal->size, &b);
		return b64_buf(&b, ok, out);
	}
	if (s->step == 2 && pn_scram_verify(s, (const char *)chal->data, chal->size)) {
		pn_secret_copy(out, "", 0);
		return true;
	}
	if (s->failure == PN_SASLF_NONE)
		s->failure = PN_SASLF_MALFORMED;
	return false;
}

/* oauth_step - the server's error (RFC 7628 3.2.2: a JSON object), kept
 * for the message; the answer that lets it send its failure: OAUTHBEARER's
 * dummy response ^A (RFC 7628 3.2.3), XOAUTH2's empty line */
static bool oauth_step(struct pn_sasl *s, const gnutls_datum_t *chal, struct pn_secret *out)
{
	if (s->step != 1)
		return false;
	pn_sasl_note(s, (const char *)chal->data, chal->size);
	if (s->mech == PN_SASL_OAUTHBEARER)
		return b64("\001", 1, out);
	pn_secret_copy(out, "", 0);
	return true;
}

/* password_step - PLAIN, LOGIN and CRAM-MD5 */
static bool password_step(struct pn_sasl *s, const gnutls_datum_t *chal, struct pn_secret *out)
{
	switch (s->mech) {
	case PN_SASL_PLAIN: /* the server asked for the response we did not send */
		return s->step == 0 && plain_response(s, out);
	case PN_SASL_LOGIN:
		if (s->step == 0)
			return b64(s->user ? s->user : "", s->user ? strlen(s->user) : 0, out);
		return s->step == 1 && b64(s->password->p, s->password->n, out);
	case PN_SASL_CRAM_MD5:
		return s->step == 0 && chal->size && cram_response(s, chal, out);
	default:
		return false;
	}
}

/* pn_sasl_step - see sasl.h */
bool pn_sasl_step(struct pn_sasl *s, const char *challenge, struct pn_secret *out)
{
	gnutls_datum_t in = {(unsigned char *)challenge, (unsigned)strlen(challenge)}, chal = {NULL, 0};
	out->p = NULL;
	out->n = 0;
	if (in.size && (!pn_sasl_base64(challenge, in.size) || gnutls_base64_decode2(&in, &chal) < 0)) {
		s->failure = PN_SASLF_MALFORMED;
		return false;
	}
	bool ok;
	if (scram(s->mech))
		ok = scram_step(s, &chal, out);
	else if (s->mech == PN_SASL_XOAUTH2 || s->mech == PN_SASL_OAUTHBEARER)
		ok = oauth_step(s, &chal, out);
	else
		ok = password_step(s, &chal, out);
	if (!ok && s->failure == PN_SASLF_NONE)
		s->failure = PN_SASLF_MALFORMED;
	s->step++;
	gnutls_free(chal.data);
	return ok;
}

/* pn_sasl_complete - see sasl.h */
bool pn_sasl_complete(const struct pn_sasl *s)
{
	return !scram(s->mech) || s->verified;
}

/* pn_sasl_free - see sasl.h */
void pn_sasl_free(struct pn_sasl *s)
{
	pn_scram_free(s->scram);
	s->scram = NULL;
}
