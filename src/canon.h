/* canon.h - the line canonicalizer and dot-stuffer for DATA.
 *
 * Turns any input bytes into canonical CRLF lines (CRLF stays, a lone LF or
 * a lone CR becomes CRLF; RFC 5321 2.3.8) and doubles a leading "." on every
 * line (RFC 5321 4.5.2), the first line included.  pn_canon_finish adds the
 * missing final CRLF and, when stuffing, the one end-of-data "." CRLF, so the
 * server can never see an end of data other than postern's own.  Pure
 * functions, streaming: the state carries across calls.
 */
#ifndef POSTERN_CANON_H
#define POSTERN_CANON_H

#include "common.h"

struct pn_canon {
	bool line_start; /* the next byte begins a line */
	bool cr;         /* a CR was seen and its LF not yet */
	bool stuff;      /* dot-stuff and end with "." CRLF */
	size_t dots;     /* dots added by stuffing so far */
};

/* worst-case output for n input bytes: each byte at most doubles */
#define PN_CANON_OUT_MAX(n) (2 * (n) + 8)

void pn_canon_init(struct pn_canon *c, bool stuff);
size_t pn_canon_feed(struct pn_canon *c, const char *in, size_t n, char *out);
size_t pn_canon_finish(struct pn_canon *c, char *out);

#endif
