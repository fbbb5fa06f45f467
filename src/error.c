/* error.c - the outcome value and the table from server replies to exit
 * codes.
 *
 * Implements the exit code policy of DESIGN.md: 4xx is temporary (75); 5.1.1
 * is an unknown user (67); 5.1.3 a bad address (65); 5.7.x and 535 are
 * permission problems (77); any other 5xx is a permanent failure (69).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* pn_error_init - no error yet */
void pn_error_init(struct pn_error *e)
{
	memset(e, 0, sizeof(*e));
}

/* pn_error_isset - whether an error has been recorded */
bool pn_error_isset(const struct pn_error *e)
{
	return e->code != 0;
}

/* sanitize - keep the message on one line whatever a server sent */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* set_msg - the message from fmt, made one line */
__attribute__((format(printf, 2, 0))) static void set_msg(struct pn_error *e, const char *fmt, va_list ap)
{
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	sanitize(e->msg);
}

/* pn_error_set - record the first error; later ones are dropped */
void pn_error_set(struct pn_error *e, int code, const char *fmt, ...)
{
	if (pn_error_isset(e))
		return;
	va_list ap;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	e->code = code;
}

/* pn_error_errno - like pn_error_set, with ": strerror" appended */
void pn_error_errno(struct pn_error *e, int code, int errnum, const char *fmt, ...)
{
	if (pn_error_isset(e))
		return;
	char what[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pn_error_set(e, code, "%s: %s", what, PN_FOREIGN(strerror(errnum)));
}

/* copy_line - bounded copy made one line */
static void copy_line(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
	sanitize(dst);
}

/* put_reply - the server's reply and where it came from */
static void put_reply(struct pn_error *e, enum pn_phase phase, const char *host, int reply, const char *enhanced,
		      const char *server)
{
	e->reply = reply;
	copy_line(e->enhanced, sizeof(e->enhanced), enhanced);
	copy_line(e->server, sizeof(e->server), server);
	e->phase = phase;
	copy_line(e->host, sizeof(e->host), host);
}

/* pn_error_reply - see error.h */
void pn_error_reply(struct pn_error *e, enum pn_phase phase, const char *host, int reply, const char *enhanced,
		    const char *server, const char *fmt, ...)
{
	if (pn_error_isset(e))
		return;
	va_list ap;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	e->code = pn_exit_for_reply(reply, enhanced);
	put_reply(e, phase, host, reply, enhanced, server);
}

/* pn_error_where - see error.h */
void pn_error_where(struct pn_error *e, enum pn_phase phase, const char *host, int port)
{
	if (e->phase == PN_PHASE_LOCAL)
		e->phase = phase;
	if (!e->host[0])
		copy_line(e->host, sizeof(e->host), host);
	if (!e->port)
		e->port = port;
}

/* pn_error_cause - see error.h */
void pn_error_cause(struct pn_error *e, enum pn_cause cause, const char *detail)
{
	if (!pn_error_isset(e) || e->cause != PN_CAUSE_NONE)
		return;
	e->cause = cause;
	copy_line(e->detail, sizeof(e->detail), detail);
}

/* pn_error_accepted - see error.h */
void pn_error_accepted(struct pn_error *e, const char *host, int reply, const char *enhanced, const char *server)
{
	if (!pn_error_isset(e))
		put_reply(e, PN_PHASE_DOT, host, reply, enhanced, server);
}

/* pn_error_phase_name - see error.h; protocol words, not translated */
const char *pn_error_phase_name(enum pn_phase phase)
{
	static const char *const names[] = {
		[PN_PHASE_LOCAL] = "local", [PN_PHASE_CONNECT] = "connect", [PN_PHASE_GREETING] = "greeting",
		[PN_PHASE_EHLO] = "EHLO", [PN_PHASE_STARTTLS] = "STARTTLS", [PN_PHASE_AUTH] = "AUTH",
		[PN_PHASE_MAIL] = "MAIL", [PN_PHASE_RCPT] = "RCPT", [PN_PHASE_DATA] = "DATA",
		[PN_PHASE_DOT] = "end-of-data", [PN_PHASE_ETRN] = "ETRN",
	};
	return (unsigned)phase < PN_ARRAY_LEN(names) ? names[phase] : "local";
}

/* digits - how many decimal digits start t, looking at most at n octets */
static size_t digits(const char *t, size_t n)
{
	size_t i = 0;
	while (i < n && t[i] >= '0' && t[i] <= '9')
		i++;
	return i;
}

/* pn_enhanced_parse - see error.h (RFC 3463 2: class "." subject "."
 * detail, subject and detail of one to three digits) */
size_t pn_enhanced_parse(const char *t, size_t n, int cls)
{
	if (n < 5 || (t[0] != '2' && t[0] != '4' && t[0] != '5') || (cls && t[0] != '0' + cls) || t[1] != '.')
		return 0;
	size_t s = digits(t + 2, n - 2);
	size_t pos = 2 + s;
	if (s < 1 || s > 3 || pos >= n || t[pos] != '.')
		return 0;
	size_t d = digits(t + pos + 1, n - pos - 1);
	size_t end = pos + 1 + d;
	return d >= 1 && d <= 3 && (end == n || t[end] == ' ') ? end : 0;
}

/* exit_for_enhanced - class.subject.detail decides when present */
static int exit_for_enhanced(const char *enh)
{
	if (enh[0] == '4')
		return EX_TEMPFAIL;
	if (strncmp(enh, "5.7.", 4) == 0)
		return EX_NOPERM;
	if (strcmp(enh, "5.1.1") == 0)
		return EX_NOUSER;
	if (strcmp(enh, "5.1.3") == 0)
		return EX_DATAERR;
	return EX_UNAVAILABLE;
}

/* pn_exit_for_reply - see error.h */
int pn_exit_for_reply(int reply_code, const char *enhanced)
{
	if (reply_code >= 400 && reply_code < 500)
		return EX_TEMPFAIL;
	if (reply_code < 500 || reply_code > 599)
		return EX_PROTOCOL;
	if (enhanced && enhanced[0] == '5' && enhanced[1])
		return exit_for_enhanced(enhanced);
	if (reply_code == 535 || reply_code == 530)
		return EX_NOPERM;
	return EX_UNAVAILABLE;
}

/* pn_exit_name - symbolic name of a sysexits code */
const char *pn_exit_name(int code)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{EX_OK, "EX_OK"},           {EX_USAGE, "EX_USAGE"},
		{EX_DATAERR, "EX_DATAERR"}, {EX_NOINPUT, "EX_NOINPUT"},
		{EX_NOUSER, "EX_NOUSER"},   {EX_NOHOST, "EX_NOHOST"},
		{EX_UNAVAILABLE, "EX_UNAVAILABLE"}, {EX_SOFTWARE, "EX_SOFTWARE"},
		{EX_OSERR, "EX_OSERR"},     {EX_OSFILE, "EX_OSFILE"},
		{EX_CANTCREAT, "EX_CANTCREAT"}, {EX_IOERR, "EX_IOERR"},
		{EX_TEMPFAIL, "EX_TEMPFAIL"}, {EX_PROTOCOL, "EX_PROTOCOL"},
		{EX_NOPERM, "EX_NOPERM"},   {EX_CONFIG, "EX_CONFIG"},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(names); i++)
		if (names[i].code == code)
			return names[i].name;
	return "EX_SOFTWARE";
}
