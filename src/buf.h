/* buf.h - one growable byte buffer with a cap fixed when it is created,
 * and the secret type.
 *
 * Every input postern reads has a bound; going past it is an error that the
 * caller reports, never a silent truncation.  The data is always followed by
 * a NUL so that text can be used as a C string.
 * SECURITY: a buffer made with pn_buf_init_secret never leaves a copy of
 * its bytes behind: growing it moves them and wipes the old memory, and
 * consuming, resetting and freeing wipe what they drop.  A struct
 * pn_secret (pointer and length) is made, copied and dropped only by the
 * functions here, which wipe every byte they release.
 */
#ifndef POSTERN_BUF_H
#define POSTERN_BUF_H

#include "common.h"

struct pn_buf {
	char *data;
	size_t len;
	size_t size;
	size_t max; /* largest len allowed */
	bool secret; /* wipe whatever is dropped or moved */
};

void pn_buf_init(struct pn_buf *b, size_t max);
void pn_buf_init_secret(struct pn_buf *b, size_t max);
bool pn_buf_append(struct pn_buf *b, const void *p, size_t n) PN_WUR;
bool pn_buf_addstr(struct pn_buf *b, const char *s) PN_WUR;
bool pn_buf_printf(struct pn_buf *b, const char *fmt, ...) PN_PRINTF(2, 3) PN_WUR;
void pn_buf_reset(struct pn_buf *b);
void pn_buf_consume(struct pn_buf *b, size_t n);
void pn_buf_free(struct pn_buf *b);

/* a password, token or AUTH response: n bytes at p, then a NUL for the C
 * interfaces that need one; p NULL when there is none */
struct pn_secret {
	char *p;
	size_t n;
};

/* pn_secret_copy - s becomes a copy of n bytes at p (s was empty) */
void pn_secret_copy(struct pn_secret *s, const char *p, size_t n);
/* pn_secret_take - s takes the bytes of the secret buffer b, which is
 * left empty (s was empty) */
void pn_secret_take(struct pn_secret *s, struct pn_buf *b);
/* pn_secret_wipe - wipe and free; s is empty again */
void pn_secret_wipe(struct pn_secret *s);

#endif
