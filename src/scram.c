/* scram.c - SCRAM-SHA-1 and SCRAM-SHA-256, with and without channel
 * binding (see scram.h).
 *
 * RFC 5802 3 and 5 (messages), RFC 7677 (SHA-256), RFC 5929 and RFC 9266
 * (the binding data comes from tls.c through sasl.h).  PBKDF2 is GnuTLS's
 * (nettle underneath, which computes the HMAC pads once per call).
 * SECURITY: see scram.h; the proof is sent, the server's signature kept
 * to compare in constant time.
 */
#include "scram.h"

#include "saslprep.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_MAX 32    /* SHA-256 */
#define NONCE_BYTES 24 /* 192 bits of randomness, 32 characters */

struct pn_scram {
	gnutls_mac_algorithm_t mac;
	gnutls_digest_algorithm_t digest;
	size_t hlen;
	char gs2[48];          /* "p=tls-exporter,," at most */
	char nonce[80];        /* the client's */
	struct pn_buf bare;    /* client-first-message-bare */
	struct pn_secret pass; /* the SASLprep'd password */
	unsigned char server_sig[HASH_MAX];
	bool have_sig;
};

/* fail - record why and say false */
static bool fail(struct pn_sasl *s, enum pn_sasl_failure f)
{
	s->failure = f;
	return false;
}

/* b64_append - base64 of n bytes appended to b */
static bool b64_append(struct pn_buf *b, const void *p, size_t n)
{
	gnutls_datum_t in = {(unsigned char *)p, (unsigned)n}, out = {NULL, 0};
	if (gnutls_base64_encode2(&in, &out) < 0)
		return false;
	bool ok = pn_buf_append(b, out.data, out.size);
	pn_wipe(out.data, out.size);
	gnutls_free(out.data);
	return ok;
}

/* b64_decode - n bytes of base64 at p into *out (gnutls_free it) */
static bool b64_decode(const char *p, size_t n, gnutls_datum_t *out)
{
	gnutls_datum_t in = {(unsigned char *)p, (unsigned)n};
	out->data = NULL;
	out->size = 0;
	return n && pn_sasl_base64(p, n) && gnutls_base64_decode2(&in, out) >= 0;
}

/* new_state - the hash of the mechanism and the gs2 header */
static struct pn_scram *new_state(const struct pn_sasl *s)
{
	struct pn_scram *sc = pn_xcalloc(1, sizeof(*sc));
	bool sha1 = s->mech == PN_SASL_SCRAM_SHA_1 || s->mech == PN_SASL_SCRAM_SHA_1_PLUS;
	sc->mac = sha1 ? GNUTLS_MAC_SHA1 : GNUTLS_MAC_SHA256;
	sc->digest = sha1 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;
	sc->hlen = sha1 ? 20 : 32;
	if (pn_sasl_plus(s->mech))
		snprintf(sc->gs2, sizeof(sc->gs2), "p=%s,,", s->cb_type);
	else /* "y": a server that hides its -PLUS forms is caught (RFC 5802 6) */
		snprintf(sc->gs2, sizeof(sc->gs2), "%s", s->cb_type && !s->plus_offered ? "y,," : "n,,");
	pn_buf_init(&sc->bare, 1024);
	return sc;
}

/* make_nonce - the test's nonce, or NONCE_BYTES random bytes in base64 */
static bool make_nonce(const struct pn_sasl *s, struct pn_scram *sc)
{
	if (s->nonce) {
		snprintf(sc->nonce, sizeof(sc->nonce), "%s", s->nonce);
		return true;
	}
	unsigned char rnd[NONCE_BYTES];
	gnutls_datum_t in = {rnd, sizeof(rnd)}, out = {NULL, 0};
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0 || gnutls_base64_encode2(&in, &out) < 0)
		return false;
	snprintf(sc->nonce, sizeof(sc->nonce), "%.*s", (int)out.size, (char *)out.data);
	gnutls_free(out.data);
	return true;
}

/* add_user - "n=" and the prepared user name with ',' and '=' escaped */
static bool add_user(struct pn_sasl *s, struct pn_buf *b)
{
	const char *u = s->user ? s->user : "";
	struct pn_secret prep;
	if (pn_saslprep(u, strlen(u), &prep) != PN_SASLPREP_OK)
		return fail(s, PN_SASLF_PREP);
	bool ok = pn_buf_addstr(b, "n=");
	for (size_t i = 0; ok && i < prep.n; i++) {
		char c = prep.p[i];
		ok = c == ','   ? pn_buf_addstr(b, "=2C")
		     : c == '=' ? pn_buf_addstr(b, "=3D")
		                : pn_buf_append(b, &c, 1);
	}
	pn_secret_wipe(&prep);
	return ok || fail(s, PN_SASLF_MALFORMED);
}

/* pn_scram_first - see scram.h */
bool pn_scram_first(struct pn_sasl *s, struct pn_buf *out)
{
	if (pn_sasl_plus(s->mech) && !s->cb_type)
		return fail(s, PN_SASLF_MALFORMED);
	struct pn_scram *sc = s->scram = new_state(s);
	if (!add_user(s, &sc->bare))
		return false;
	if (pn_saslprep(s->password->p, s->password->n, &sc->pass) != PN_SASLPREP_OK)
		return fail(s, PN_SASLF_PREP);
	if (!make_nonce(s, sc) || !pn_buf_printf(&sc->bare, ",r=%s", sc->nonce))
		return fail(s, PN_SASLF_MALFORMED);
	if (!pn_buf_addstr(out, sc->gs2) || !pn_buf_append(out, sc->bare.data, sc->bare.len))
		return fail(s, PN_SASLF_MALFORMED);
	return true;
}

/* attr - the attribute "k=VALUE" at *p (up to end): its value and length;
 * *p moves past it and its ',' */
static bool attr(const char **p, const char *end, char k, const char **v, size_t *vn)
{
	const char *a = *p;
	if (end - a < 2 || a[0] != k || a[1] != '=')
		return false;
	const char *comma = memchr(a, ',', (size_t)(end - a));
	*v = a + 2;
	*vn = (size_t)((comma ? comma : end) - *v);
	*p = comma ? comma + 1 : end;
	return true;
}

/* iterations - a decimal count in 1..PN_SASL_MAX_ITERATIONS */
static bool iterations(struct pn_sasl *s, const char *v, size_t n, unsigned *out)
{
	unsigned long i = 0;
	if (!n || n > 12)
		return fail(s, n ? PN_SASLF_ITERATIONS : PN_SASLF_MALFORMED);
	for (size_t k = 0; k < n; k++) {
		if (v[k] < '0' || v[k] > '9')
			return fail(s, PN_SASLF_MALFORMED);
		i = i * 10 + (unsigned long)(v[k] - '0');
	}
	if (i == 0)
		return fail(s, PN_SASLF_MALFORMED);
	if (i > PN_SASL_MAX_ITERATIONS)
		return fail(s, PN_SASLF_ITERATIONS);
	*out = (unsigned)i;
	return true;
}

/* server_first - parse r=, s=, i= (extensions after them are ignored;
 * a mandatory one, m=, cannot be honoured) */
static bool server_first(struct pn_sasl *s, const char *sf, size_t n, const char **nonce, size_t *nn,
                         gnutls_datum_t *salt, unsigned *iter)
{
	if (!n || memchr(sf, '\0', n)) /* an empty challenge has no bytes at all */
		return fail(s, PN_SASLF_MALFORMED);
	const char *p = sf, *end = sf + n, *sv, *iv;
	size_t sn, in;
	if (attr(&p, end, 'e', &sv, &sn)) { /* not RFC 5802's grammar, but said */
		pn_sasl_note(s, sv, sn);
		return fail(s, PN_SASLF_SERVER);
	}
	if (!attr(&p, end, 'r', nonce, nn) || !attr(&p, end, 's', &sv, &sn) || !attr(&p, end, 'i', &iv, &in))
		return fail(s, PN_SASLF_MALFORMED);
	size_t cn = strlen(s->scram->nonce);
	if (*nn <= cn || memcmp(*nonce, s->scram->nonce, cn) != 0)
		return fail(s, PN_SASLF_NONCE);
	for (size_t k = 0; k < *nn; k++)
		if ((*nonce)[k] < 0x21 || (*nonce)[k] > 0x7e)
			return fail(s, PN_SASLF_MALFORMED);
	if (!iterations(s, iv, in, iter))
		return false;
	return b64_decode(sv, sn, salt) || fail(s, PN_SASLF_MALFORMED);
}

/* without_proof - "c=" base64(gs2 header, binding data) ",r=" nonce */
static bool without_proof(const struct pn_sasl *s, const char *nonce, size_t nn, struct pn_buf *out)
{
	struct pn_buf cb;
	pn_buf_init(&cb, 256);
	bool ok = pn_buf_addstr(&cb, s->scram->gs2) &&
	          (!pn_sasl_plus(s->mech) || pn_buf_append(&cb, s->cb_data, s->cb_len));
	ok = ok && pn_buf_addstr(out, "c=") && b64_append(out, cb.data, cb.len) &&
	     pn_buf_addstr(out, ",r=") && pn_buf_append(out, nonce, nn);
	pn_buf_free(&cb);
	return ok;
}

/* hmac - HMAC of the text with key (klen bytes) into out */
static bool hmac(const struct pn_scram *sc, const void *key, size_t klen, const void *text, size_t n,
                 void *out)
{
	return gnutls_hmac_fast(sc->mac, key, klen, text, n, out) >= 0;
}

/* proof - RFC 5802 3: the client proof into proof_out, and the server's
 * signature kept in sc, for the auth message am */
static bool proof(struct pn_scram *sc, const gnutls_datum_t *salt, unsigned iter, const struct pn_buf *am,
                  unsigned char *proof_out)
{
	unsigned char salted[HASH_MAX], ckey[HASH_MAX], stored[HASH_MAX], csig[HASH_MAX], skey[HASH_MAX];
	gnutls_datum_t pw = {(unsigned char *)sc->pass.p, (unsigned)sc->pass.n};
	size_t h = sc->hlen;
	bool ok = gnutls_pbkdf2(sc->mac, &pw, salt, iter, salted, h) >= 0 &&
	          hmac(sc, salted, h, "Client Key", 10, ckey) &&
	          gnutls_hash_fast(sc->digest, ckey, h, stored) >= 0 &&
	          hmac(sc, stored, h, am->data, am->len, csig) &&
	          hmac(sc, salted, h, "Server Key", 10, skey) &&
	          hmac(sc, skey, h, am->data, am->len, sc->server_sig);
	for (size_t i = 0; ok && i < h; i++)
		proof_out[i] = ckey[i] ^ csig[i];
	sc->have_sig = ok;
	pn_wipe(salted, sizeof(salted));
	pn_wipe(ckey, sizeof(ckey));
	pn_wipe(stored, sizeof(stored));
	pn_wipe(csig, sizeof(csig));
	pn_wipe(skey, sizeof(skey));
	pn_secret_wipe(&sc->pass); /* needed no more */
	return ok;
}

/* final_message - the auth message is bare "," server-first ","
 * without-proof; the client-final message is without-proof ",p=" proof */
static bool final_message(struct pn_sasl *s, const char *sf, size_t n, const gnutls_datum_t *salt,
                          unsigned iter, const char *nonce, size_t nn, struct pn_buf *out)
{
	struct pn_scram *sc = s->scram;
	struct pn_buf am;
	pn_buf_init(&am, 4096);
	unsigned char pr[HASH_MAX];
	bool ok = without_proof(s, nonce, nn, out) && pn_buf_append(&am, sc->bare.data, sc->bare.len) &&
	          pn_buf_addstr(&am, ",") && pn_buf_append(&am, sf, n) && pn_buf_addstr(&am, ",") &&
	          pn_buf_append(&am, out->data, out->len);
	ok = ok && proof(sc, salt, iter, &am, pr) && pn_buf_addstr(out, ",p=") &&
	     b64_append(out, pr, sc->hlen);
	pn_wipe(pr, sizeof(pr));
	pn_buf_free(&am);
	return ok || fail(s, PN_SASLF_MALFORMED);
}

/* pn_scram_final - see scram.h */
bool pn_scram_final(struct pn_sasl *s, const char *sf, size_t n, struct pn_buf *out)
{
	const char *nonce;
	size_t nn;
	gnutls_datum_t salt = {NULL, 0};
	unsigned iter = 0;
	if (!s->scram || s->scram->have_sig)
		return fail(s, PN_SASLF_MALFORMED);
	bool ok = server_first(s, sf, n, &nonce, &nn, &salt, &iter) &&
	          final_message(s, sf, n, &salt, iter, nonce, nn, out);
	gnutls_free(salt.data);
	return ok;
}

/* same - n bytes equal, in a time that does not depend on where they differ */
static bool same(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* pn_scram_verify - see scram.h */
bool pn_scram_verify(struct pn_sasl *s, const char *sf, size_t n)
{
	struct pn_scram *sc = s->scram;
	if (!sc || !sc->have_sig || s->verified || !n || memchr(sf, '\0', n))
		return fail(s, PN_SASLF_MALFORMED);
	const char *p = sf, *end = sf + n, *v;
	size_t vn;
	if (attr(&p, end, 'e', &v, &vn)) {
		pn_sasl_note(s, v, vn);
		return fail(s, PN_SASLF_SERVER);
	}
	gnutls_datum_t sig = {NULL, 0};
	if (!attr(&p, end, 'v', &v, &vn) || !b64_decode(v, vn, &sig)) {
		gnutls_free(sig.data);
		return fail(s, PN_SASLF_MALFORMED);
	}
	s->verified = sig.size == sc->hlen && same(sig.data, sc->server_sig, sc->hlen);
	gnutls_free(sig.data);
	return s->verified || fail(s, PN_SASLF_FORGED);
}

/* pn_scram_free - see scram.h */
void pn_scram_free(struct pn_scram *sc)
{
	if (!sc)
		return;
	pn_secret_wipe(&sc->pass);
	pn_buf_free(&sc->bare);
	pn_wipe(sc, sizeof(*sc));
	free(sc);
}
