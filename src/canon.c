/* canon.c - CRLF canonicalization and dot-stuffing (see canon.h). */
#include "canon.h"

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

/* pn_canon_feed - transform n bytes; out needs PN_CANON_OUT_MAX(n) bytes */
size_t pn_canon_feed(struct pn_canon *c, const char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char b = in[i];
		if (c->cr) {
			c->cr = false;
			o += end_line(c, out + o);
			if (b == '\n')
				continue;
		}
		if (b == '\r') {
			c->cr = true;
			continue;
		}
		if (b == '\n') {
			o += end_line(c, out + o);
			continue;
		}
		if (c->line_start && b == '.' && c->stuff) {
			out[o++] = '.';
			c->dots++;
		}
		out[o++] = b;
		c->line_start = false;
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
