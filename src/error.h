/* error.h - the one error value every postern module returns.
 *
 * A pn_error carries a sysexits(3) code, the enhanced status code of the
 * server reply that caused it (RFC 3463) and one line of text.  The first
 * error wins: once set it is never overwritten.  Only main.c turns it into an
 * exit code.
 */
#ifndef POSTERN_ERROR_H
#define POSTERN_ERROR_H

#include "common.h"

struct pn_error {
	int code;          /* sysexits code, 0 while no error is set */
	char enhanced[16]; /* "5.7.8" when a server reply carried one */
	char msg[1024];    /* one line, no "postern: " prefix, no newline */
};

void pn_error_init(struct pn_error *e);
bool pn_error_isset(const struct pn_error *e);
void pn_error_set(struct pn_error *e, int code, const char *fmt, ...) PN_PRINTF(3, 4);
void pn_error_errno(struct pn_error *e, int code, int errnum, const char *fmt, ...)
	PN_PRINTF(4, 5);

/* pn_exit_for_reply - the exit code for a server reply: enhanced status code
 * when present, the basic reply code otherwise (see DESIGN.md). */
int pn_exit_for_reply(int reply_code, const char *enhanced);

/* pn_exit_name - "EX_OK", "EX_TEMPFAIL", ... for log lines */
const char *pn_exit_name(int code);

#endif
