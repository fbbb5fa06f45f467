/* fuzz_scram.c - libFuzzer target for the SCRAM client's reading of the
 * server's messages (scram.c through sasl.c): both come from the network.
 *
 * The first byte chooses the mechanism (bit 0: SHA-1 or SHA-256; bit 1:
 * the -PLUS form with a channel binding) and whether the messages are
 * base64-encoded here (bit 2: the parsers behind the base64) or given to
 * pn_sasl_step as the challenge text itself (the base64 decoder too).  The
 * rest is the server-first message, a LF, and the server-final message.
 * The client nonce is fixed ("fuzzNonce").  Invariants: a step that fails
 * says why (failure set) and gives no response; a client-final message
 * answers only a server nonce that extends ours, and has the grammar
 * "c=...,r=NONCE,p=BASE64"; the server is believed (pn_sasl_complete)
 * only when its final message was verified, and only a final message that
 * starts with "v=" can be; the server's error text is terminated, bounded
 * and free of control characters.  Inputs whose iteration count would
 * cost more than 10000 PBKDF2 rounds are skipped (speed, not safety: the
 * bound is tested in tests/unit/test_sasl.c).
 */
#include "../../src/sasl.h"
#include "invariants.h"

#include <gnutls/gnutls.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONCE "fuzzNonce"

/* costly - a run of digits worth 10001..PN_SASL_MAX_ITERATIONS */
static bool costly(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned long v = 0;
		size_t k = i;
		while (k < n && d[k] >= '0' && d[k] <= '9' && v <= PN_SASL_MAX_ITERATIONS)
			v = v * 10 + (unsigned long)(d[k++] - '0');
		if (v > 10000 && v <= PN_SASL_MAX_ITERATIONS)
			return true;
		i = k > i ? k : i + 1;
	}
	return false;
}

/* challenge - the text handed to pn_sasl_step: base64 of the bytes, or
 * the bytes themselves (without NULs, as a reply line has none) */
static char *challenge(const uint8_t *p, size_t n, bool encode)
{
	if (encode) {
		gnutls_datum_t in = {(unsigned char *)p, (unsigned)n}, out = {NULL, 0};
		if (gnutls_base64_encode2(&in, &out) < 0)
			abort();
		char *c = strndup((char *)out.data, out.size);
		gnutls_free(out.data);
		return c;
	}
	return strndup((const char *)p, n);
}

/* check_error - the server's words as kept for a message */
static void check_error(const struct pn_sasl *s)
{
	size_t n = strnlen(s->error, sizeof(s->error));
	if (n >= sizeof(s->error))
		fuzz_fail("error text not terminated", n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s->error[i] < 0x20 || s->error[i] == 0x7f)
			fuzz_fail("control character in the error text", i);
}

/* check_final - the client-final message's grammar */
static void check_final(const struct pn_secret *r, const char *sfirst)
{
	gnutls_datum_t in = {(unsigned char *)r->p, (unsigned)r->n}, out = {NULL, 0};
	if (gnutls_base64_decode2(&in, &out) < 0)
		fuzz_fail("client-final is not base64", 0);
	char *m = strndup((char *)out.data, out.size);
	gnutls_free(out.data);
	const char *rr = strstr(m, ",r=" NONCE), *p = strstr(m, ",p=");
	if (strncmp(m, "c=", 2) != 0 || !rr || !p || p < rr || strchr(p + 3, ','))
		fuzz_fail("client-final breaks c=...,r=NONCE...,p=...", 0);
	if (strncmp(sfirst, "r=" NONCE, strlen("r=" NONCE)) != 0)
		fuzz_fail("answered a server-first whose nonce is not ours", 0);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || costly(data, size))
		return 0;
	static const unsigned char cb[32] = {1, 2, 3};
	enum pn_sasl_mech mechs[] = {PN_SASL_SCRAM_SHA_1, PN_SASL_SCRAM_SHA_256, PN_SASL_SCRAM_SHA_1_PLUS,
	                             PN_SASL_SCRAM_SHA_256_PLUS};
	bool plus = data[0] & 2, encode = data[0] & 4;
	struct pn_secret pw = {(char *)"pencil", 6}, r;
	struct pn_sasl s = {.mech = mechs[data[0] & 3],
	                    .user = "user",
	                    .password = &pw,
	                    .nonce = NONCE,
	                    .cb_type = plus ? "tls-exporter" : NULL,
	                    .cb_data = cb,
	                    .cb_len = sizeof(cb)};
	if (!pn_sasl_initial(&s, &r))
		fuzz_fail("no client-first message", 0);
	pn_secret_wipe(&r);
	const uint8_t *body = data + 1, *lf = memchr(body, '\n', size - 1);
	size_t n1 = lf ? (size_t)(lf - body) : size - 1;
	char *c1 = challenge(body, n1, encode), *c2 = NULL;
	char *raw1 = strndup((const char *)body, n1);
	bool ok = pn_sasl_step(&s, c1, &r);
	if (ok != (s.failure == PN_SASLF_NONE) || (!ok && r.p))
		fuzz_fail("server-first: the outcome and the failure disagree", 0);
	if (ok && encode)
		check_final(&r, raw1);
	pn_secret_wipe(&r);
	size_t n2 = lf ? size - n1 - 2 : 0;
	if (ok && lf) {
		c2 = challenge(lf + 1, n2, encode);
		bool v = pn_sasl_step(&s, c2, &r);
		if (v != s.verified || (v && (r.p == NULL || r.n != 0)))
			fuzz_fail("server-final: verified and the outcome disagree", 0);
		if (v && encode && (n2 < 2 || memcmp(lf + 1, "v=", 2) != 0))
			fuzz_fail("verified without v=", 0);
		pn_secret_wipe(&r);
	}
	if (pn_sasl_complete(&s) != s.verified)
		fuzz_fail("a success would be believed without a verified signature", 0);
	check_error(&s);
	pn_sasl_free(&s);
	free(c1);
	free(c2);
	free(raw1);
	return 0;
}
