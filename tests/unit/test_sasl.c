/* test_sasl.c - choosing a SASL mechanism, and the exchanges: PLAIN, LOGIN
 * and CRAM-MD5 against hand-computed base64 and RFC 2195's example; SCRAM
 * against RFC 5802's and RFC 7677's examples, and servers that lie;
 * XOAUTH2, OAUTHBEARER and EXTERNAL byte for byte. */
#include "rcfile.h" /* enum pn_auth */
#include "sasl.h"
#include "tap.h"

#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ccase {
	const char *offered;
	int auth;
	enum pn_sasl_mech want;
};

static const char *auth_name(int a)
{
	switch (a) {
	case PN_AUTH_UNSET: return "unset";
	case PN_AUTH_OFF: return "off";
	case PN_AUTH_ON: return "on";
	case PN_AUTH_PLAIN: return "plain";
	case PN_AUTH_LOGIN: return "login";
	case PN_AUTH_CRAM_MD5: return "cram-md5";
	case PN_AUTH_SCRAM_SHA_1: return "scram-sha-1";
	case PN_AUTH_SCRAM_SHA_256: return "scram-sha-256";
	case PN_AUTH_SCRAM_SHA_1_PLUS: return "scram-sha-1-plus";
	case PN_AUTH_SCRAM_SHA_256_PLUS: return "scram-sha-256-plus";
	case PN_AUTH_XOAUTH2: return "xoauth2";
	case PN_AUTH_OAUTHBEARER: return "oauthbearer";
	case PN_AUTH_EXTERNAL: return "external";
	}
	return "?";
}

/* a password, a user, no channel binding */
static const struct pn_sasl_allow pw_only = {.password = true, .user = true};

static void choose(void)
{
	static const struct ccase cases[] = {
		{" PLAIN LOGIN CRAM-MD5", PN_AUTH_ON, PN_SASL_CRAM_MD5},
		{" PLAIN LOGIN", PN_AUTH_ON, PN_SASL_PLAIN},
		{" LOGIN CRAM-MD5", PN_AUTH_ON, PN_SASL_CRAM_MD5},
		{" CRAM-MD5 LOGIN", PN_AUTH_ON, PN_SASL_CRAM_MD5},
		{" LOGIN", PN_AUTH_ON, PN_SASL_LOGIN},
		{" GSSAPI", PN_AUTH_ON, PN_SASL_NONE},
		{"", PN_AUTH_ON, PN_SASL_NONE},
		{" GSSAPI XOAUTH2 LOGIN", PN_AUTH_ON, PN_SASL_LOGIN},
		{" PLAIN LOGIN", PN_AUTH_LOGIN, PN_SASL_LOGIN},
		{" PLAIN", PN_AUTH_CRAM_MD5, PN_SASL_NONE},
		{" PLAIN CRAM-MD5", PN_AUTH_CRAM_MD5, PN_SASL_CRAM_MD5},
		{" LOGIN CRAM-MD5", PN_AUTH_PLAIN, PN_SASL_NONE},
		{" LOGIN PLAIN", PN_AUTH_PLAIN, PN_SASL_PLAIN},
		{" PLAIN LOGIN CRAM-MD5", PN_AUTH_OFF, PN_SASL_NONE},
		{" plain login", PN_AUTH_ON, PN_SASL_PLAIN},
		{" PLAIN SCRAM-SHA-1 SCRAM-SHA-256", PN_AUTH_ON, PN_SASL_SCRAM_SHA_256},
		{" PLAIN SCRAM-SHA-1 CRAM-MD5", PN_AUTH_ON, PN_SASL_SCRAM_SHA_1},
		{" SCRAM-SHA-256-PLUS SCRAM-SHA-256", PN_AUTH_ON, PN_SASL_SCRAM_SHA_256},
		{" SCRAM-SHA-256-PLUS", PN_AUTH_ON, PN_SASL_NONE},
		{" XOAUTH2 OAUTHBEARER EXTERNAL", PN_AUTH_ON, PN_SASL_NONE},
		{" SCRAM-SHA-256 PLAIN", PN_AUTH_SCRAM_SHA_1, PN_SASL_NONE},
		{" SCRAM-SHA-1 PLAIN", PN_AUTH_SCRAM_SHA_1, PN_SASL_SCRAM_SHA_1},
		{" SCRAM-SHA-256", PN_AUTH_SCRAM_SHA_256_PLUS, PN_SASL_NONE},
		{" SCRAM-SHA-256-PLUS", PN_AUTH_SCRAM_SHA_256_PLUS, PN_SASL_SCRAM_SHA_256_PLUS},
		{" XOAUTH2 PLAIN", PN_AUTH_XOAUTH2, PN_SASL_XOAUTH2},
		{" XOAUTH2 PLAIN", PN_AUTH_OAUTHBEARER, PN_SASL_NONE},
		{" EXTERNAL PLAIN", PN_AUTH_EXTERNAL, PN_SASL_EXTERNAL},
		{" login Cram-Md5", PN_AUTH_ON, PN_SASL_CRAM_MD5},
		{" Login", PN_AUTH_LOGIN, PN_SASL_LOGIN},
		{"PLAIN", PN_AUTH_ON, PN_SASL_PLAIN},
		{"\tLOGIN\t", PN_AUTH_ON, PN_SASL_LOGIN},
		{" PLAINX LOGINX CRAM-MD5X", PN_AUTH_ON, PN_SASL_NONE},
		{" XPLAIN CRAM-MD", PN_AUTH_ON, PN_SASL_NONE},
		{" DIGEST-MD5 CRAM-MD5", PN_AUTH_ON, PN_SASL_CRAM_MD5},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char label[160];
		snprintf(label, sizeof(label), "choose \"%s\" with auth %s", cases[i].offered,
			 auth_name(cases[i].auth));
		tap_is_str(pn_sasl_name(pn_sasl_choose(cases[i].offered, cases[i].auth, &pw_only)),
			   pn_sasl_name(cases[i].want), label);
	}
	tap_is_str(pn_sasl_name(PN_SASL_PLAIN), "PLAIN", "name of PLAIN");
	tap_is_str(pn_sasl_name(PN_SASL_LOGIN), "LOGIN", "name of LOGIN");
	tap_is_str(pn_sasl_name(PN_SASL_CRAM_MD5), "CRAM-MD5", "name of CRAM-MD5");
	tap_is_str(pn_sasl_name(PN_SASL_NONE), "NONE", "name of NONE");
}

#define PW(text) (&(const struct pn_secret){(char *)(text), sizeof(text) - 1})

/* response - the initial response (chal NULL) or the answer to chal, as a
 * fresh string; NULL when there is none */
static char *response(struct pn_sasl *s, const char *chal)
{
	struct pn_secret r;
	if (!(chal ? pn_sasl_step(s, chal, &r) : pn_sasl_initial(s, &r)))
		return NULL;
	tap_ok(r.p && strlen(r.p) == r.n, "the response's length is its text's");
	char *copy = strdup(r.p);
	pn_secret_wipe(&r);
	tap_ok(!r.p && !r.n, "a wiped secret is empty");
	return copy;
}

/* check - compare a response (chal NULL: the initial one) */
static void check(struct pn_sasl *s, const char *chal, const char *want, const char *what)
{
	char *got = response(s, chal);
	tap_is_str(got, want, what);
	free(got);
}

static void plain(void)
{
	struct pn_sasl s = {.mech = PN_SASL_PLAIN, .user = "alice@postern.test",
			    .password = PW("correct horse")};
	/* base64 of "\0alice@postern.test\0correct horse" */
	check(&s, NULL, "AGFsaWNlQHBvc3Rlcm4udGVzdABjb3JyZWN0IGhvcnNl",
	      "PLAIN initial response");
	check(&s, "", NULL, "PLAIN: a step after the initial response is NULL");
	check(&s, "", NULL, "PLAIN: and the next one too");

	/* the server asked for the response postern did not send first */
	struct pn_sasl s2 = {.mech = PN_SASL_PLAIN, .user = "u", .password = PW("")};
	s2.step = 0;
	check(&s2, "", "AHUA", "PLAIN response to an empty challenge: \\0u\\0");
	check(&s2, "", NULL, "PLAIN: only once");
}

static void login(void)
{
	struct pn_sasl s = {.mech = PN_SASL_LOGIN, .user = "alice@postern.test",
			    .password = PW("correct horse")};
	check(&s, NULL, NULL, "LOGIN has no initial response");
	check(&s, "VXNlcm5hbWU6", "YWxpY2VAcG9zdGVybi50ZXN0",
	      "LOGIN: Username: gives base64 of the user");
	check(&s, "UGFzc3dvcmQ6", "Y29ycmVjdCBob3JzZQ==",
	      "LOGIN: Password: gives base64 of the password");
	check(&s, "UGFzc3dvcmQ6", NULL, "LOGIN: a third challenge is NULL");

	struct pn_sasl bad = {.mech = PN_SASL_LOGIN, .user = "u", .password = PW("p")};
	free(response(&bad, NULL));
	check(&bad, "!!not base64!!", NULL, "LOGIN: malformed base64 challenge is NULL");
}

static void cram_md5(void)
{
	/* RFC 2195 section 2 */
	struct pn_sasl s = {.mech = PN_SASL_CRAM_MD5, .user = "tim", .password = PW("tanstaaftanstaaf")};
	check(&s, NULL, NULL, "CRAM-MD5 has no initial response");
	/* base64 of "<1896.697170952@postoffice.reston.mci.net>" */
	check(&s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
	      /* base64 of "tim b913a602c7eda7a495b4e6e7334d3890" */
	      "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", "CRAM-MD5: RFC 2195 example");
	check(&s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", NULL,
	      "CRAM-MD5: a second challenge is NULL");

	struct pn_sasl bad = {.mech = PN_SASL_CRAM_MD5, .user = "tim", .password = PW("tanstaaftanstaaf")};
	free(response(&bad, NULL));
	check(&bad, "PDE4OTYu*&^%", NULL, "CRAM-MD5: malformed base64 challenge is NULL");

	struct pn_sasl empty = {.mech = PN_SASL_CRAM_MD5, .user = "tim", .password = PW("x")};
	free(response(&empty, NULL));
	check(&empty, "", NULL, "CRAM-MD5: an empty challenge is NULL");

	/* another password gives another digest: the password is used */
	struct pn_sasl other = {.mech = PN_SASL_CRAM_MD5, .user = "tim", .password = PW("tanstaaftanstaag")};
	free(response(&other, NULL));
	char *r = response(&other, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
	tap_ok(r && strcmp(r, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw") != 0,
	       "CRAM-MD5: a different password gives a different response");
	free(r);
}

/* choose_allow - what the credentials and the session allow */
static void choose_allow(void)
{
	const struct pn_sasl_allow bind = {.password = true, .user = true, .binding = true};
	const struct pn_sasl_allow oauth = {.password = true, .oauth = true, .user = true};
	const struct pn_sasl_allow cert = {.cert = true};
	const struct pn_sasl_allow cert_user = {.password = true, .cert = true, .user = true};
	const char *all = " LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-256-PLUS "
			  "XOAUTH2 OAUTHBEARER EXTERNAL";
	tap_is_str(pn_sasl_name(pn_sasl_choose(all, PN_AUTH_ON, &bind)), "SCRAM-SHA-256-PLUS",
		   "on with a binding: SCRAM-SHA-256-PLUS first");
	tap_is_str(pn_sasl_name(pn_sasl_choose(" SCRAM-SHA-1-PLUS SCRAM-SHA-256", PN_AUTH_ON, &bind)),
		   "SCRAM-SHA-1-PLUS", "on with a binding: SCRAM-SHA-1-PLUS before SCRAM-SHA-256");
	tap_is_str(pn_sasl_name(pn_sasl_choose(all, PN_AUTH_ON, &pw_only)), "SCRAM-SHA-256",
		   "on without a binding: no -PLUS");
	tap_is_str(pn_sasl_name(pn_sasl_choose(all, PN_AUTH_ON, &oauth)), "OAUTHBEARER",
		   "on with a token source: OAUTHBEARER");
	tap_is_str(pn_sasl_name(pn_sasl_choose(" PLAIN XOAUTH2", PN_AUTH_ON, &oauth)), "XOAUTH2",
		   "on with a token source: XOAUTH2 next");
	tap_is_str(pn_sasl_name(pn_sasl_choose(" PLAIN LOGIN", PN_AUTH_ON, &oauth)), "NONE",
		   "on with a token source: never a password mechanism");
	tap_is_str(pn_sasl_name(pn_sasl_choose(all, PN_AUTH_ON, &cert)), "EXTERNAL",
		   "on with a certificate and no user: EXTERNAL");
	tap_is_str(pn_sasl_name(pn_sasl_choose(" PLAIN", PN_AUTH_ON, &cert)), "NONE",
		   "on with a certificate and no user: nothing else");
	tap_is_str(pn_sasl_name(pn_sasl_choose(all, PN_AUTH_ON, &cert_user)), "SCRAM-SHA-256",
		   "on with a certificate and a user: the password's mechanisms");
	tap_is_str(pn_sasl_name(pn_sasl_choose(all, PN_AUTH_SCRAM_SHA_1_PLUS, &pw_only)), "SCRAM-SHA-1-PLUS",
		   "a named -PLUS method is chosen even without a binding (the caller refuses)");
	char buf[300];
	pn_sasl_allowed(PN_AUTH_ON, &pw_only, buf, sizeof(buf));
	tap_is_str(buf, "SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN", "allowed: a password");
	pn_sasl_allowed(PN_AUTH_ON, &bind, buf, sizeof(buf));
	tap_is_str(buf, "SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS, SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN",
		   "allowed: a password and a binding");
	pn_sasl_allowed(PN_AUTH_ON, &oauth, buf, sizeof(buf));
	tap_is_str(buf, "OAUTHBEARER, XOAUTH2", "allowed: a token");
	pn_sasl_allowed(PN_AUTH_XOAUTH2, &pw_only, buf, sizeof(buf));
	tap_is_str(buf, "XOAUTH2", "allowed: a named method");
	pn_sasl_allowed(PN_AUTH_ON, &pw_only, buf, 12);
	tap_ok(strlen(buf) < 12, "allowed: bounded by the buffer");
}

/* plus_offered - the "y" flag looks for the -PLUS form of the method used */
static void plus_offered(void)
{
	const char *one = " SCRAM-SHA-1-PLUS SCRAM-SHA-1 SCRAM-SHA-256";
	tap_ok(pn_sasl_plus_offered(one, PN_SASL_SCRAM_SHA_1), "SCRAM-SHA-1: its -PLUS form is offered");
	tap_ok(!pn_sasl_plus_offered(one, PN_SASL_SCRAM_SHA_256),
	       "SCRAM-SHA-256: SCRAM-SHA-1-PLUS is not its -PLUS form");
	tap_ok(pn_sasl_plus_offered(" scram-sha-256-plus", PN_SASL_SCRAM_SHA_256),
	       "SCRAM-SHA-256: in any case");
	tap_ok(!pn_sasl_plus_offered(" PLAIN-PLUS SCRAM-SHA-1-PLUS", PN_SASL_PLAIN),
	       "PLAIN has no -PLUS form");
}

/* b64enc - base64 of a string, fresh */
static char *b64enc(const char *p, size_t n)
{
	gnutls_datum_t in = {(unsigned char *)p, (unsigned)n}, out = {NULL, 0};
	if (gnutls_base64_encode2(&in, &out) < 0)
		return NULL;
	char *r = strndup((char *)out.data, out.size);
	gnutls_free(out.data);
	return r;
}

/* b64dec - the decoded text of a base64 response, fresh */
static char *b64dec(const char *p)
{
	if (!p)
		return NULL;
	gnutls_datum_t in = {(unsigned char *)p, (unsigned)strlen(p)}, out = {NULL, 0};
	if (in.size && gnutls_base64_decode2(&in, &out) < 0)
		return strdup("(not base64)");
	char *r = strndup(out.data ? (char *)out.data : "", out.size);
	gnutls_free(out.data);
	return r;
}

/* check_raw - a response, decoded, compared with the raw text want
 * (chal: the raw challenge, base64'd here; NULL: the initial response) */
static void check_raw(struct pn_sasl *s, const char *chal, const char *want, const char *what)
{
	char *c = chal ? b64enc(chal, strlen(chal)) : NULL;
	char *got = response(s, c);
	char *raw = b64dec(got);
	tap_is_str(raw, want, what);
	free(raw);
	free(got);
	free(c);
}

/* the examples of RFC 5802 5 (SHA-1) and RFC 7677 3 (SHA-256) */
struct example {
	enum pn_sasl_mech mech;
	const char *nonce, *sfirst, *cfinal, *sfinal;
};
static const struct example rfc5802 = {
	PN_SASL_SCRAM_SHA_1, "fyko+d2lbbFgONRv9qkxdawL",
	"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
	"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};
static const struct example rfc7677 = {
	PN_SASL_SCRAM_SHA_256, "rOprNGfwEbeRWgbNEkqO",
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

/* scram_example - the whole exchange of one RFC example */
static void scram_example(const struct example *e, const char *name)
{
	char what[120], first[80];
	struct pn_sasl s = {.mech = e->mech, .user = "user", .password = PW("pencil"), .nonce = e->nonce};
	snprintf(first, sizeof(first), "n,,n=user,r=%s", e->nonce);
	snprintf(what, sizeof(what), "%s: client-first", name);
	check_raw(&s, NULL, first, what);
	snprintf(what, sizeof(what), "%s: client-final with the RFC's proof", name);
	check_raw(&s, e->sfirst, e->cfinal, what);
	tap_ok(!pn_sasl_complete(&s), "%s: 235 before the server's signature is not believed", name);
	snprintf(what, sizeof(what), "%s: the server's signature verifies; empty response", name);
	check_raw(&s, e->sfinal, "", what);
	tap_ok(s.verified && pn_sasl_complete(&s), "%s: verified", name);
	snprintf(what, sizeof(what), "%s: nothing after the server-final message", name);
	check_raw(&s, e->sfinal, NULL, what);
	pn_sasl_free(&s);
	tap_ok(!s.scram, "%s: state freed", name);
}

/* scram_refused - a server-first (sfinal NULL) or server-final message
 * that is refused with failure f */
static void scram_refused(const struct example *e, const char *sfirst, const char *sfinal,
			  enum pn_sasl_failure f, const char *what)
{
	struct pn_sasl s = {.mech = e->mech, .user = "user", .password = PW("pencil"), .nonce = e->nonce};
	free(response(&s, NULL));
	char *c = b64enc(sfirst, strlen(sfirst));
	char *r = response(&s, c);
	free(c);
	if (sfinal) {
		tap_ok(r != NULL, "%s: server-first answered", what);
		c = b64enc(sfinal, strlen(sfinal));
		free(r);
		r = response(&s, c);
		free(c);
	}
	tap_ok(r == NULL, "%s: no response", what);
	tap_is_int(s.failure, f, what);
	tap_ok(!pn_sasl_complete(&s), "%s: a 235 after it is not believed", what);
	free(r);
	pn_sasl_free(&s);
}

static void scram(void)
{
	scram_example(&rfc5802, "RFC 5802 SCRAM-SHA-1");
	scram_example(&rfc7677, "RFC 7677 SCRAM-SHA-256");
	const struct example *e = &rfc7677;
	scram_refused(e, e->sfirst, "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", PN_SASLF_FORGED,
		      "a forged server signature");
	scram_refused(e, e->sfirst, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", PN_SASLF_FORGED,
		      "a signature of the wrong length");
	scram_refused(e, e->sfirst, "e=invalid-proof", PN_SASLF_SERVER, "e= in the server-final message");
	scram_refused(e, e->sfirst, "x=1", PN_SASLF_MALFORMED, "a server-final message without v=");
	scram_refused(e, e->sfirst, "v=!!!", PN_SASLF_MALFORMED, "v= that is not base64");
	scram_refused(e, e->sfirst, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJR sjl95G4=", PN_SASLF_MALFORMED,
	              "v= with a blank inside (the right signature otherwise)");
	scram_refused(e, "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7s oEsUEjb6gQ==,i=4096", NULL,
	              PN_SASLF_MALFORMED, "a salt with a blank inside");
	scram_refused(e, "r=XrOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL, PN_SASLF_NONCE,
		      "a server nonce that does not start with ours");
	scram_refused(e, "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL, PN_SASLF_NONCE,
		      "a server nonce that adds nothing to ours");
	scram_refused(e, "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000001", NULL,
		      PN_SASLF_ITERATIONS, "an iteration count past the bound");
	scram_refused(e, "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999", NULL,
		      PN_SASLF_ITERATIONS, "a huge iteration count");
	scram_refused(e, "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", NULL, PN_SASLF_MALFORMED,
		      "an iteration count of 0");
	scram_refused(e, "r=rOprNGfwEbeRWgbNEkqOx,s=,i=4096", NULL, PN_SASLF_MALFORMED, "an empty salt");
	scram_refused(e, "m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL,
		      PN_SASLF_MALFORMED, "a mandatory extension");
	scram_refused(e, "e=unknown-user", NULL, PN_SASLF_SERVER, "e= in place of server-first");
	scram_refused(e, "r=rOprNGfwEbeRWgbNEkqOx,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==", NULL, PN_SASLF_MALFORMED,
		      "attributes out of order");

	struct pn_sasl empty = {.mech = PN_SASL_SCRAM_SHA_1, .user = "user", .password = PW("pencil"), .nonce = "n"};
	free(response(&empty, NULL));
	check(&empty, "", NULL, "an empty server-first message is refused");
	tap_is_int(empty.failure, PN_SASLF_MALFORMED, "an empty server-first message: MALFORMED");
	pn_sasl_free(&empty);

	/* a low count is the server's choice */
	struct pn_sasl low = {.mech = PN_SASL_SCRAM_SHA_256, .user = "user", .password = PW("pencil"), .nonce = "abc"};
	free(response(&low, NULL));
	char *c = b64enc("r=abcdef,s=c2FsdA==,i=1", 23);
	char *r = response(&low, c);
	tap_ok(r != NULL, "an iteration count of 1 is computed");
	free(r);
	free(c);
	pn_sasl_free(&low);

	struct pn_sasl err = {.mech = PN_SASL_SCRAM_SHA_1, .user = "user", .password = PW("pencil"), .nonce = "n"};
	free(response(&err, NULL));
	c = b64enc("e=other-error\nwith a line", 25);
	free(response(&err, c));
	free(c);
	tap_is_str(err.error, "other-error with a line", "e=: the server's words kept, control characters blanked");
	pn_sasl_free(&err);
}

/* scram_gs2 - the gs2 header and the channel binding */
static void scram_gs2(void)
{
	static const unsigned char cb[] = {0xde, 0xad, 0xbe, 0xef};
	struct pn_sasl s = {.mech = PN_SASL_SCRAM_SHA_256_PLUS, .user = "user", .password = PW("pencil"),
			    .nonce = "abc", .cb_type = "tls-exporter", .cb_data = cb, .cb_len = 4};
	check_raw(&s, NULL, "p=tls-exporter,,n=user,r=abc", "-PLUS: p=tls-exporter");
	char *c = b64enc("r=abcdef,s=c2FsdA==,i=1", 23);
	char *r = response(&s, c);
	char *raw = b64dec(r);
	/* base64("p=tls-exporter,," 0xdeadbeef) */
	tap_ok(raw && strncmp(raw, "c=cD10bHMtZXhwb3J0ZXIsLN6tvu8=,r=abcdef,p=", 42) == 0,
	       "-PLUS: c= carries the header and the binding data (%s)", raw ? raw : "NULL");
	free(raw);
	free(r);
	free(c);
	pn_sasl_free(&s);

	struct pn_sasl y = {.mech = PN_SASL_SCRAM_SHA_1, .user = "user", .password = PW("pencil"), .nonce = "abc",
			    .cb_type = "tls-unique", .cb_data = cb, .cb_len = 4};
	check_raw(&y, NULL, "y,,n=user,r=abc", "a binding and no -PLUS offered: y");
	pn_sasl_free(&y);
	y.plus_offered = true;
	check_raw(&y, NULL, "n,,n=user,r=abc", "a binding, -PLUS offered but not chosen: n");
	pn_sasl_free(&y);

	struct pn_sasl nob = {.mech = PN_SASL_SCRAM_SHA_1_PLUS, .user = "user", .password = PW("p"), .nonce = "a"};
	check(&nob, NULL, NULL, "-PLUS without a binding: no response");
	pn_sasl_free(&nob);

	struct pn_sasl esc = {.mech = PN_SASL_SCRAM_SHA_1, .user = "a,b=c", .password = PW("p"), .nonce = "x"};
	check_raw(&esc, NULL, "n,,n=a=2Cb=3Dc,r=x", "the user's ',' and '=' escaped");
	pn_sasl_free(&esc);
	struct pn_sasl prep = {.mech = PN_SASL_SCRAM_SHA_1, .user = "I\xc2\xadX\xe2\x85\xa8", .password = PW("p"),
			       .nonce = "x"};
	check_raw(&prep, NULL, "n,,n=IXIX,r=x", "the user SASLprep'd");
	pn_sasl_free(&prep);
	struct pn_sasl bad = {.mech = PN_SASL_SCRAM_SHA_1, .user = "user", .password = PW("a\x07"), .nonce = "x"};
	check(&bad, NULL, NULL, "a password SASLprep refuses: no response");
	tap_is_int(bad.failure, PN_SASLF_PREP, "a password SASLprep refuses: PREP");
	pn_sasl_free(&bad);
	/* a SASLprep'd password gives the RFC's proof: "pen\\u00ADcil" is "pencil" */
	struct pn_sasl soft = {.mech = PN_SASL_SCRAM_SHA_1, .user = "user", .password = PW("pen\xc2\xad" "cil"),
			       .nonce = rfc5802.nonce};
	free(response(&soft, NULL));
	check_raw(&soft, rfc5802.sfirst, rfc5802.cfinal, "the password is SASLprep'd before PBKDF2");
	pn_sasl_free(&soft);
}

static void oauth(void)
{
	struct pn_sasl x = {.mech = PN_SASL_XOAUTH2, .user = "someuser@example.com", .password = PW("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")};
	/* Google's documented example */
	check(&x, NULL,
	      "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
	      "XOAUTH2: Google's example byte for byte");
	check_raw(&x, "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}", "",
		  "XOAUTH2: an error challenge gets an empty line");
	tap_is_str(x.error, "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}",
		   "XOAUTH2: the error challenge is kept");
	check(&x, "e30=", NULL, "XOAUTH2: a second challenge is refused");

	struct pn_sasl o = {.mech = PN_SASL_OAUTHBEARER, .user = "user@example.com", .password = PW("vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="),
			    .host = "server.example.com", .port = 587};
	/* RFC 7628 4.1, with SMTP's port */
	check_raw(&o, NULL,
		  "n,a=user@example.com,\001host=server.example.com\001port=587\001auth=Bearer "
		  "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001",
		  "OAUTHBEARER: RFC 7628's initial response");
	check(&o, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", "AQ==", "OAUTHBEARER: an error challenge gets the dummy ^A");
	tap_is_str(o.error, "{\"status\":\"invalid_token\"}", "OAUTHBEARER: the error challenge is kept");
	check(&o, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", NULL, "OAUTHBEARER: a second challenge is refused");
	tap_ok(pn_sasl_complete(&o), "OAUTHBEARER: a 235 is believed");

	struct pn_sasl e = {.mech = PN_SASL_OAUTHBEARER, .user = "a,b=c", .password = PW("t"), .host = "h", .port = 1};
	check_raw(&e, NULL, "n,a=a=2Cb=3Dc,\001host=h\001port=1\001auth=Bearer t\001\001",
		  "OAUTHBEARER: the user escaped in the gs2 header");
}

static void external(void)
{
	struct pn_sasl s = {.mech = PN_SASL_EXTERNAL, .password = PW("")};
	check(&s, NULL, "=", "EXTERNAL without a user: the empty initial response");
	check(&s, "", NULL, "EXTERNAL: no challenge expected");
	struct pn_sasl u = {.mech = PN_SASL_EXTERNAL, .user = "alice", .password = PW("")};
	check(&u, NULL, "YWxpY2U=", "EXTERNAL with a user: its name as authorization identity");
}

static void none(void)
{
	struct pn_sasl s = {.mech = PN_SASL_NONE, .user = "u", .password = PW("p")};
	check(&s, NULL, NULL, "NONE: no initial response");
	check(&s, "VXNlcm5hbWU6", NULL, "NONE: no step response");
}

int main(void)
{
	choose();
	choose_allow();
	plus_offered();
	plain();
	login();
	cram_md5();
	scram();
	scram_gs2();
	oauth();
	external();
	none();
	return tap_done();
}
