/* log.c - msmtp-compatible log lines, and their JSON and journal forms
 * (see log.h). */
#include "log.h"

#include "escape.h"
#include "journal.h"
#include "json.h"
#include "regfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* how a field's value is written */
enum vtype {
	V_TEXT,   /* a string, between quotes in the text line only when needed */
	V_QUOTED, /* a string, always between quotes in the text line (msmtp's smtpmsg) */
	V_ONOFF,  /* on/off; true/false in JSON */
	V_NUMBER, /* a number */
	V_LIST,   /* the recipients: a,b,c; an array in JSON */
};

/* one field of the line: its key, as msmtp names it, and its value */
struct field {
	const char *key;
	enum vtype type;
	const char *text; /* V_TEXT, V_QUOTED */
	size_t num;       /* V_ONOFF, V_NUMBER */
	const struct pn_addrlist *list; /* V_LIST */
};
#define MAX_FIELDS 12

/* fields_of - the fields of e's line in msmtp's order, into f; their count.
 * The one place that decides what a line holds: the text, JSON and
 * journal forms only write them. */
static size_t fields_of(const struct pn_log_entry *e, struct field *f)
{
	const struct pn_account *a = e->account;
	const struct pn_error *o = e->err;
	bool auth = pn_account_auth(a) != PN_AUTH_OFF; /* as configured, like msmtp */
	bool sock = !a->host && a->socket; /* msmtp names the socket when there is no host */
	size_t n = 0;
	f[n++] = (struct field){sock ? "socket" : "host", V_TEXT, .text = sock ? a->socket : a->host ? a->host : ""};
	f[n++] = (struct field){"tls", V_ONOFF, .num = pn_account_tls(a) != 0};
	f[n++] = (struct field){"auth", V_ONOFF, .num = auth};
	if (auth && a->user)
		f[n++] = (struct field){"user", V_TEXT, .text = a->user};
	f[n++] = (struct field){"from", V_TEXT, .text = e->from ? e->from : ""};
	f[n++] = (struct field){"recipients", V_LIST, .list = e->rcpt};
	if (!o->code)
		f[n++] = (struct field){"mailsize", V_NUMBER, .num = e->mailsize};
	/* the reply that decided: a refusal, or the end-of-data acceptance,
	 * where operators find the queue id, as in msmtp's line */
	if (o->server[0] && o->reply) {
		f[n++] = (struct field){"smtpstatus", V_NUMBER, .num = (size_t)o->reply};
		f[n++] = (struct field){"smtpmsg", V_QUOTED, .text = o->server};
	}
	if (o->code)
		f[n++] = (struct field){"errormsg", V_QUOTED, .text = o->msg};
	if (e->deadletter)
		f[n++] = (struct field){"deadletter", V_TEXT, .text = e->deadletter};
	f[n++] = (struct field){"exitcode", V_TEXT, .text = pn_exit_name(o->code)};
	return n;
}

/* joined - the recipients as one value, "a,b,c", appended to b */
static bool joined(struct pn_buf *b, const struct pn_addrlist *rcpt)
{
	bool ok = true;
	for (size_t i = 0; ok && rcpt && i < rcpt->n; i++)
		ok = pn_buf_printf(b, "%s%s", i ? "," : "", rcpt->addr[i]);
	return ok;
}

/* text_value - one value as the text line writes it (escape.h) */
static bool text_value(struct pn_buf *b, const struct field *f)
{
	switch (f->type) {
	case V_TEXT: case V_QUOTED: return pn_escape(b, f->text, f->type == V_QUOTED);
	case V_ONOFF: return pn_buf_addstr(b, f->num ? "on" : "off");
	case V_NUMBER: return pn_buf_printf(b, "%zu", f->num);
	case V_LIST: break;
	}
	struct pn_buf list;
	pn_buf_init(&list, b->max);
	bool ok = joined(&list, f->list) && pn_escape(b, list.data ? list.data : "", false);
	pn_buf_free(&list);
	return ok;
}

/* pn_log_format - see log.h */
bool pn_log_format(const struct pn_log_entry *e, struct pn_buf *b)
{
	struct field f[MAX_FIELDS];
	size_t n = fields_of(e, f);
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++)
		ok = pn_buf_printf(b, "%s%s=", i ? " " : "", f[i].key) && text_value(b, &f[i]);
	return ok;
}

/* json_value - one value as the JSON line writes it */
static bool json_value(struct pn_buf *b, const struct field *f)
{
	switch (f->type) {
	case V_TEXT: case V_QUOTED: return pn_json_put_string(b, f->text);
	case V_ONOFF: return pn_buf_addstr(b, f->num ? "true" : "false");
	case V_NUMBER: return pn_buf_printf(b, "%zu", f->num);
	case V_LIST: break;
	}
	bool ok = pn_buf_addstr(b, "[");
	for (size_t i = 0; ok && f->list && i < f->list->n; i++)
		ok = pn_buf_addstr(b, i ? "," : "") && pn_json_put_string(b, f->list->addr[i]);
	return ok && pn_buf_addstr(b, "]");
}

/* json_stamp - "timestamp":"2026-12-01T10:15:02.123Z" and the comma:
 * UTC, RFC 3339, to the millisecond, whatever logfile_time_format says
 * (a fleet's logs are compared across time zones) */
static bool json_stamp(struct pn_buf *b, const struct timespec *when)
{
	struct tm tm;
	char stamp[64];
	time_t t = when->tv_sec;
	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm))
		stamp[0] = '\0';
	return pn_buf_printf(b, "{\"timestamp\":\"%s.%03ldZ\",", stamp, when->tv_nsec / 1000000);
}

/* pn_log_format_json - see log.h */
bool pn_log_format_json(const struct pn_log_entry *e, const struct timespec *when, struct pn_buf *b)
{
	struct field f[MAX_FIELDS];
	size_t n = fields_of(e, f);
	bool ok = json_stamp(b, when);
	for (size_t i = 0; ok && i < n; i++)
		ok = pn_buf_printf(b, "%s\"%s\":", i ? "," : "", f[i].key) && json_value(b, &f[i]);
	return ok && pn_buf_addstr(b, "}");
}

/* journal_value - one field as POSTERN_KEY=value: the value's own bytes
 * (the journal is binary-safe), the recipients joined by commas */
static bool journal_value(struct pn_buf *b, const struct field *f)
{
	char name[32] = "POSTERN_";
	for (size_t i = 0; f->key[i] && i + 9 < sizeof(name); i++)
		name[8 + i] = (char)toupper((unsigned char)f->key[i]);
	struct pn_buf v;
	pn_buf_init(&v, b->max);
	bool ok = false;
	switch (f->type) {
	case V_TEXT: case V_QUOTED: ok = pn_buf_addstr(&v, f->text); break;
	case V_ONOFF: ok = pn_buf_addstr(&v, f->num ? "on" : "off"); break;
	case V_NUMBER: ok = pn_buf_printf(&v, "%zu", f->num); break;
	case V_LIST: ok = joined(&v, f->list); break;
	}
	ok = ok && pn_journal_field(b, name, v.data ? v.data : "", v.len);
	pn_buf_free(&v);
	return ok;
}

/* journal_head - the fields every entry has: MESSAGE (the text line),
 * PRIORITY, SYSLOG_IDENTIFIER and SYSLOG_FACILITY, as syslog(3) would
 * have given them */
static bool journal_head(struct pn_buf *b, const char *text, int priority, int facility, const char *ident)
{
	char num[16];
	bool ok = pn_journal_field(b, "MESSAGE", text, strlen(text));
	snprintf(num, sizeof(num), "%d", priority);
	ok = ok && pn_journal_field(b, "PRIORITY", num, strlen(num));
	ok = ok && pn_journal_field(b, "SYSLOG_IDENTIFIER", ident, strlen(ident));
	snprintf(num, sizeof(num), "%d", facility >> 3);
	return ok && pn_journal_field(b, "SYSLOG_FACILITY", num, strlen(num));
}

/* pn_log_journal - see log.h */
bool pn_log_journal(const struct pn_log_entry *e, const char *text, int facility, const char *ident, struct pn_buf *b)
{
	struct field f[MAX_FIELDS];
	size_t n = fields_of(e, f);
	bool ok = journal_head(b, text, e->err->code ? LOG_ERR : LOG_INFO, facility, ident);
	for (size_t i = 0; ok && i < n; i++)
		ok = journal_value(b, &f[i]);
	return ok;
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
 * line begins with its first key, as msmtp writes it.  A JSON line is
 * written with "none": its time is a field. */
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

/* ident_of - -L's ident, else the program's name */
static const char *ident_of(const char *ident)
{
	return ident ? ident : pn_progname();
}

/* to_syslog - one line to syslog under ident_of(ident); as msmtp, without
 * the pid, when invoked as msmtp (its filters expect that) */
static void to_syslog(int facility, const char *ident, int priority, const char *text)
{
	if (facility < 0)
		return;
	openlog(ident_of(ident), ident || !pn_as_msmtp() ? LOG_PID : 0, facility);
	syslog(priority, "%s", text);
	closelog();
}

/* to_journal - the datagram j to the journal; false when there is none
 * (or it refused it): the caller then uses syslog(3) */
static bool to_journal(const struct pn_buf *j, bool made)
{
	return made && j->data && pn_journal_send(PN_JOURNAL_SOCKET, j->data, j->len);
}

/* warning_json - a warning as a JSON line: {"timestamp":...,"warning":...} */
static bool warning_json(const char *text, struct pn_buf *b)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return json_stamp(b, &now) && pn_buf_addstr(b, "\"warning\":") && pn_json_put_string(b, text) &&
	       pn_buf_addstr(b, "}");
}

/* pn_log_warning - see log.h */
bool pn_log_warning(const struct pn_account *a, int fd, const char *path, int facility, const char *ident,
		    const char *text, struct pn_error *err)
{
	if (a->log_format != PN_LOG_JSON) {
		bool ok = fd < 0 || append_file(fd, path, a->logfile_time_format, text, err);
		to_syslog(facility, ident, LOG_WARNING, text);
		return ok;
	}
	struct pn_buf line, j;
	pn_buf_init(&line, 1 << 20);
	pn_buf_init(&j, 1 << 21);
	bool made = warning_json(text, &line);
	bool ok = fd < 0 || append_file(fd, path, "none", line.data ? line.data : "", err);
	if (facility >= 0 && !to_journal(&j, journal_head(&j, text, LOG_WARNING, facility, ident_of(ident))))
		to_syslog(facility, ident, LOG_WARNING, made ? line.data : text);
	pn_buf_free(&line);
	pn_buf_free(&j);
	return ok;
}

/* write_json - the JSON line to the file, and the entry to the journal
 * (the text line its MESSAGE), else the JSON line to syslog(3) */
static bool write_json(const struct pn_log_entry *e, const char *text, int fd, const char *path, int facility,
		       const char *ident, struct pn_error *err)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct pn_buf line, j;
	pn_buf_init(&line, 1 << 20);
	pn_buf_init(&j, 1 << 21);
	/* past the cap the line is cut (and no longer JSON): a cut line beats none */
	pn_log_format_json(e, &now, &line);
	bool ok = fd < 0 || append_file(fd, path, "none", line.data, err);
	if (facility >= 0 && !to_journal(&j, pn_log_journal(e, text, facility, ident_of(ident), &j)))
		to_syslog(facility, ident, e->err->code ? LOG_ERR : LOG_INFO, line.data);
	pn_buf_free(&line);
	pn_buf_free(&j);
	return ok;
}

/* pn_log_write - see log.h */
bool pn_log_write(const struct pn_log_entry *e, int fd, const char *path, int facility, const char *ident,
		  struct pn_error *err)
{
	if (fd < 0 && facility < 0)
		return true;
	struct pn_buf b;
	pn_buf_init(&b, 1 << 20);
	pn_log_format(e, &b); /* past the cap the line is cut: a cut line beats none */
	bool ok = true;
	if (e->account->log_format == PN_LOG_JSON) {
		ok = write_json(e, b.data, fd, path, facility, ident, err);
	} else {
		if (fd >= 0)
			ok = append_file(fd, path, e->account->logfile_time_format, b.data, err);
		to_syslog(facility, ident, e->err->code ? LOG_ERR : LOG_INFO, b.data);
	}
	pn_buf_free(&b);
	return ok;
}
