/* mime_text.h - the pure text pieces of mime.c (see mime_text.c), for the
 * walker; quoted-printable, pn_mime_utf8 and pn_mime_boundary are
 * declared in mime.h, for tests and fuzzing.
 */
#ifndef POSTERN_MIME_TEXT_H
#define POSTERN_MIME_TEXT_H

#include "mime.h"

/* mime_u8_step - one more byte of UTF-8 text, with the state *need (the
 * continuation bytes still expected, 0 at the start) and the range
 * [*lo, *hi] of the next one; false when the text is not UTF-8 */
bool mime_u8_step(int *need, unsigned char *lo, unsigned char *hi, unsigned char c);

/* mime_field_end - where the field starting at off ends (continuation
 * lines included) in the LF-ended header block h */
size_t mime_field_end(const struct pn_buf *h, size_t off);
/* mime_name_len - the printable ASCII name before ':' (0: no field name) */
size_t mime_name_len(const char *f, size_t n);
/* mime_is_named - the field f[0..n) has this name (any case) */
bool mime_is_named(const char *f, size_t n, const char *name);
/* mime_unfold_value - the value of field f[0..n), unfolded; free it */
char *mime_unfold_value(const char *f, size_t n);
/* mime_header_value - the unfolded value of the first field with this
 * name in the header block h, or NULL; free it */
char *mime_header_value(const struct pn_buf *h, const char *name);
/* mime_skip_cfws - past blanks and (nested) comments (RFC 5322 3.2.2) */
const char *mime_skip_cfws(const char *s);
/* mime_type_is - the media type at t (blanks and comments skipped) is
 * type/sub (sub NULL: any subtype), in any case */
bool mime_type_is(const char *t, const char *type, const char *sub);

#endif
