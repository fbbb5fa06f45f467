/* buf.h - one growable byte buffer with a cap fixed when it is created.
 *
 * Every input postern reads has a bound; going past it is an error that the
 * caller reports, never a silent truncation.  The data is always followed by
 * a NUL so that text can be used as a C string.
 */
#ifndef POSTERN_BUF_H
#define POSTERN_BUF_H

#include "common.h"

struct pn_buf {
	char *data;
	size_t len;
	size_t size;
	size_t max; /* largest len allowed */
};

void pn_buf_init(struct pn_buf *b, size_t max);
bool pn_buf_append(struct pn_buf *b, const void *p, size_t n) PN_WUR;
bool pn_buf_addstr(struct pn_buf *b, const char *s) PN_WUR;
bool pn_buf_printf(struct pn_buf *b, const char *fmt, ...) PN_PRINTF(2, 3) PN_WUR;
void pn_buf_reset(struct pn_buf *b);
void pn_buf_consume(struct pn_buf *b, size_t n);
void pn_buf_free(struct pn_buf *b);
void pn_buf_wipe_free(struct pn_buf *b);

#endif
