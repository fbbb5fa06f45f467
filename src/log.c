/* log.c - msmtp-compatible log lines (see log.h). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* quoted - append 'text' with quotes and control bytes made harmless */
static bool quoted(struct pn_buf *b, const char *key, const char *text)
{
	bool ok = pn_buf_printf(b, " %s='", key);
	for (const char *p = text; ok && *p; p++) {
		char c = ((unsigned char)*p < 0x20 || *p == 0x7f) ? ' ' : *p == '\'' ? '"' : *p;
		ok = pn_buf_append(b, &c, 1);
	}
	return ok && pn_buf_addstr(b, "'");
}

/* format - the key=value line without the time */
static bool format(const struct pn_log_entry *e, struct pn_buf *b)
{
	const struct pn_account *a = e->account;
	const struct pn_outcome *o = e->outcome;
	bool auth = pn_account_auth(a) != PN_AUTH_OFF; /* as configured, like msmtp */
	bool ok = pn_buf_printf(b, "host=%s tls=%s auth=%s", a->host ? a->host : "", a->tls ? "on" : "off", auth ? "on" : "off");
	if (auth && a->user)
		ok = ok && pn_buf_printf(b, " user=%s", a->user);
	ok = ok && pn_buf_printf(b, " from=%s recipients=", e->from ? e->from : "");
	for (size_t i = 0; e->rcpt && i < e->rcpt->n; i++)
		ok = ok && pn_buf_printf(b, "%s%s", i ? "," : "", e->rcpt->addr[i]);
	if (!e->err->code)
		ok = ok && pn_buf_printf(b, " mailsize=%zu", e->mailsize);
	if (e->err->code && o && o->code) {
		ok = ok && pn_buf_printf(b, " smtpstatus=%d", o->code);
		ok = ok && quoted(b, "smtpmsg", o->reply);
	}
	if (e->err->code)
		ok = ok && quoted(b, "errormsg", e->err->msg);
	if (e->deadletter)
		ok = ok && pn_buf_printf(b, " deadletter=%s", e->deadletter);
	return ok && pn_buf_printf(b, " exitcode=%s", pn_exit_name(e->err->code));
}

int pn_log_open(const char *path, struct pn_error *err)
{
	if (strcmp(path, "-") == 0)
		return 1;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		pn_error_errno(err, EX_IOERR, errno, _("cannot open log file %s"), path);
	return fd;
}

/* append_file - one line with the time, appended in a single write */
static bool append_file(int fd, const char *path, const char *fmt, const char *line, struct pn_error *err)
{
	char stamp[128];
	time_t now = time(NULL);
	struct tm tm;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the user's logfile_time_format */
	if (!strftime(stamp, sizeof(stamp), fmt && *fmt ? fmt : "%b %d %H:%M:%S", localtime_r(&now, &tm)))
		stamp[0] = '\0';
#pragma GCC diagnostic pop
	char *text = pn_xasprintf("%s %s\n", stamp, line);
	bool ok = pn_write_all(fd, text, strlen(text));
	if (!ok)
		pn_error_errno(err, EX_IOERR, errno, _("cannot write log file %s"), path);
	free(text);
	return ok;
}

bool pn_log_write(const struct pn_log_entry *e, int fd, const char *path, int facility, const char *ident,
		  struct pn_error *err)
{
	if (fd < 0 && facility < 0)
		return true;
	struct pn_buf b;
	pn_buf_init(&b, 1 << 20);
	format(e, &b); /* past the cap the line is cut: a cut line beats none */
	bool ok = true;
	if (fd >= 0)
		ok = append_file(fd, path, e->account->logfile_time_format, b.data, err);
	if (facility >= 0) {
		openlog(ident ? ident : "postern", LOG_PID, facility);
		syslog(e->err->code ? LOG_ERR : LOG_INFO, "%s", b.data);
		closelog();
	}
	pn_buf_free(&b);
	return ok;
}
