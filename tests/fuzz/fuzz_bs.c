/* fuzz_bs.c - libFuzzer target for the -bs command parser and the DATA
 * un-stuffer (serve_parse.c).
 *
 * The input is split into lines at LF (a CR before it dropped, as the
 * session's reader does); each line, copied into a heap buffer of exactly
 * its length, goes to pn_serve_parse.  What it accepts must be safe to pass
 * on: a MAIL or RCPT address is at most 254 octets, holds no control
 * character, space outside a quoted string, '<' or '>' outside one, and is
 * valid UTF-8 (flagged when non-ASCII); a refusal carries a 5xx reply with
 * an enhanced code of class 5 and printable text.  The whole input is then
 * un-stuffed as DATA in one piece and in pieces of every size from 1 to 7:
 * the results must be the same, the text never longer than the input, and
 * the end of data seen only after CRLF "." CRLF (or "." CRLF at the start).
 */
#include "../../src/serve.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* check_text - a reply text: printable ASCII */
static void check_text(const char *t)
{
	if (!t)
		fuzz_fail("a refusal without text", 0);
	for (size_t i = 0; t[i]; i++)
		if ((unsigned char)t[i] < 32 || (unsigned char)t[i] > 126)
			fuzz_fail("control or non-ASCII octet in a reply text", i);
}

/* check_addr - an accepted MAIL/RCPT address */
static void check_addr(const struct pn_cmd *c)
{
	size_t n = strnlen(c->addr, sizeof(c->addr));
	if (n >= sizeof(c->addr) || n > PN_SERVE_PATH_MAX - 2)
		fuzz_fail("address longer than a path allows", n);
	if (c->verb == PN_VERB_RCPT && n == 0)
		fuzz_fail("an empty recipient was accepted", 0);
	bool quoted = false, high = false, literal = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c->addr[i];
		if (ch < 32 || ch == 127)
			fuzz_fail("control octet in an accepted address", i);
		high |= ch >= 0x80;
		if (quoted && ch == '\\') {
			i++;
			continue;
		}
		if (ch == '"' && !literal)
			quoted = !quoted;
		else if (!quoted && ch == '[' && i && c->addr[i - 1] == '@')
			literal = true;
		else if (!quoted && strchr(" <>(),;", ch))
			fuzz_fail("a special character outside quotes in an accepted address", i);
		else if (!quoted && !literal && ch == ':')
			fuzz_fail("a ':' outside quotes and address literals", i);
	}
	if (high != c->utf8)
		fuzz_fail("the utf8 flag does not match the address", n);
}

/* parse_line - one line, in a buffer of exactly its size */
static void parse_line(const char *p, size_t len)
{
	char *line = malloc(len ? len : 1);
	if (!line)
		abort();
	memcpy(line, p, len);
	struct pn_cmd c;
	bool ok = pn_serve_parse(line, len, &c);
	free(line);
	if (ok != (c.verb != PN_VERB_BAD))
		fuzz_fail("the result and the verb disagree", 0);
	if (!ok) {
		if (c.code < 500 || c.code > 555 || !c.enhanced || c.enhanced[0] != '5')
			fuzz_fail("a refusal that is not a 5xx with a 5.x.x code", (size_t)c.code);
		check_text(c.text);
		return;
	}
	if (len + 2 > PN_SERVE_LINE_MAX || memchr(p, '\r', len) || memchr(p, '\0', len))
		fuzz_fail("an overlong line or one with CR or NUL was accepted", len);
	if (c.verb == PN_VERB_MAIL || c.verb == PN_VERB_RCPT)
		check_addr(&c);
}

/* unstuff - the data in pieces of size step (0: at once); out has room */
static size_t unstuff(const char *p, size_t n, size_t step, char *out, size_t *used, bool *done)
{
	struct pn_unstuff u;
	pn_unstuff_init(&u);
	size_t o = 0, i = 0;
	while (i < n && !u.done) {
		size_t piece = step && n - i > step ? step : n - i;
		size_t on = 0;
		size_t k = pn_unstuff_feed(&u, p + i, piece, out + o, &on);
		if (k > piece || on > piece + 1)
			fuzz_fail("the un-stuffer used or wrote more than it was given", i);
		if (k < piece && !u.done)
			fuzz_fail("the un-stuffer stopped early without the end of data", i);
		i += k;
		o += on;
	}
	*used = i;
	*done = u.done;
	return o;
}

/* check_data - chunking does not matter; the end is a real end */
static void check_data(const char *p, size_t n)
{
	char *whole = malloc(n + 2), *piece = malloc(n + 2);
	if (!whole || !piece)
		abort();
	size_t used, used2;
	bool done, done2;
	size_t wn = unstuff(p, n, 0, whole, &used, &done);
	if (wn > n)
		fuzz_fail("the text is longer than the data", wn);
	if (done && !((used >= 5 && memcmp(p + used - 5, "\r\n.\r\n", 5) == 0) ||
		      (used == 3 && memcmp(p, ".\r\n", 3) == 0)))
		fuzz_fail("the end of data without CRLF . CRLF", used);
	for (size_t step = 1; step <= 7; step++) {
		size_t pn = unstuff(p, n, step, piece, &used2, &done2);
		if (pn != wn || used2 != used || done2 != done || memcmp(whole, piece, wn) != 0)
			fuzz_fail("the un-stuffed text depends on how the data was cut", step);
	}
	free(whole);
	free(piece);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len && p[len - 1] == '\r')
			len--;
		parse_line(p, len);
		p = nl ? nl + 1 : end;
	}
	check_data((const char *)data, size);
	return 0;
}
