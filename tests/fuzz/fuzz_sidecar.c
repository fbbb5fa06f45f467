/* fuzz_sidecar.c - libFuzzer target for what postern reads back from the
 * files it writes: the dead-letter sidecar (deadletter.c) and the escaped
 * values in it and in the log line (escape.c).  A sidecar may sit in a
 * folder another user can write, so its parser takes untrusted input.
 *
 * Checked, whatever the input:
 *  - pn_dead_parse either refuses it or yields an info that pn_dead_format
 *    writes out again, and that text parses to the same info and formats to
 *    the same text (a fixpoint: nothing is lost or added in a round trip);
 *  - pn_escape of the input (up to its first NUL) is one line without a
 *    second key, and pn_unescape gives the input back exactly;
 *  - pn_unescape of the raw input, when it succeeds, gives text that
 *    pn_escape writes back to the same bytes (unquoted form) or parses to
 *    the same value again.
 */
#include "../../src/deadletter.h"
#include "../../src/escape.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* same_list - two address lists hold the same addresses in order */
static bool same_list(const struct pn_addrlist *a, const struct pn_addrlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->addr[i], b->addr[i]) != 0)
			return false;
	return true;
}

/* same_str - two optional strings are equal */
static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* same_info - two parsed sidecars say the same */
static bool same_info(const struct pn_dead_info *a, const struct pn_dead_info *b)
{
	return same_str(a->account, b->account) && same_str(a->from, b->from) && same_list(&a->rcpt, &b->rcpt) &&
	       same_list(&a->args, &b->args) && a->read_recipients == b->read_recipients && a->code == b->code &&
	       same_str(a->error, b->error);
}

/* sidecar - parse, format, parse again, format again */
static void sidecar(const char *text, size_t n)
{
	struct pn_dead_info a, b;
	struct pn_error err;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	pn_error_init(&err);
	if (pn_dead_parse(text, n, "fuzz", &a, &err)) {
		struct pn_buf t1, t2;
		pn_buf_init(&t1, 1 << 22);
		pn_buf_init(&t2, 1 << 22);
		if (!pn_dead_format(&a, "d", &t1))
			fuzz_fail("a parsed sidecar cannot be written again", n);
		pn_error_init(&err);
		if (!pn_dead_parse(t1.data, t1.len, "fuzz", &b, &err))
			fuzz_fail("a sidecar as postern writes it is refused", t1.len);
		if (!same_info(&a, &b))
			fuzz_fail("a sidecar changes in a round trip", t1.len);
		if (!pn_dead_format(&b, "d", &t2) || t1.len != t2.len || memcmp(t1.data, t2.data, t1.len) != 0)
			fuzz_fail("writing a sidecar is not a fixpoint", t2.len);
		pn_buf_free(&t1);
		pn_buf_free(&t2);
	} else if (!pn_error_isset(&err)) {
		fuzz_fail("a refused sidecar without an error", n);
	}
	pn_dead_info_free(&a);
	pn_dead_info_free(&b);
}

/* escaping - escape the text, read it back */
static void escaping(const char *text, size_t n)
{
	size_t k = strnlen(text, n);
	char *v = strndup(text, k);
	for (int quote = 0; quote < 2; quote++) {
		struct pn_buf e, u;
		pn_buf_init(&e, 1 << 22);
		pn_buf_init(&u, 1 << 22);
		if (!pn_escape(&e, v, quote))
			fuzz_fail("pn_escape failed below its cap", k);
		if (e.data && (memchr(e.data, '\n', e.len) || memchr(e.data, '\r', e.len)))
			fuzz_fail("an escaped value holds a line break", k);
		if (e.data && e.len && e.data[0] == '\'' && memchr(e.data + 1, '\'', e.len - 2))
			fuzz_fail("a quoted value holds a quote of its own", k);
		if (!pn_unescape(e.data ? e.data : "", e.len, &u))
			fuzz_fail("pn_unescape refuses what pn_escape wrote", e.len);
		if (u.len != k || (k && memcmp(u.data, v, k) != 0))
			fuzz_fail("an escaped value does not read back the same", k);
		pn_buf_free(&e);
		pn_buf_free(&u);
	}
	free(v);
}

/* unescaping - what reads back is written back the same way */
static void unescaping(const char *text, size_t n)
{
	struct pn_buf u, e, u2;
	pn_buf_init(&u, 1 << 22);
	pn_buf_init(&e, 1 << 22);
	pn_buf_init(&u2, 1 << 22);
	if (pn_unescape(text, n, &u) && !(u.data && memchr(u.data, '\0', u.len))) {
		bool quoted = n && text[0] == '\'';
		if (!pn_escape(&e, u.data ? u.data : "", quoted))
			fuzz_fail("pn_escape failed below its cap", u.len);
		if (!pn_unescape(e.data ? e.data : "", e.len, &u2) || u2.len != u.len ||
		    (u.len && memcmp(u.data, u2.data, u.len) != 0))
			fuzz_fail("an unescaped value changes when written again", n);
	}
	pn_buf_free(&u);
	pn_buf_free(&e);
	pn_buf_free(&u2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	sidecar(text, size);
	escaping(text, size);
	unescaping(text, size);
	return 0;
}
