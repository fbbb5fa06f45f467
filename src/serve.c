/* serve.c - the -bs session (see serve.h): the command state machine over
 * net.c's buffered connection on standard input and output, with its
 * deadlines: each command line must come whole within the idle timeout of
 * the session starting to wait for it, the message data must never pause
 * longer than that, and the whole session ends by the session timeout.
 *
 * RFC 5321 (the dialogue and its limits), RFC 2920 (PIPELINING: replies
 * are held while more commands are waiting and always sent before waiting
 * for input), RFC 1870 (SIZE), RFC 2034 (ENHANCEDSTATUSCODES), RFC 6531
 * (SMTPUTF8).  The parser and the un-stuffer are in serve_parse.c.
 */
#include "serve.h"

#include "message.h"
#include "net.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define DATA_CHUNK 16384  /* of the message data, un-stuffed at a time */
#define ERRORS_MAX 20     /* protocol errors before the client is dropped */
#define LAST_WORD_MS 5000 /* for the closing 421 */

enum got { G_MORE, G_LINE, G_LONG, G_EOF, G_IDLE, G_SESSION, G_SIGNAL, G_ERROR };

struct session {
	const struct pn_serve_limits *lim;
	const struct pn_serve_ops *ops;
	struct pn_conn *c;       /* the client, on standard input and output */
	bool failed;             /* the client's input or output failed */
	struct pn_deadline end;  /* of the session */
	struct pn_deadline wait; /* of what is being read now */
	char host[256];
	bool helo, esmtp, mail, utf8;
	char from[PN_SERVE_PATH_MAX];
	struct pn_addrlist rcpt;
	int spool;               /* the temporary file DATA goes to, or -1 */
	int errors;
	bool done, quit;
	int rc;
};

/* flush - the replies held so far, by the deadline of the current read */
static bool flush(struct session *s)
{
	struct pn_error err;
	pn_error_init(&err);
	if (s->failed)
		return false;
	pn_conn_deadline(s->c, s->wait);
	if (!pn_conn_flush(s->c, &err))
		s->failed = true;
	return !s->failed;
}

/* more - more input, once the replies held went out; G_MORE when some came.
 * Past the deadline nothing more is read, however fast it comes: a client
 * flooding a line that never ends is cut off as one that trickles it. */
static enum got more(struct session *s)
{
	struct pn_error err;
	pn_error_init(&err);
	if (pn_deadline_passed(s->wait))
		return pn_deadline_passed(s->end) ? G_SESSION : G_IDLE;
	if (!flush(s))
		return G_ERROR;
	pn_conn_deadline(s->c, s->wait);
	if (pn_conn_more(s->c, &err))
		return G_MORE;
	switch (pn_conn_failure(s->c)) {
	case PN_CONN_EOF:
		return G_EOF;
	case PN_CONN_TIMEOUT:
		return pn_deadline_passed(s->end) ? G_SESSION : G_IDLE;
	case PN_CONN_SIGNAL:
		return G_SIGNAL;
	default:
		return G_ERROR;
	}
}

/* read_line - the next command line, without its LF or CRLF; a line longer
 * than PN_SERVE_LINE_MAX is read to its end and dropped (G_LONG) */
static enum got read_line(struct session *s, char *line, size_t *len)
{
	bool too_long = false;
	for (;;) {
		size_t avail;
		const char *p = pn_conn_peek(s->c, &avail);
		const char *nl = memchr(p, '\n', avail);
		if (nl) {
			size_t n = (size_t)(nl - p) + 1;
			bool long_line = too_long || n > PN_SERVE_LINE_MAX;
			if (!long_line) {
				*len = n - 1 - (n >= 2 && p[n - 2] == '\r');
				memcpy(line, p, *len);
				line[*len] = '\0';
			}
			pn_conn_consume(s->c, n);
			return long_line ? G_LONG : G_LINE;
		}
		if (avail >= PN_SERVE_LINE_MAX) {
			too_long = true;
			pn_conn_consume(s->c, avail);
		}
		enum got g = more(s);
		if (g != G_MORE)
			return g;
	}
}

/* reply - hold one reply line: "CODE ENH TEXT", or "CODE TEXT" */
static void reply(struct session *s, int code, const char *enh, const char *text, bool more)
{
	char line[PN_SERVE_LINE_MAX + 1];
	int n = snprintf(line, sizeof(line), "%d%c%s%s%.*s\r\n", code, more ? '-' : ' ', enh ? enh : "",
			 enh ? " " : "", PN_SERVE_TEXT_MAX, text);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = snprintf(line, sizeof(line), "%d%c\r\n", code, more ? '-' : ' ');
	struct pn_error err;
	pn_error_init(&err);
	if (!s->failed && !pn_conn_write(s->c, line, (size_t)n, &err))
		s->failed = true;
}

/* answer - hold a reply the relay callbacks made */
static void answer(struct session *s, const struct pn_serve_reply *r)
{
	reply(s, r->code, r->enhanced[0] ? r->enhanced : NULL, r->text, false);
}

/* error - a protocol error: counted, and too many end the session */
static void error(struct session *s, int code, const char *enh, const char *text)
{
	reply(s, code, enh, text, false);
	if (++s->errors < ERRORS_MAX)
		return;
	reply(s, 421, "4.7.0", "too many errors, closing the connection", false);
	s->done = true;
	s->rc = EX_PROTOCOL;
}

/* reset - forget the transaction (RSET, HELO, EHLO, after DATA) */
static void reset(struct session *s)
{
	if (s->mail && s->ops->reset)
		s->ops->reset(s->ops->ctx);
	s->mail = s->utf8 = false;
	s->from[0] = '\0';
	pn_addrlist_free(&s->rcpt);
}

/* on_helo - HELO and EHLO; the client's name is not used */
static void on_helo(struct session *s, bool esmtp)
{
	char size[64];
	reset(s);
	s->helo = true;
	s->esmtp = esmtp;
	reply(s, 250, NULL, s->host, esmtp);
	if (!esmtp)
		return;
	snprintf(size, sizeof(size), "SIZE %llu", s->lim->max_size);
	reply(s, 250, NULL, "PIPELINING", true);
	reply(s, 250, NULL, size, true);
	reply(s, 250, NULL, "8BITMIME", true);
	reply(s, 250, NULL, "ENHANCEDSTATUSCODES", true);
	reply(s, 250, NULL, "SMTPUTF8", false);
}

/* mail - a MAIL FROM the session accepts: the account decides */
static void mail(struct session *s, const struct pn_cmd *c)
{
	struct pn_serve_reply r;
	s->ops->mail(s->ops->ctx, c, &r);
	if (r.code >= 200 && r.code < 300) {
		s->mail = true;
		s->utf8 = c->smtputf8;
		snprintf(s->from, sizeof(s->from), "%s", c->addr);
	}
	answer(s, &r);
}

/* on_mail - MAIL FROM: the sequence, the parameters, then the account */
static void on_mail(struct session *s, const struct pn_cmd *c)
{
	if (!s->helo)
		error(s, 503, "5.5.1", "send EHLO or HELO first");
	else if (s->mail)
		error(s, 503, "5.5.1", "nested MAIL command");
	else if (!s->esmtp && (c->has_size || c->smtputf8 || c->body != PN_BODY_NONE))
		error(s, 555, "5.5.4", "parameters need EHLO");
	else if (c->utf8 && !c->smtputf8)
		reply(s, 553, "5.6.7", "a non-ASCII address needs the SMTPUTF8 parameter", false);
	else if (c->has_size && c->size > s->lim->max_size)
		reply(s, 552, "5.3.4", "message size exceeds fixed maximum message size", false);
	else
		mail(s, c);
}

/* rcpt - a RCPT TO the session accepts: the account's rules decide */
static void rcpt(struct session *s, const struct pn_cmd *c)
{
	struct pn_serve_reply r;
	s->ops->rcpt(s->ops->ctx, s->from, c->addr, &r);
	if (r.code >= 200 && r.code < 300)
		pn_addrlist_add(&s->rcpt, c->addr);
	answer(s, &r);
}

/* on_rcpt - RCPT TO, within the recipient limit */
static void on_rcpt(struct session *s, const struct pn_cmd *c)
{
	if (!s->mail)
		error(s, 503, "5.5.1", "need MAIL command");
	else if (s->rcpt.n >= s->lim->max_rcpt)
		reply(s, 452, "4.5.3", "too many recipients", false);
	else if (c->utf8 && !s->utf8)
		reply(s, 553, "5.6.7", "a non-ASCII address needs SMTPUTF8 on MAIL FROM", false);
	else
		rcpt(s, c);
}

/* what DATA received */
struct rx {
	int fd;
	unsigned long long size, max;
	bool too_big, write_failed;
};

/* keep - message text into the temporary file, within the size limit */
static void keep(struct rx *rx, const char *p, size_t n)
{
	rx->size += n;
	if (rx->size > rx->max)
		rx->too_big = true;
	if (n && !rx->too_big && !rx->write_failed && !pn_write_all(rx->fd, p, n))
		rx->write_failed = true;
}

/* receive - the data up to CRLF "." CRLF; G_LINE when it ended there.
 * The data may come as slowly as it likes within the session's time, but
 * it must not stop for longer than the idle timeout (every wait). */
static enum got receive(struct session *s, struct rx *rx)
{
	static char out[DATA_CHUNK + 1];
	struct pn_unstuff u;
	pn_unstuff_init(&u);
	s->wait = s->end;
	for (;;) {
		size_t on = 0, avail;
		const char *p = pn_conn_peek(s->c, &avail);
		pn_conn_consume(s->c, pn_unstuff_feed(&u, p, avail < DATA_CHUNK ? avail : DATA_CHUNK, out, &on));
		keep(rx, out, on);
		if (u.done)
			return G_LINE;
		if (avail > DATA_CHUNK)
			continue;
		enum got g = more(s);
		if (g != G_MORE)
			return g;
	}
}

/* timeout - the client was too slow (idle), the session too long, or
 * postern was told to end (SIGTERM, SIGHUP, SIGINT) */
static void timeout(struct session *s, enum got g)
{
	if (g == G_SIGNAL)
		reply(s, 421, "4.3.2", "postern is shutting down, closing the connection", false);
	else
		reply(s, 421, "4.4.2", g == G_IDLE ? "idle timeout, closing the connection"
						  : "session time limit reached, closing the connection", false);
	s->done = true;
	s->rc = EX_TEMPFAIL;
}

/* ended - what ends a session while DATA was being read */
static void ended(struct session *s, enum got g)
{
	if (g == G_IDLE || g == G_SESSION || g == G_SIGNAL) {
		timeout(s, g);
		return;
	}
	s->done = true;
	s->rc = g == G_EOF ? EX_TEMPFAIL : EX_IOERR; /* the message was not complete */
}

/* relay - the received message to the callback, or why it is refused */
static void relay(struct session *s, struct rx *rx)
{
	struct pn_serve_reply r;
	char text[128];
	if (rx->too_big) {
		snprintf(text, sizeof(text), "message exceeds fixed maximum message size (%llu octets)", s->lim->max_size);
		reply(s, 552, "5.3.4", text, false);
	} else if (rx->write_failed || lseek(rx->fd, 0, SEEK_SET) != 0) {
		reply(s, 452, "4.3.1", "insufficient system storage", false);
	} else {
		flush(s); /* nothing should be held; the relay may take a while */
		s->ops->data(s->ops->ctx, s->from, &s->rcpt, rx->fd, &r);
		answer(s, &r);
	}
}

/* spool - the session's temporary file, empty: made on the first DATA,
 * emptied for each next one (a session of many messages costs one file);
 * -1 when none can be made */
static int spool(struct session *s)
{
	struct pn_error err;
	pn_error_init(&err);
	if (s->spool >= 0 && (ftruncate(s->spool, 0) != 0 || lseek(s->spool, 0, SEEK_SET) != 0)) {
		close(s->spool);
		s->spool = -1;
	}
	if (s->spool < 0)
		s->spool = pn_message_tmpfile(&err);
	return s->spool;
}

/* data - DATA accepted: the message into a temporary file, then relayed */
static void data(struct session *s)
{
	struct rx rx = {.fd = spool(s), .max = s->lim->max_size};
	if (rx.fd < 0) {
		reply(s, 451, "4.3.0", "cannot store the message", false);
		return;
	}
	reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>", false);
	enum got g = receive(s, &rx);
	if (g == G_LINE)
		relay(s, &rx);
	else
		ended(s, g);
	reset(s);
}

/* on_data - DATA, after MAIL and at least one accepted RCPT */
static void on_data(struct session *s)
{
	if (!s->mail)
		error(s, 503, "5.5.1", "need MAIL command");
	else if (!s->rcpt.n)
		reply(s, 554, "5.5.1", "no valid recipients", false);
	else
		data(s);
}

/* simple - the commands that need no state beyond the transaction */
static void simple(struct session *s, const struct pn_cmd *c)
{
	switch (c->verb) {
	case PN_VERB_RSET:
		reset(s);
		reply(s, 250, "2.0.0", "Ok", false);
		break;
	case PN_VERB_NOOP:
		reply(s, 250, "2.0.0", "Ok", false);
		break;
	case PN_VERB_QUIT:
		reply(s, 221, "2.0.0", "Bye", false);
		s->done = s->quit = true;
		break;
	case PN_VERB_VRFY:
		reply(s, 252, "2.1.5", "cannot VRFY user, but will accept message and attempt delivery", false);
		break;
	case PN_VERB_HELP:
		reply(s, 214, "2.0.0", "postern -bs: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY; see postern(1)", false);
		break;
	case PN_VERB_NOTIMPL:
		error(s, 502, "5.5.1", "command not implemented");
		break;
	case PN_VERB_HTTP:
		reply(s, 421, "4.7.0", "this is an SMTP server, closing the connection", false);
		s->done = true;
		s->rc = EX_PROTOCOL;
		break;
	default:
		error(s, 500, "5.5.1", "command unrecognized");
		break;
	}
}

/* command - one command line */
static void command(struct session *s, const char *line, size_t n)
{
	struct pn_cmd c;
	if (!pn_serve_parse(line, n, &c))
		error(s, c.code, c.enhanced, c.text);
	else if (c.verb == PN_VERB_HELO || c.verb == PN_VERB_EHLO)
		on_helo(s, c.verb == PN_VERB_EHLO);
	else if (c.verb == PN_VERB_MAIL)
		on_mail(s, &c);
	else if (c.verb == PN_VERB_RCPT)
		on_rcpt(s, &c);
	else if (c.verb == PN_VERB_DATA)
		on_data(s);
	else
		simple(s, &c);
}

/* step - read and answer one command */
static void step(struct session *s)
{
	char line[PN_SERVE_LINE_MAX + 1];
	size_t n = 0;
	s->wait = pn_deadline_first(pn_deadline_in(pn_conn_timeout_ms(s->c)), s->end); /* the whole line */
	enum got g = read_line(s, line, &n);
	if (g == G_LINE)
		command(s, line, n);
	else if (g == G_LONG)
		error(s, 500, "5.5.2", "line too long");
	else if (g == G_IDLE || g == G_SESSION || g == G_SIGNAL)
		timeout(s, g);
	else {
		s->done = true;
		s->rc = g == G_EOF ? EX_OK : EX_IOERR;
	}
	if (s->failed && !s->quit) {
		s->done = true;
		s->rc = EX_IOERR;
	}
}

/* host_name - for the greeting and EHLO */
static void host_name(char *out, size_t size)
{
	if (gethostname(out, size) < 0 || !out[0])
		snprintf(out, size, "localhost");
	out[size - 1] = '\0';
	for (char *p = out; *p; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127)
			*p = '-';
}

/* session - greeting, commands until the end, the last replies out */
static void session(struct session *s)
{
	char greeting[300];
	host_name(s->host, sizeof(s->host));
	snprintf(greeting, sizeof(greeting), "%s ESMTP postern", s->host);
	reply(s, 220, NULL, greeting, false);
	while (!s->done)
		step(s);
	int last = pn_conn_timeout_ms(s->c) < LAST_WORD_MS ? pn_conn_timeout_ms(s->c) : LAST_WORD_MS;
	s->wait = pn_deadline_in(last); /* the session's end has come, maybe */
	if (!flush(s) && !s->quit && s->rc == EX_OK)
		s->rc = EX_IOERR;
}

int pn_serve_run(const struct pn_serve_limits *lim, const struct pn_serve_ops *ops, int in, int out)
{
	struct session s = {.lim = lim, .ops = ops, .spool = -1};
	int idle_ms = lim->idle_s > 0 ? (lim->idle_s < 86400 ? lim->idle_s * 1000 : 86400000) : 1000;
	s.c = pn_conn_fds(in, out, "the client", idle_ms);
	s.end = pn_deadline_in((lim->session_s > 0 ? lim->session_s : 1) * 1000LL);
	pn_addrlist_init(&s.rcpt);
	session(&s);
	pn_addrlist_free(&s.rcpt);
	if (s.spool >= 0)
		close(s.spool);
	pn_conn_close(s.c);
	return s.rc;
}

void pn_serve_refuse(int out, const char *why)
{
	struct pn_serve_reply r;
	struct pn_error err;
	pn_error_init(&err);
	pn_serve_reply_set(&r, 421, "4.3.5", "postern: %s", why);
	char line[PN_SERVE_LINE_MAX + 1];
	int n = snprintf(line, sizeof(line), "%d %s %s\r\n", r.code, r.enhanced, r.text);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	struct pn_conn *c = pn_conn_fds(out, out, "the client", LAST_WORD_MS);
	pn_conn_deadline(c, pn_deadline_in(LAST_WORD_MS));
	if (pn_conn_write(c, line, (size_t)n, &err) && pn_conn_flush(c, &err))
		(void)0; /* a client that is gone is told nothing */
	pn_conn_close(c);
}

/* same_file - two open fds are the same file (inetd: one socket for all) */
static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void pn_serve_stdio(void)
{
	if (!same_file(2, 0) && !same_file(2, 1))
		return;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && fd != 2) {
		dup2(fd, 2);
		close(fd);
	}
}
