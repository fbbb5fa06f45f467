/* fuzz_canon.c - libFuzzer target for the DATA canonicalizer (canon.c).
 *
 * The first input byte seeds the chunk sizes; the rest is the message.  The
 * text is fed in those chunks and must give exactly the one-shot output,
 * with and without stuffing.  Then, against an independent model of the
 * rules in canon.h (CRLF stays, a lone CR or a lone LF becomes CRLF, a last
 * line without a line end gets one):
 *  - the unstuffed output is exactly the model's canonical text;
 *  - the stuffed stream keeps the DATA invariants (invariants.h): every line
 *    ends in CRLF, no bare CR or LF, CRLF "." CRLF only at its very end;
 *  - un-stuffing it (drop the final "." CRLF and the first '.' of every line
 *    that starts with one, as a server does, RFC 5321 4.5.2) gives back the
 *    canonical text, and the number of dots dropped is c->dots.
 * Every output buffer is allocated at exactly PN_CANON_OUT_MAX(n) bytes so
 * that AddressSanitizer sees a write past the documented bound.
 */
#include "../../src/canon.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* one-shot or chunked output, grown by the caller */
struct out {
	char *p;
	size_t n, cap;
};

static void out_add(struct out *o, const char *p, size_t n)
{
	if (!n)
		return;
	if (o->n + n > o->cap) {
		o->cap = (o->n + n) * 2 + 16;
		o->p = realloc(o->p, o->cap);
		if (!o->p)
			abort();
	}
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

/* feed - canonicalize in[0..n) in one call into a buffer of exactly the bound */
static void feed(struct pn_canon *c, const char *in, size_t n, struct out *o)
{
	char *buf = malloc(PN_CANON_OUT_MAX(n));
	if (!buf)
		abort();
	size_t k = pn_canon_feed(c, in, n, buf);
	if (k > PN_CANON_OUT_MAX(n))
		fuzz_fail("pn_canon_feed wrote more than PN_CANON_OUT_MAX", k);
	out_add(o, buf, k);
	free(buf);
}

/* finish - the end of the data into an 8-byte buffer (the "+ 8" reserve) */
static void finish(struct pn_canon *c, struct out *o)
{
	char *buf = malloc(8);
	if (!buf)
		abort();
	size_t k = pn_canon_finish(c, buf);
	if (k > 8)
		fuzz_fail("pn_canon_finish wrote more than 8 bytes", k);
	out_add(o, buf, k);
	free(buf);
}

/* next - xorshift32 step, for the chunk sizes */
static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* run - one-shot and chunked, compared; returns the one-shot output */
static struct out run(const char *in, size_t n, bool stuff, uint8_t seed, size_t *dots)
{
	struct pn_canon one, chunked;
	struct out a = {0}, b = {0};
	pn_canon_init(&one, stuff);
	feed(&one, in, n, &a);
	finish(&one, &a);

	pn_canon_init(&chunked, stuff);
	uint32_t s = 0x9e3779b9u ^ seed;
	size_t max = (size_t)(seed % 17) + 1; /* chunks of 0..max bytes */
	if (seed >= 0xf0)
		max = 1; /* byte by byte */
	for (size_t off = 0; off < n;) {
		size_t k = next(&s) % (max + 1);
		if (k > n - off)
			k = n - off;
		feed(&chunked, in + off, k, &b);
		off += k;
	}
	finish(&chunked, &b);

	if (a.n != b.n || memcmp(a.p ? a.p : "", b.p ? b.p : "", a.n) != 0)
		fuzz_fail("chunked output differs from the one-shot output", a.n < b.n ? a.n : b.n);
	if (one.dots != chunked.dots)
		fuzz_fail("chunked stuffing counted other dots", chunked.dots);
	*dots = one.dots;
	free(b.p);
	return a;
}

/* model - the canonical text of in[0..n), written independently of canon.c:
 * split into lines at CRLF, lone LF or lone CR, each line then ends in CRLF */
static struct out model(const char *in, size_t n)
{
	struct out m = {0};
	size_t line = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '\r' && in[i] != '\n')
			continue;
		out_add(&m, in + line, i - line);
		out_add(&m, "\r\n", 2);
		if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
			i++;
		line = i + 1;
	}
	if (line < n) {
		out_add(&m, in + line, n - line);
		out_add(&m, "\r\n", 2);
	}
	return m;
}

/* unstuff - what a server makes of a DATA stream: the text before the final
 * "." CRLF with the first '.' of each line removed; *dots counts them */
static struct out unstuff(const char *p, size_t n, size_t *dots)
{
	struct out u = {0};
	*dots = 0;
	size_t end = n - 3; /* fuzz_check_data: it ends in ".\r\n" */
	for (size_t line = 0; line < end;) {
		const char *lf = memchr(p + line, '\n', end - line);
		size_t next = lf ? (size_t)(lf - p) + 1 : end;
		size_t from = line;
		if (p[line] == '.') {
			from++;
			(*dots)++;
		}
		out_add(&u, p + from, next - from);
		line = next;
	}
	return u;
}

static bool same(const struct out *a, const struct out *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t seed = data[0];
	const char *in = (const char *)data + 1;
	size_t n = size - 1;

	size_t dots_s = 0, dots_p = 0;
	struct out st = run(in, n, true, seed, &dots_s);
	struct out plain = run(in, n, false, seed, &dots_p);
	if (dots_p != 0)
		fuzz_fail("stuffing off, yet dots were added", dots_p);

	/* the unstuffed output is the canonical text */
	struct out want = model(in, n);
	if (!same(&plain, &want))
		fuzz_fail("the unstuffed output is not the input with canonical line ends", plain.n);

	/* the stuffed stream: one end of data, CRLF lines */
	size_t counted = fuzz_check_data(st.p, st.n);
	if (counted != dots_s)
		fuzz_fail("the stuffed-dot count differs from the lines that start with '.'", counted);
	for (size_t i = 0; i + 5 <= st.n; i++)
		if (memcmp(st.p + i, "\r\n.\r\n", 5) == 0 && i + 5 != st.n)
			fuzz_fail("CRLF \".\" CRLF before the end of the stream", i);
	if (st.n >= 3 && memcmp(st.p, ".\r\n", 3) == 0 && st.n != 3)
		fuzz_fail("the stream starts with an end-of-data line", 0);

	/* un-stuffing gives back the canonical text */
	size_t removed = 0;
	struct out back = unstuff(st.p, st.n, &removed);
	if (removed != dots_s)
		fuzz_fail("un-stuffing removed another number of dots than were added", removed);
	if (!same(&back, &want))
		fuzz_fail("un-stuffing does not give back the canonical text", back.n);

	free(back.p);
	free(want.p);
	free(st.p);
	free(plain.p);
	return 0;
}
