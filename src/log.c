/* log.c - msmtp-compatible log lines (see log.h). */
#include "log.h"

#include "escape.h"
#include "regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* the values of a line that come from the outcome of the send: read in
 * result_of() alone */
struct result {
	int exitcode;        /* sysexits code, 0: delivered */
	int smtpstatus;      /* the server's reply code, 0: none */
	const char *smtpmsg; /* its text */
	const char *errormsg;
};

/* result_of - the outcome of the send, as the line reports it */
static struct result result_of(const struct pn_log_entry *e)
{
	const struct pn_error *o = e->err;
	struct result r = {o->code, 0, "", o->msg};
	/* the reply that decided: a refusal, or the end-of-data acceptance,
	 * where operators find the queue id, as in msmtp's line */
	if (o->server[0]) {
		r.smtpstatus = o->reply;
		r.smtpmsg = o->server;
	}
	return r;
}

/* field - " key=value", the value escaped (escape.h); quote: always
 * between quotes, as msmtp writes smtpmsg and errormsg */
static bool field(struct pn_buf *b, const char *key, const char *value, bool quote)
{
	return pn_buf_printf(b, " %s=", key) && pn_escape(b, value ? value : "", quote);
}

/* recipients - " recipients=a,b,c": the list is one value */
static bool recipients(struct pn_buf *b, const struct pn_addrlist *rcpt)
{
	struct pn_buf list;
	pn_buf_init(&list, b->max);
	bool ok = true;
	for (size_t i = 0; ok && rcpt && i < rcpt->n; i++)
		ok = pn_buf_printf(&list, "%s%s", i ? "," : "", rcpt->addr[i]);
	ok = ok && field(b, "recipients", list.data ? list.data : "", false);
	pn_buf_free(&list);
	return ok;
}

/* pn_log_format - see log.h */
bool pn_log_format(const struct pn_log_entry *e, struct pn_buf *b)
{
	const struct pn_account *a = e->account;
	struct result r = result_of(e);
	bool auth = pn_account_auth(a) != PN_AUTH_OFF; /* as configured, like msmtp */
	bool sock = !a->host && a->socket; /* msmtp names the socket when there is no host */
	bool ok = pn_buf_addstr(b, sock ? "socket=" : "host=") &&
		  pn_escape(b, sock ? a->socket : a->host ? a->host : "", false) &&
		  pn_buf_printf(b, " tls=%s auth=%s", pn_account_tls(a) ? "on" : "off", auth ? "on" : "off");
	if (auth && a->user)
		ok = ok && field(b, "user", a->user, false);
	ok = ok && field(b, "from", e->from, false) && recipients(b, e->rcpt);
	if (!r.exitcode)
		ok = ok && pn_buf_printf(b, " mailsize=%zu", e->mailsize);
	if (r.smtpstatus)
		ok = ok && pn_buf_printf(b, " smtpstatus=%d", r.smtpstatus) && field(b, "smtpmsg", r.smtpmsg, true);
	if (r.exitcode)
		ok = ok && field(b, "errormsg", r.errormsg, true);
	if (e->deadletter)
		ok = ok && field(b, "deadletter", e->deadletter, false);
	return ok && pn_buf_printf(b, " exitcode=%s", pn_exit_name(r.exitcode));
}

/* pn_log_open - see log.h */
int pn_log_open(const char *path, struct pn_error *err)
{
	if (strcmp(path, "-") == 0)
		return 1;
	bool odd;
	int fd = pn_open_regular(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600, &odd);
	if (fd < 0 && odd)
		pn_error_set(err, EX_IOERR, _("cannot open log file %s: not a regular file"), path);
	else if (fd < 0)
		pn_error_errno(err, EX_IOERR, errno, _("cannot open log file %s"), path);
	return fd;
}

/* append_file - one line with the time, appended in a single write.
 * "none" is msmtp's (1.8.28) word for no time stamp; without a stamp the
 * line begins with its first key, as msmtp writes it. */
static bool append_file(int fd, const char *path, const char *fmt, const char *line, struct pn_error *err)
{
	char stamp[128] = "";
	time_t now = time(NULL);
	struct tm tm;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the user's logfile_time_format */
	if (!fmt || strcmp(fmt, "none") != 0)
		if (!strftime(stamp, sizeof(stamp), fmt && *fmt ? fmt : "%b %d %H:%M:%S", localtime_r(&now, &tm)))
			stamp[0] = '\0';
#pragma GCC diagnostic pop
	char *text = pn_xasprintf("%s%s%s\n", stamp, *stamp ? " " : "", line);
	bool ok = pn_write_all(fd, text, strlen(text));
	if (!ok)
		pn_error_errno(err, EX_IOERR, errno, _("cannot write log file %s"), path);
	free(text);
	return ok;
}

/* to_syslog - one line to syslog under -L's ident, else the program's
 * name; as msmtp, without the pid, when invoked as msmtp (its filters
 * expect that) */
static void to_syslog(int facility, const char *ident, int priority, const char *text)
{
	if (facility < 0)
		return;
	openlog(ident ? ident : pn_progname(), ident || !pn_as_msmtp() ? LOG_PID : 0, facility);
	syslog(priority, "%s", text);
	closelog();
}

/* pn_log_warning - see log.h */
bool pn_log_warning(const struct pn_account *a, int fd, const char *path, int facility, const char *ident,
		    const char *text, struct pn_error *err)
{
	bool ok = fd < 0 || append_file(fd, path, a->logfile_time_format, text, err);
	to_syslog(facility, ident, LOG_WARNING, text);
	return ok;
}

bool pn_log_write(const struct pn_log_entry *e, int fd, const char *path, int facility, const char *ident,
		  struct pn_error *err)
{
	if (fd < 0 && facility < 0)
		return true;
	struct pn_buf b;
	pn_buf_init(&b, 1 << 20);
	pn_log_format(e, &b); /* past the cap the line is cut: a cut line beats none */
	bool ok = true;
	if (fd >= 0)
		ok = append_file(fd, path, e->account->logfile_time_format, b.data, err);
	to_syslog(facility, ident, e->err->code ? LOG_ERR : LOG_INFO, b.data);
	pn_buf_free(&b);
	return ok;
}
