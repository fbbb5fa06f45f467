/* test_json.c - the strict JSON reader (json.c): RFC 8259's grammar, its
 * limits, and the member lookups OAuth 2.0 replies need. */
#include "json.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* valid - text is accepted */
static bool valid(const char *text)
{
	struct pn_json j;
	const char *why = NULL;
	return pn_json_parse(&j, text, strlen(text), &why);
}

static const char *const good[] = {
	"{}", "[]", " {\"a\":1} ", "0", "-0", "1.5e+10", "-12.25E-3", "\"\"", "true", "false", "null",
	"{\"a\":[1,{\"b\":null},\"x\"],\"c\":{}}", "\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
	"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "[\n\t1\r\n]",
};

static const char *const bad[] = {
	"", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "{a:1}", "{'a':1}", "01", "1.",
	".5", "1e", "+1", "-", "0x10", "NaN", "Infinity", "tru", "nulll", "\"abc", "\"a\tb\"", "\"\\x41\"",
	"\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "{} {}", "{}x", "[1]]",
	"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\"\x80\"", "\"\xff\"",
	"\"\\u0000\xe9\"",
};

/* depth - n nested arrays */
static bool depth(int n)
{
	char *s = malloc((size_t)n * 2 + 1);
	memset(s, '[', (size_t)n);
	memset(s + n, ']', (size_t)n);
	s[2 * n] = '\0';
	bool ok = valid(s);
	free(s);
	return ok;
}

/* str - the member's decoded string, or NULL */
static char *str(const char *text, const char *name)
{
	struct pn_json j;
	const char *why;
	if (!pn_json_parse(&j, text, strlen(text), &why))
		return NULL;
	struct pn_buf b;
	pn_buf_init(&b, 1024);
	char *r = pn_json_string(&j, name, &b) ? strdup(b.data ? b.data : "") : NULL;
	pn_buf_free(&b);
	return r;
}

/* integer - the member as an integer, or -999 */
static long long integer(const char *text, const char *name)
{
	struct pn_json j;
	const char *why;
	long long x = -999;
	if (!pn_json_parse(&j, text, strlen(text), &why) || !pn_json_integer(&j, name, &x))
		return -999;
	return x;
}

/* lookups - members of a token reply */
static void lookups(void)
{
	const char *reply = "{\"token_type\":\"Bearer\",\"nested\":{\"access_token\":\"no\"},\"expires_in\":3599,"
			    "\"ext_expires_in\":\"3599\",\"access_token\":\"eyJ0\\u0065st\",\"list\":[1,[2],{\"x\":3}],"
			    "\"error_codes\":[70008,700082],\"f\":1.5,\"big\":123456789012345678}";
	char *s = str(reply, "access_token");
	tap_is_str(s, "eyJ0est", "a top-level string member, its escape decoded");
	free(s);
	s = str(reply, "nested");
	tap_ok(s == NULL, "an object is not a string");
	free(s);
	s = str(reply, "missing");
	tap_ok(s == NULL, "a missing member");
	free(s);
	tap_is_int((long)integer(reply, "expires_in"), 3599, "an integer member");
	tap_is_int((long)integer(reply, "ext_expires_in"), 3599, "an integer given as a string of digits");
	tap_is_int((long)integer(reply, "f"), -999, "a fraction is no integer");
	tap_is_int((long)integer(reply, "big"), -999, "an integer past 2^53 is refused");
	tap_is_int((long)integer(reply, "token_type"), -999, "a word is no integer");
	struct pn_json j;
	const char *why;
	tap_ok(pn_json_parse(&j, reply, strlen(reply), &why), "the reply is valid");
	tap_ok(pn_json_array_has_integer(&j, "error_codes", 700082), "error_codes holds 700082");
	tap_ok(!pn_json_array_has_integer(&j, "error_codes", 7000), "error_codes does not hold 7000");
	tap_ok(!pn_json_array_has_integer(&j, "list", 3), "a number in a nested object is not an element");
	const char *dup = "{\"access_token\":\"a\",\"access_token\":\"b\"}";
	s = str(dup, "access_token");
	tap_ok(s == NULL, "a member named twice is refused");
	free(s);
	s = str("{\"a\\u0063cess_token\":\"x\"}", "access_token");
	tap_is_str(s, "x", "a member name is compared decoded");
	free(s);
	s = str("{\"a\":\"x\\u0000y\"}", "a");
	tap_ok(s == NULL, "a string holding U+0000 is refused by the lookup");
	free(s);
	s = str("[\"a\"]", "a");
	tap_ok(s == NULL, "no members in an array");
	free(s);
	s = str("{\"e\":\"\\ud83d\\ude00\"}", "e");
	tap_is_str(s, "\xf0\x9f\x98\x80", "a surrogate pair becomes one UTF-8 character");
	free(s);
}

/* caps - the size bound, and a string past the caller's buffer */
static void caps(void)
{
	size_t n = PN_JSON_MAX_SIZE + 1;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, "{}", 2);
	big[n] = '\0';
	struct pn_json j;
	const char *why = NULL;
	tap_ok(!pn_json_parse(&j, big, n, &why) && why && strcmp(why, "too large") == 0, "a text past the cap");
	tap_ok(pn_json_parse(&j, big, n - 1, &why), "a text of the cap");
	free(big);
	const char *t = "{\"a\":\"0123456789\"}";
	tap_ok(pn_json_parse(&j, t, strlen(t), &why), "small reply");
	struct pn_buf b;
	pn_buf_init(&b, 5);
	tap_ok(!pn_json_string(&j, "a", &b), "a string past the buffer's cap is refused, not cut");
	pn_buf_free(&b);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		tap_ok(valid(good[i]), "valid: %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(!valid(bad[i]), "invalid #%zu", i);
	struct pn_json j;
	const char *why;
	tap_ok(!pn_json_parse(&j, "{\"a\":1}\0", 8, &why), "a NUL after the value is trailing garbage");
	tap_ok(depth(PN_JSON_MAX_DEPTH + 1), "nesting up to the bound");
	tap_ok(!depth(PN_JSON_MAX_DEPTH + 2), "nesting past the bound");
	tap_ok(!depth(30000), "deep nesting does not exhaust the stack");
	lookups();
	caps();
	return tap_done();
}
