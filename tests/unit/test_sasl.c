/* test_sasl.c - choosing a SASL mechanism and the PLAIN, LOGIN and CRAM-MD5
 * exchanges, against hand-computed base64 and RFC 2195's example. */
#include "rcfile.h" /* enum pn_auth */
#include "sasl.h"
#include "tap.h"

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
	}
	return "?";
}

static void choose(void)
{
	static const struct ccase cases[] = {
		{" PLAIN LOGIN CRAM-MD5", PN_AUTH_ON, PN_SASL_PLAIN},
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
		tap_is_str(pn_sasl_name(pn_sasl_choose(cases[i].offered, cases[i].auth)),
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

static void none(void)
{
	struct pn_sasl s = {.mech = PN_SASL_NONE, .user = "u", .password = PW("p")};
	check(&s, NULL, NULL, "NONE: no initial response");
	check(&s, "VXNlcm5hbWU6", NULL, "NONE: no step response");
}

int main(void)
{
	choose();
	plain();
	login();
	cram_md5();
	none();
	return tap_done();
}
