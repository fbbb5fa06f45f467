/* mime.h - the MIME structure of the message, and its 7-bit form.
 *
 * RFC 2045 (Content-Transfer-Encoding, quoted-printable and base64),
 * RFC 2046 5.1 (multipart, boundaries) and 5.2.1 (message/rfc822),
 * RFC 2047 (encoded-words in headers), RFC 6152 (no 8-bit data to a server
 * without 8BITMIME), RFC 1428 (unknown-8bit).  The message is walked as a
 * stream (bounded memory: one header block, one line start, one flag per
 * part); the converted copy goes to an unlinked temporary file.
 */
#ifndef POSTERN_MIME_H
#define POSTERN_MIME_H

#include "message.h"

/* pn_mime_scan - walk the transmitted message and set m->binary when some
 * part (or the message) says Content-Transfer-Encoding: binary, and
 * m->size (the same pass as pn_message_prepare's count).  A
 * malformed structure is walked as far as it can be; false only when the
 * message cannot be read (74). */
bool pn_mime_scan(struct pn_message *m, struct pn_error *err) PN_WUR;

/* pn_mime_convert - m as a message of 7-bit lines without NUL bytes: every
 * 8-bit or NUL-holding text part (a body without MIME headers included)
 * re-encoded quoted-printable, any other such leaf part base64, composite
 * parts that said 8bit relabelled 7bit, and 8-bit header fields that are
 * unstructured (Subject, Comments, Content-Description, X-*) RFC 2047-
 * encoded.  keep8 (the server offers 8BITMIME): 8-bit bytes stay, only
 * parts holding NUL bytes are encoded.  utf8_headers (SMTPUTF8 is in use,
 * or 8BITMIME, where 8-bit fields have always gone as they are): header
 * fields stay as they are.  Returns a new message (free it with pn_mime_free), or NULL
 * with err set: 65 for what cannot be converted (a binary part, 8-bit
 * bytes in a structured header field or in a multipart's preamble, an
 * 8-bit part already encoded, a part nested too deeply), 74 for I/O. */
struct pn_message *pn_mime_convert(const struct pn_message *m, bool keep8, bool utf8_headers,
                                   struct pn_error *err) PN_WUR;
void pn_mime_free(struct pn_message *c);

/* the pure pieces, for tests and fuzzing */

struct pn_qp {
	size_t col;  /* characters on the output line so far */
	int pending; /* a space or tab held until it is known not to end the line, or -1 */
	bool soft;   /* the output line began after a soft break */
};
/* pn_qp_init, pn_qp_feed, pn_qp_eol, pn_qp_finish - quoted-printable
 * (RFC 2045 6.7) of a text whose line ends are given by pn_qp_eol (a hard
 * line break, written "\n"); output lines of at most 76 characters, soft
 * breaks "=\n", trailing blanks encoded.  false when out is full. */
void pn_qp_init(struct pn_qp *q);
bool pn_qp_feed(struct pn_qp *q, const char *p, size_t n, struct pn_buf *out) PN_WUR;
bool pn_qp_eol(struct pn_qp *q, struct pn_buf *out) PN_WUR;
bool pn_qp_finish(struct pn_qp *q, struct pn_buf *out) PN_WUR;

/* pn_mime_utf8 - p[0..n) is well-formed UTF-8 (RFC 3629 4) */
bool pn_mime_utf8(const char *p, size_t n);

/* pn_mime_boundary - the boundary parameter of a Content-Type value
 * (parameter names case-insensitive, the value a token or a quoted
 * string), at most 70 characters (RFC 2046 5.1.1); NULL when there is
 * none.  Free the result. */
char *pn_mime_boundary(const char *ctype);

/* what a walk found */
struct pn_mime_info {
	bool binary;  /* as m->binary */
	size_t parts; /* entities: the message, its parts, messages inside */
};

/* pn_mime_convert_mem - pn_mime_convert over n bytes of canonical-or-LF
 * text, the converted message appended to out (LF line ends); for tests
 * and the fuzz target */
bool pn_mime_convert_mem(const char *p, size_t n, bool keep8, bool utf8_headers, struct pn_buf *out,
                         struct pn_mime_info *info, struct pn_error *err) PN_WUR;

#endif
