/* i18n.c - the messages' language, set up when the first message is needed.
 *
 * A delivery that succeeds prints nothing, so it need not pay for reading
 * the locale (with LANG=C.UTF-8, glibc reads locale.alias and the C.utf8
 * files: about a tenth of a resumed TLS handshake in instructions).  The
 * first translated message, or the first foreign one (strerror,
 * gnutls_strerror: PN_FOREIGN in common.h), takes LC_CTYPE and LC_MESSAGES
 * from the environment; times, numbers and the rest stay C, as log parsers
 * expect.
 */
#include "common.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

static bool as_msmtp;

/* pn_progname_set - see common.h; only the exact base name counts, so that
 * postern's own names (postern, sendmail, mailq) keep their prefix */
void pn_progname_set(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;
	base = base ? base + 1 : argv0;
	as_msmtp = base && strcmp(base, "msmtp") == 0;
}

/* pn_progname - see common.h */
const char *pn_progname(void)
{
	return as_msmtp ? "msmtp" : "postern";
}

/* pn_as_msmtp - see common.h */
bool pn_as_msmtp(void)
{
	return as_msmtp;
}

#if ENABLE_NLS
/* localedir - where the catalogues are: LOCALEDIR, or POSTERN_LOCALEDIR
 * when it is an absolute path, for a postern run from its build tree (the
 * tests).  secure_getenv gives nothing to a set-group-ID postern: a
 * catalogue of the caller's choosing would give it format strings. */
static const char *localedir(void)
{
	const char *dir = secure_getenv("POSTERN_LOCALEDIR");
	return dir && dir[0] == '/' ? dir : LOCALEDIR;
}
#endif

/* pn_locale - see common.h */
void pn_locale(void)
{
	static bool ready;
	if (ready)
		return;
	ready = true;
	int saved = errno; /* a caller may be about to format strerror(errno) */
	setlocale(LC_CTYPE, "");
	setlocale(LC_MESSAGES, "");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, localedir());
	textdomain(PACKAGE);
#endif
	errno = saved;
}

/* pn_gettext - see common.h */
const char *pn_gettext(const char *msgid)
{
	pn_locale();
#if ENABLE_NLS
	return gettext(msgid);
#else
	return msgid;
#endif
}
