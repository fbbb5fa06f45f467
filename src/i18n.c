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
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
#endif
	errno = saved;
}

const char *pn_gettext(const char *msgid)
{
	pn_locale();
#if ENABLE_NLS
	return gettext(msgid);
#else
	return msgid;
#endif
}
