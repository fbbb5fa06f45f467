/* test_loginflow.c - --oauth2-login's pure pieces: percent-encoding, PKCE
 * (RFC 7636 appendix B), the loopback redirect's request line and the
 * device flow's polling rules (RFC 8628 3.5), table-driven. */
#include "loginflow.h"
#include "tap.h"

#include <string.h>
#include <sysexits.h>

/* test_encode - unreserved kept, everything else %XX in upper case */
static void test_encode(void)
{
	struct pn_buf b;
	pn_buf_init(&b, 1024);
	tap_ok(pn_url_encode(&b, "aZ09-._~"), "unreserved characters encode");
	tap_is_str(b.data, "aZ09-._~", "unreserved characters stay as they are");
	pn_buf_reset(&b);
	tap_ok(pn_url_encode(&b, "a b&c=d/e?f+g%h\xc3\xa9"), "reserved characters encode");
	tap_is_str(b.data, "a%20b%26c%3Dd%2Fe%3Ff%2Bg%25h%C3%A9", "space, & = / ? + % and UTF-8 as %XX");
	pn_buf_reset(&b);
	tap_ok(pn_query_add(&b, "redirect_uri", "http://127.0.0.1:8080/") && pn_query_add(&b, "scope", "a b"),
	       "two form fields");
	tap_is_str(b.data, "redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F&scope=a%20b",
	           "joined by & and encoded");
	pn_buf_free(&b);
	pn_buf_init(&b, 5);
	tap_ok(!pn_url_encode(&b, "a b c"), "past the cap: false");
	pn_buf_free(&b);
}

/* test_pkce - RFC 7636 appendix B's octets, verifier and challenge */
static void test_pkce(void)
{
	static const unsigned char rnd[PN_PKCE_RANDOM] = {
	    116, 24,  223, 180, 151, 153, 224, 37,  79, 250, 96, 125, 216, 173, 187, 186,
	    22,  212, 37,  77,  105, 214, 191, 240, 91, 88,  5,  88,  83,  132, 141, 121};
	struct pn_buf v, c;
	pn_buf_init_secret(&v, 128);
	pn_buf_init(&c, 128);
	tap_ok(pn_pkce_verifier(&v, rnd), "verifier made");
	tap_is_str(v.data, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "RFC 7636 B: the verifier");
	tap_is_int((long)v.len, PN_PKCE_LEN, "the verifier is 43 characters");
	tap_ok(pn_pkce_challenge(&c, v.data), "challenge made");
	tap_is_str(c.data, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "RFC 7636 B: the S256 challenge");
	pn_buf_reset(&c);
	tap_ok(pn_base64url(&c, (const unsigned char *)"\xfb\xff", 2), "base64url of 2 octets");
	tap_is_str(c.data, "-_8", "URL-safe alphabet, no padding");
	pn_buf_free(&v);
	pn_buf_free(&c);
}

struct rcase {
	const char *line;
	enum pn_redirect_kind kind;
	const char *code, *state, *error, *description;
};

static const struct rcase redirects[] = {
    {"GET /?code=abc&state=xyz HTTP/1.1", PN_REDIRECT_CODE, "abc", "xyz", "", ""},
    {"GET /?state=s%2F1&code=4%2F0A+b&scope=email HTTP/1.1", PN_REDIRECT_CODE, "4/0A b", "s/1", "", ""},
    {"GET /?error=access_denied&error_description=The+user+said+no&state=s HTTP/1.1", PN_REDIRECT_ERROR, "",
     "s", "access_denied", "The user said no"},
    {"GET /favicon.ico HTTP/1.1", PN_REDIRECT_OTHER, "", "", "", ""},
    {"GET /other?code=a&state=b HTTP/1.1", PN_REDIRECT_OTHER, "", "", "", ""},
    {"POST /?code=a&state=b HTTP/1.1", PN_REDIRECT_OTHER, "", "", "", ""},
    {"GET / HTTP/1.1", PN_REDIRECT_BAD, "", "", "", ""},
    {"GET /?code=a HTTP/1.1", PN_REDIRECT_BAD, "a", "", "", ""},
    {"GET /?state=b HTTP/1.1", PN_REDIRECT_BAD, "", "b", "", ""},
    {"GET /?code=&state=b HTTP/1.1", PN_REDIRECT_BAD, "", "b", "", ""},
    {"GET /?code=a&code=b&state=c HTTP/1.1", PN_REDIRECT_BAD, NULL, NULL, NULL, NULL},
    {"GET /?code=a%0&state=c HTTP/1.1", PN_REDIRECT_BAD, NULL, NULL, NULL, NULL},
    {"GET /?code=a%zz&state=c HTTP/1.1", PN_REDIRECT_BAD, NULL, NULL, NULL, NULL},
    {"GET /?code=a%00b&state=c HTTP/1.1", PN_REDIRECT_BAD, NULL, NULL, NULL, NULL},
    {"GET /?code=a&state=c", PN_REDIRECT_BAD, NULL, NULL, NULL, NULL},
    {"GET /?error=&state=c HTTP/1.1", PN_REDIRECT_BAD, NULL, NULL, NULL, NULL},
    {"GET /?code&state=c HTTP/1.1", PN_REDIRECT_BAD, NULL, NULL, NULL, NULL},
    {"GET /?&&code=a&&state=c&x HTTP/1.0", PN_REDIRECT_CODE, "a", "c", "", ""},
    {"", PN_REDIRECT_OTHER, "", "", "", ""},
};

/* test_redirect - every request line of the table */
static void test_redirect(void)
{
	struct pn_redirect r;
	pn_redirect_init(&r);
	for (size_t i = 0; i < sizeof(redirects) / sizeof(redirects[0]); i++) {
		const struct rcase *t = &redirects[i];
		enum pn_redirect_kind k = pn_redirect_parse(&r, t->line, strlen(t->line));
		tap_is_int(k, t->kind, t->line);
		if (!t->code)
			continue;
		tap_is_str(r.code.data ? r.code.data : "", t->code, "... its code");
		tap_is_str(r.state.data ? r.state.data : "", t->state, "... its state");
		tap_is_str(r.error.data ? r.error.data : "", t->error, "... its error");
		tap_is_str(r.description.data ? r.description.data : "", t->description,
		           "... its description");
	}
	/* a request line not terminated where it ends: nothing read past n */
	const char line[] = "GET /?code=a&state=bXXXX";
	tap_is_int(pn_redirect_parse(&r, line, 19), PN_REDIRECT_BAD, "the line ends at n");
	pn_redirect_free(&r);
}

/* test_device - pending, slow_down, expiry, denial */
static void test_device(void)
{
	struct pn_device d;
	long long w = -1;
	int code = 0;
	const char *why = NULL;
	pn_device_start(&d, -1, -1, 0);
	tap_is_int(d.interval_ms, 5000, "no interval given: 5 s");
	tap_is_int(d.expires_at, PN_DEVICE_EXPIRES * 1000LL, "no expires_in given: the default bound");
	pn_device_start(&d, 1, 30, 1000);
	tap_is_int(pn_device_step(&d, "authorization_pending", 1000, &w, &code, &why), PN_DEVICE_WAIT,
	           "pending: wait");
	tap_is_int(w, 1000, "... the interval");
	tap_is_int(pn_device_step(&d, "authorization_pending", 2000, &w, &code, &why), PN_DEVICE_WAIT,
	           "pending again");
	tap_is_int(pn_device_step(&d, "slow_down", 3000, &w, &code, &why), PN_DEVICE_WAIT, "slow_down: wait");
	tap_is_int(w, 6000, "... 5 s more than before");
	tap_is_int(pn_device_step(&d, "authorization_pending", 9000, &w, &code, &why), PN_DEVICE_WAIT,
	           "pending after");
	tap_is_int(w, 6000, "... the slower interval stays");
	tap_is_int(pn_device_step(&d, NULL, 15000, &w, &code, &why), PN_DEVICE_DONE, "a token: done");
	tap_is_int(pn_device_step(&d, "authorization_pending", 26000, &w, &code, &why), PN_DEVICE_FAIL,
	           "the next poll would come after expires_in: fail");
	tap_is_int(code, EX_TEMPFAIL, "... 75");
	tap_ok(why && strstr(why, "expired"), "... saying it expired");
	pn_device_start(&d, 0, 30, 0);
	tap_is_int(pn_device_step(&d, "expired_token", 0, &w, &code, &why), PN_DEVICE_FAIL,
	           "expired_token: fail");
	tap_is_int(code, EX_TEMPFAIL, "... 75");
	tap_is_int(pn_device_step(&d, "access_denied", 0, &w, &code, &why), PN_DEVICE_FAIL,
	           "access_denied: fail");
	tap_is_int(code, EX_NOPERM, "... 77");
	tap_is_int(pn_device_step(&d, "invalid_client", 0, &w, &code, &why), PN_DEVICE_FAIL,
	           "invalid_client: fail");
	tap_ok(why == NULL, "... explained by the caller, as every token endpoint's error (pn_oauth_fail)");
	tap_is_int(pn_device_step(&d, "server_error", 0, &w, &code, &why), PN_DEVICE_FAIL,
	           "an unknown error: fail");
	tap_ok(why == NULL, "... explained by the caller");
	tap_is_int(pn_device_step(&d, "expired_token", 0, &w, &code, &why), PN_DEVICE_FAIL,
	           "expired_token again");
	tap_ok(why && strstr(why, "expired"), "... in the device flow's own words");
	pn_device_start(&d, 0, 100000, 0);
	tap_is_int(d.expires_at, PN_DEVICE_MAX_WAIT * 1000LL, "expires_in is bounded by postern's own limit");
}

int main(void)
{
	test_encode();
	test_pkce();
	test_redirect();
	test_device();
	return tap_done();
}
