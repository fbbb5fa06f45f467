/* escape.h - one value of a line-oriented file postern writes (the log
 * line, the dead-letter sidecar), written so that it stays one value on one
 * line, and read back strictly.
 *
 * A value made only of printable ASCII other than space, ' " \ and =, and
 * of valid UTF-8 characters, is written as it is (msmtp's format:
 * from=alice@example.com).  Any other value is written between single
 * quotes, where space and " stand for themselves, a backslash is \\, a line
 * feed \n, a carriage return \r, a tab \t, and ', =, every other control
 * character and every byte that is not part of valid UTF-8 is \xHH (two
 * lower-case hex digits).  So a quoted value never holds a quote, an "=" or
 * a line break of its own: no reader, however naive, sees a second key.
 * The format is documented in postern.conf(5), section logfile.
 */
#ifndef POSTERN_ESCAPE_H
#define POSTERN_ESCAPE_H

#include "buf.h"

/* pn_utf8_len - the length of the well-formed UTF-8 sequence at s, of at
 * most avail bytes, that is a printable character (no C1 control, no
 * overlong form, no surrogate, nothing past U+10FFFF), or 0.  The one
 * UTF-8 check: for what is shown (server replies, log values) and what is
 * accepted (-bs addresses, RFC 6531). */
size_t pn_utf8_len(const unsigned char *s, size_t avail);

/* pn_escape - append v to b as described above; quote: between quotes even
 * when it need not be (msmtp quotes smtpmsg and errormsg always).  False
 * when b's cap was reached. */
bool pn_escape(struct pn_buf *b, const char *v, bool quote) PN_WUR;

/* pn_unescape - the value v[0..n) as pn_escape wrote it, appended to out;
 * false for anything pn_escape never writes: a byte that needed escaping,
 * an unknown or cut escape, \x00, text after the closing quote. */
bool pn_unescape(const char *v, size_t n, struct pn_buf *out) PN_WUR;

#endif
