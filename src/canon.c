/* canon.c - CRLF canonicalization and dot-stuffing, BDAT chunk framing
 * (see canon.h). */
#include "canon.h"

#include <stdio.h>
#include <string.h>

/* pn_canon_init - state at the start of a message */
void pn_canon_init(struct pn_canon *c, bool stuff)
{
	c->line_start = true;
	c->cr = false;
	c->stuff = stuff;
	c->dots = 0;
}

/* end_line - emit CRLF and note that a new line begins */
static size_t end_line(struct pn_canon *c, char *out)
{
	out[0] = '\r';
	out[1] = '\n';
	c->line_start = true;
	return 2;
}

/* pn_canon_feed - transform n bytes; out needs PN_CANON_OUT_MAX(n) bytes.
 * Works a run at a time: the bytes up to the next CR or LF are copied
 * whole (memchr and memcpy, not a test per byte).  CRs are rare in what
 * callers send (LF text), so the next one is searched for once and kept,
 * not once a line: a block without any costs one search. */
size_t pn_canon_feed(struct pn_canon *c, const char *in, size_t n, char *out)
{
	size_t o = 0, i = 0;
	const char *next_cr = memchr(in, '\r', n); /* the next CR at or after in + i, or NULL */
	while (i < n) {
		if (c->cr) {
			c->cr = false;
			o += end_line(c, out + o);
			if (in[i] == '\n') {
				i++;
				continue;
			}
		}
		const char *p = in + i;
		if (next_cr && next_cr < p)
			next_cr = memchr(p, '\r', n - i);
		const char *lf = memchr(p, '\n', n - i);
		size_t run = lf ? (size_t)(lf - p) : n - i;
		if (next_cr && (size_t)(next_cr - p) < run)
			run = (size_t)(next_cr - p);
		if (run) {
			if (c->line_start && p[0] == '.' && c->stuff) {
				out[o++] = '.';
				c->dots++;
			}
			memcpy(out + o, p, run);
			o += run;
			c->line_start = false;
			i += run;
		}
		if (i < n) { /* at a CR or an LF */
			if (in[i] == '\r')
				c->cr = true;
			else
				o += end_line(c, out + o);
			i++;
		}
	}
	return o;
}

/* pn_canon_finish - close the last line and, when stuffing, end the data */
size_t pn_canon_finish(struct pn_canon *c, char *out)
{
	size_t o = 0;
	if (c->cr) {
		c->cr = false;
		o += end_line(c, out);
	}
	if (!c->line_start)
		o += end_line(c, out + o);
	if (c->stuff) {
		memcpy(out + o, ".\r\n", 3);
		o += 3;
	}
	return o;
}

/* pn_bdat_init - nothing framed yet */
void pn_bdat_init(struct pn_bdat *b, unsigned long long total, size_t chunk)
{
	b->total = total;
	b->off = 0;
	b->left = 0;
	b->chunk = chunk ? chunk : 1;
	b->chunks = 0;
}

/* pn_bdat_begin - see canon.h */
bool pn_bdat_begin(struct pn_bdat *b, char line[PN_BDAT_LINE_MAX])
{
	bool empty = b->total == 0 && b->chunks == 0; /* "BDAT 0 LAST" */
	if (b->left || (b->off >= b->total && !empty))
		return false;
	unsigned long long rest = b->total - b->off;
	b->left = rest < b->chunk ? rest : b->chunk;
	b->chunks++;
	snprintf(line, PN_BDAT_LINE_MAX, "BDAT %llu%s", b->left, b->off + b->left == b->total ? " LAST" : "");
	return true;
}

/* pn_bdat_take - see canon.h */
size_t pn_bdat_take(struct pn_bdat *b, size_t n)
{
	size_t k = b->left < n ? (size_t)b->left : n;
	b->left -= k;
	b->off += k;
	return k;
}

/* pn_bdat_done - see canon.h */
bool pn_bdat_done(const struct pn_bdat *b)
{
	return b->chunks && !b->left && b->off == b->total;
}
