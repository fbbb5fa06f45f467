/* common.h - definitions every postern module uses.
 *
 * Compiler attributes, the translation macro, and the small allocation
 * helpers from xalloc.c, with the one loop that writes a whole buffer to
 * an fd.
 */
#ifndef POSTERN_COMMON_H
#define POSTERN_COMMON_H

#include <config.h>
#include <stdbool.h>
#include <stddef.h>

#if ENABLE_NLS
#include <libintl.h>
#endif
/* i18n.c: the locale is read on the first message, not at start-up.
 * _() translates (setting the locale up first); N_() only marks a text to
 * translate where it is used; PN_FOREIGN(expr) sets the locale up before a
 * message from libc or a library (strerror, gnutls_strerror) is fetched,
 * whatever order the arguments around it are evaluated in. */
void pn_locale(void);
const char *pn_gettext(const char *msgid) __attribute__((format_arg(1)));
#define _(s) pn_gettext(s)
#define N_(s) (s)
#define PN_FOREIGN(expr) (pn_locale(), (expr))

/* i18n.c: the name messages begin with and syslog's ident: "msmtp" when
 * argv[0]'s base name is msmtp (a link put in msmtp's place), so that
 * scripts and log filters written for msmtp keep matching; else "postern" */
void pn_progname_set(const char *argv0);
const char *pn_progname(void);
bool pn_as_msmtp(void);

#define PN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PN_WUR __attribute__((warn_unused_result))
#define PN_NORETURN __attribute__((noreturn))
#define PN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* xalloc.c: allocation that cannot fail.  Running out of memory is the one
 * documented place where postern exits outside main.c (exit 71). */
void *pn_xmalloc(size_t n);
void *pn_xcalloc(size_t n, size_t size);
void *pn_xrealloc(void *p, size_t n);
char *pn_xstrdup(const char *s);
char *pn_xstrndup(const char *s, size_t n);
char *pn_xasprintf(const char *fmt, ...) PN_PRINTF(1, 2);
void pn_wipe(void *p, size_t n);
void pn_free_wiped(char *s);

/* pn_write_all - all n bytes to fd (a file, or a blocking pipe or socket),
 * again after EINTR and short writes; false with errno set when a write
 * fails (a write of nothing sets EIO) */
bool pn_write_all(int fd, const void *p, size_t n) PN_WUR;

/* pn_hexval - a hex digit's value (either case), -1 for anything else */
static inline int pn_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
