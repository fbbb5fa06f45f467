/* fuzz_json.c - libFuzzer target for the strict JSON reader (json.c).
 *
 * The input, copied to a heap buffer of exactly its size (so that
 * AddressSanitizer sees any read past it), is parsed.  Whatever it is, the
 * reader must not crash, and:
 *   - an accepted text followed by "}" is refused (nothing may follow the
 *     value), and followed by a space is accepted (whitespace may);
 *   - an accepted text is no larger than PN_JSON_MAX_SIZE;
 *   - the members that OAuth 2.0 replies are read through (and the first
 *     member name the input holds) decode to valid UTF-8 without U+0000,
 *     never longer than the value's text, and integers stay within 2^53.
 */
#include "../../src/json.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* utf8_ok - an independent check of well-formed UTF-8 (RFC 3629) */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!k || i + k > n || c == 0)
			return false;
		unsigned long u = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			u = u << 6 | (s[i + j] & 0x3f);
		}
		static const unsigned long least[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (u < least[k] || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
			return false;
		i += k;
	}
	return true;
}

/* check_member - the lookups of one name */
static void check_member(const struct pn_json *j, const char *name)
{
	const char *v = NULL;
	size_t vn = 0;
	enum pn_json_type t = pn_json_member(j, name, &v, &vn);
	if (t != PN_JSON_MISSING && t != PN_JSON_DUPLICATE && (v < j->p || v + vn > j->p + j->n || vn == 0))
		fuzz_fail("a member's value lies outside the text", vn);
	struct pn_buf b;
	pn_buf_init(&b, PN_JSON_MAX_SIZE);
	bool s = pn_json_string(j, name, &b);
	if (s && !utf8_ok((const unsigned char *)(b.data ? b.data : ""), b.len))
		fuzz_fail("a decoded string is not valid UTF-8 or holds U+0000", b.len);
	if (s && b.len > vn)
		fuzz_fail("a decoded string is longer than its text", b.len);
	if (s && t != PN_JSON_STRING)
		fuzz_fail("a string read from a member that is not one", 0);
	pn_buf_free(&b);
	long long x;
	if (pn_json_integer(j, name, &x) && (x > (1LL << 53) || x < -(1LL << 53)))
		fuzz_fail("an integer out of range", 0);
	(void)pn_json_array_has_integer(j, name, 700082);
}

/* first_name - the first member name of a top-level object, raw (no
 * escapes), or "" */
static char *first_name(const char *p, size_t n)
{
	const char *q = memchr(p, '"', n);
	const char *e = q ? memchr(q + 1, '"', n - (size_t)(q + 1 - p)) : NULL;
	if (!e || memchr(q, '\\', (size_t)(e - q)) || memchr(q + 1, '\0', (size_t)(e - q - 1)))
		return strdup("");
	return strndup(q + 1, (size_t)(e - q - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);
	if (!p)
		abort();
	memcpy(p, data, size);
	struct pn_json j;
	const char *why = NULL;
	bool ok = pn_json_parse(&j, p, size, &why);
	if (!ok && !why)
		fuzz_fail("a refusal without a reason", 0);
	if (ok && size > PN_JSON_MAX_SIZE)
		fuzz_fail("a text past the cap was accepted", size);
	if (ok && size < PN_JSON_MAX_SIZE) {
		struct pn_json k;
		p[size] = '}';
		if (pn_json_parse(&k, p, size + 1, &why))
			fuzz_fail("a '}' after a complete value was accepted", size);
		p[size] = ' ';
		if (!pn_json_parse(&k, p, size + 1, &why))
			fuzz_fail("a space after a complete value was refused", size);
	}
	if (ok) {
		static const char *const names[] = {"access_token", "refresh_token", "expires_in", "error",
						    "error_description", "error_codes", "a", ""};
		for (size_t i = 0; i < PN_ARRAY_LEN(names); i++)
			check_member(&j, names[i]);
		char *f = first_name(p, size);
		check_member(&j, f);
		free(f);
	}
	free(p);
	return 0;
}
