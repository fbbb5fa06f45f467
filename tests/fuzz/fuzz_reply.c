/* fuzz_reply.c - libFuzzer target for the SMTP reply parser (reply.c).
 *
 * The input is split into lines at LF (a CR before the LF is dropped, as
 * the network layer does) and fed to pn_reply_feed until a reply is DONE or
 * BAD; then the next reply starts with the following line.  After every
 * reply, finished or not, pn_reply_oneline is called into heap buffers of
 * exactly 0..8, 9, 16, 64, 513 and 4096 bytes, so that AddressSanitizer
 * sees any write past the size it was given; the result must be a
 * terminated string shorter than the buffer, without control characters.
 * Every line is also checked against an independent model of the grammar
 * (RFC 5321 4.2: three digits 2xx..5xx, then end, ' ' or '-'; one code for
 * all lines; RFC 3463 enhanced code on the first line, class matching and
 * 2, 4 or 5): the
 * state returned, the code, the enhanced code and the joined text must be
 * what the model says (BAD is allowed for a good line only when the reply
 * would pass PN_REPLY_MAX).
 */
#include "../../src/reply.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 64, 513, 4096};

/* check_reply - the parsed fields are sane */
static void check_reply(const struct pn_reply *r, enum pn_reply_state st)
{
	if (st == PN_REPLY_BAD)
		return;
	if (r->code < 200 || r->code > 599)
		fuzz_fail("reply code out of 2xx..5xx", (size_t)r->code);
	if (r->lines == 0)
		fuzz_fail("a reply that was accepted has no lines", 0);
	size_t el = strnlen(r->enhanced, sizeof(r->enhanced));
	if (el >= sizeof(r->enhanced))
		fuzz_fail("enhanced code not terminated", el);
	if (el && (r->enhanced[0] != '0' + r->code / 100 || el < 5))
		fuzz_fail("enhanced code does not match the reply class", el);
	if (r->text.data && strlen(r->text.data) > r->text.len)
		fuzz_fail("reply text longer than its length", r->text.len);
}

/* oneline - every buffer size */
static void oneline(const struct pn_reply *r)
{
	for (size_t k = 0; k < PN_ARRAY_LEN(sizes); k++) {
		size_t size = sizes[k];
		char *out = malloc(size ? size : 1);
		if (!out)
			abort();
		if (!size)
			out[0] = 'X';
		pn_reply_oneline(r, out, size);
		if (!size) {
			if (out[0] != 'X')
				fuzz_fail("pn_reply_oneline wrote into a buffer of size 0", 0);
			free(out);
			continue;
		}
		size_t len = strnlen(out, size);
		if (len >= size)
			fuzz_fail("pn_reply_oneline left the buffer unterminated", size);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				fuzz_fail("control character in pn_reply_oneline output", i);
		free(out);
	}
}

/* model_line - 0 bad, 1 a last line, 2 a line with more to come */
static int model_line(const char *l, size_t len, int first_code, int *code)
{
	if (len < 3)
		return 0;
	for (size_t i = 0; i < 3; i++)
		if (l[i] < '0' || l[i] > '9')
			return 0;
	if (l[0] < '2' || l[0] > '5')
		return 0;
	if (len > 3 && l[3] != ' ' && l[3] != '-')
		return 0;
	*code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (first_code && *code != first_code)
		return 0;
	return len > 3 && l[3] == '-' ? 2 : 1;
}

/* model_run - n digits, 1 <= n <= max, at t[*i]; advances *i */
static bool model_run(const char *t, size_t len, size_t *i, size_t max)
{
	size_t k = 0;
	while (*i < len && t[*i] >= '0' && t[*i] <= '9') {
		(*i)++;
		k++;
	}
	return k >= 1 && k <= max;
}

/* model_enhanced - the RFC 3463 code at the start of t, or "": its class
 * is the reply's, and only 2, 4 or 5 (RFC 3463 2: a 3xx reply has none) */
static void model_enhanced(const char *t, size_t len, int code, char *out)
{
	size_t i = 0;
	out[0] = '\0';
	if (len < 1 || t[0] != '0' + code / 100 || (t[0] != '2' && t[0] != '4' && t[0] != '5'))
		return;
	i = 1;
	if (i >= len || t[i++] != '.' || !model_run(t, len, &i, 3))
		return;
	if (i >= len || t[i++] != '.' || !model_run(t, len, &i, 3))
		return;
	if (i < len && t[i] != ' ')
		return;
	memcpy(out, t, i);
	out[i] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct pn_reply r;
	pn_reply_init(&r);
	enum pn_reply_state st = PN_REPLY_MORE;
	bool started = false;
	/* the model's view of the reply being read */
	int m_code = 0;
	char m_enh[16] = "";
	char *m_text = malloc(size + 1);
	size_t m_len = 0, m_lines = 0;
	if (!m_text)
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len && p[len - 1] == '\r')
			len--;
		/* a copy of exactly the line, so a read past it is seen */
		char *line = malloc(len ? len : 1);
		if (!line)
			abort();
		memcpy(line, p, len);
		st = pn_reply_feed(&r, line, len);

		int code = 0;
		int want = model_line(p, len, m_code, &code);
		const char *t = len > 4 ? p + 4 : "";
		size_t tlen = len > 4 ? len - 4 : 0;
		size_t grown = m_len + (m_lines ? 1 : 0) + tlen;
		if (want == 0 && st != PN_REPLY_BAD)
			fuzz_fail("a line that breaks the reply grammar was accepted", (size_t)(p - (const char *)data));
		if (want != 0 && st == PN_REPLY_BAD && grown <= PN_REPLY_MAX)
			fuzz_fail("a good reply line was refused", (size_t)(p - (const char *)data));
		if (want != 0 && st != PN_REPLY_BAD) {
			if (st != (want == 1 ? PN_REPLY_DONE : PN_REPLY_MORE))
				fuzz_fail("a reply line's continuation mark was misread", (size_t)(p - (const char *)data));
			if (!m_lines) {
				m_code = code;
				model_enhanced(t, tlen, code, m_enh);
			}
			if (m_lines)
				m_text[m_len++] = '\n';
			memcpy(m_text + m_len, t, tlen);
			m_len += tlen;
			m_lines++;
			if (r.code != m_code || r.lines != m_lines)
				fuzz_fail("reply code or line count differs from the model", r.lines);
			if (strcmp(r.enhanced, m_enh) != 0)
				fuzz_fail("enhanced code differs from the model", 0);
			if (r.text.len != m_len || (m_len && memcmp(r.text.data, m_text, m_len) != 0))
				fuzz_fail("reply text differs from the lines' text", r.text.len);
		}
		free(line);
		started = true;
		p = nl ? nl + 1 : end;
		check_reply(&r, st);
		if (st != PN_REPLY_MORE) {
			oneline(&r);
			pn_reply_reset(&r);
			started = false;
			m_code = 0;
			m_enh[0] = '\0';
			m_len = m_lines = 0;
		}
	}
	if (started) /* a reply cut off by the end of the input */
		oneline(&r);
	free(m_text);
	pn_reply_free(&r);
	return 0;
}
