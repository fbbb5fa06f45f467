/* canon.h - the line canonicalizer and dot-stuffer for DATA, and the
 * chunk framing for BDAT (RFC 3030 2).
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

/* BDAT framing: the canonical message, not stuffed, whose length total is
 * known before the first octet goes out, is cut into chunks of chunk
 * octets (the last one shorter, and marked LAST; an empty message is the
 * one chunk "BDAT 0 LAST").  Pure arithmetic: the caller writes the
 * command line pn_bdat_begin makes, then the octets pn_bdat_take allows. */
struct pn_bdat {
	unsigned long long total, off; /* octets of the message; framed so far */
	unsigned long long left;       /* octets of the current chunk still due */
	size_t chunk;                  /* the size of every chunk but the last */
	unsigned long chunks;          /* chunks begun */
};

#define PN_BDAT_LINE_MAX 48 /* "BDAT 18446744073709551615 LAST" and a NUL */

void pn_bdat_init(struct pn_bdat *b, unsigned long long total, size_t chunk);
/* pn_bdat_begin - the command of the next chunk ("BDAT n" or "BDAT n
 * LAST", no CRLF) into line; false when the message is framed whole
 * already (more octets than total would follow) */
bool pn_bdat_begin(struct pn_bdat *b, char line[PN_BDAT_LINE_MAX]);
/* pn_bdat_take - of n octets that follow, how many the current chunk
 * takes (0: it is full, begin the next) */
size_t pn_bdat_take(struct pn_bdat *b, size_t n);
/* pn_bdat_done - every octet was framed and the LAST chunk begun */
bool pn_bdat_done(const struct pn_bdat *b);

#endif
