/* hint.h - one more line for a failure: what a provider's refusal, or a
 * local failure, usually means and what to change.
 *
 * The hints are data: one table in hint.c, each row keyed on the reply
 * code (or its class), the enhanced status code, a piece of the server's
 * text, the phase, the port, or the cause postern saw itself (error.h's
 * enum pn_cause).  The first row that fits an outcome gives its hint; the
 * failure line keeps the server's own words, and the hint follows it on
 * a line of its own ("postern: hint: ...", send.c).
 */
#ifndef POSTERN_HINT_H
#define POSTERN_HINT_H

#include "error.h"

/* pn_hint - the translated hint for e into out (one line); false when no
 * row fits, or e holds no error */
bool pn_hint(const struct pn_error *e, char *out, size_t size);

/* pn_hint_row - the index of the row that gives e's hint, -1: none;
 * pn_hint_rows - how many rows the table has (for the tests: every row
 * is reached by its provider's text) */
int pn_hint_row(const struct pn_error *e);

/* pn_hint_fill - text with each "%s" (in turn) or "%N$s" replaced by
 * args[N-1] into out; false when a placeholder has no argument, an
 * argument no placeholder, or out is too small */
bool pn_hint_fill(const char *text, const char *const *args, size_t n, char *out, size_t size);
size_t pn_hint_rows(void);

#endif
