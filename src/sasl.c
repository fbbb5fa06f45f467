/* sasl.c - PLAIN, LOGIN and CRAM-MD5 (see sasl.h).
 *
 * PLAIN goes first for "auth on": postern authenticates only inside TLS, so
 * PLAIN is as safe as any and costs one round trip.  CRAM-MD5 comes next
 * (two round trips), LOGIN last (three).
 * SECURITY: every buffer that held the password is wiped before it is freed.
 */
#include "sasl.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static const struct {
	enum pn_sasl_mech mech;
	const char *name;
	int auth;
} mechs[] = { /* in order of preference */
	{PN_SASL_PLAIN, "PLAIN", PN_AUTH_PLAIN},
	{PN_SASL_CRAM_MD5, "CRAM-MD5", PN_AUTH_CRAM_MD5},
	{PN_SASL_LOGIN, "LOGIN", PN_AUTH_LOGIN},
};

/* offers - the space-separated list names this mechanism */
static bool offers(const char *offered, const char *name)
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

enum pn_sasl_mech pn_sasl_choose(const char *offered, int auth)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(mechs); i++)
		if ((auth == PN_AUTH_ON || auth == mechs[i].auth) && offers(offered, mechs[i].name))
			return mechs[i].mech;
	return PN_SASL_NONE;
}

const char *pn_sasl_name(enum pn_sasl_mech m)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(mechs); i++)
		if (mechs[i].mech == m)
			return mechs[i].name;
	return "NONE";
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

/* plain_response - base64("\0user\0password") */
static bool plain_response(const struct pn_sasl *s, struct pn_secret *r)
{
	size_t u = strlen(s->user), p = s->password->n;
	char *raw = pn_xmalloc(u + p + 2);
	raw[0] = '\0';
	memcpy(raw + 1, s->user, u);
	raw[u + 1] = '\0';
	memcpy(raw + u + 2, s->password->p, p);
	bool ok = b64(raw, u + p + 2, r);
	pn_wipe(raw, u + p + 2);
	free(raw);
	return ok;
}

/* cram_response - base64("user " hex(HMAC-MD5(password, challenge))) */
static bool cram_response(const struct pn_sasl *s, const gnutls_datum_t *chal, struct pn_secret *r)
{
	unsigned char mac[16];
	if (gnutls_hmac_fast(GNUTLS_MAC_MD5, s->password->p, s->password->n, chal->data, chal->size, mac) < 0)
		return false;
	size_t u = strlen(s->user);
	char *raw = pn_xmalloc(u + 1 + 32 + 1);
	memcpy(raw, s->user, u);
	raw[u] = ' ';
	for (int i = 0; i < 16; i++) {
		raw[u + 1 + 2 * i] = "0123456789abcdef"[mac[i] >> 4];
		raw[u + 2 + 2 * i] = "0123456789abcdef"[mac[i] & 15];
	}
	bool ok = b64(raw, u + 33, r);
	pn_wipe(raw, u + 34);
	pn_wipe(mac, sizeof(mac));
	free(raw);
	return ok;
}

bool pn_sasl_initial(struct pn_sasl *s, struct pn_secret *out)
{
	s->step = 0;
	out->p = NULL;
	if (s->mech != PN_SASL_PLAIN)
		return false;
	s->step = 1;
	return plain_response(s, out);
}

bool pn_sasl_step(struct pn_sasl *s, const char *challenge, struct pn_secret *out)
{
	gnutls_datum_t in = {(unsigned char *)challenge, (unsigned)strlen(challenge)}, chal = {NULL, 0};
	out->p = NULL;
	if (in.size && gnutls_base64_decode2(&in, &chal) < 0)
		return false;
	bool ok = false;
	switch (s->mech) {
	case PN_SASL_PLAIN: /* the server asked for the response we did not send */
		ok = s->step == 0 && plain_response(s, out);
		break;
	case PN_SASL_LOGIN:
		if (s->step == 0)
			ok = b64(s->user, strlen(s->user), out);
		else if (s->step == 1)
			ok = b64(s->password->p, s->password->n, out);
		break;
	case PN_SASL_CRAM_MD5:
		ok = s->step == 0 && chal.size && cram_response(s, &chal, out);
		break;
	case PN_SASL_NONE:
		break;
	}
	s->step++;
	gnutls_free(chal.data);
	return ok;
}
