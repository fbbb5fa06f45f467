/* serve.c - the -bs session (see serve.h): bounded reads with deadlines
 * from the client, buffered replies, and the command state machine.
 *
 * RFC 5321 (the dialogue and its limits), RFC 2920 (PIPELINING: replies
 * are held while more commands are waiting and always sent before waiting
 * for input), RFC 1870 (SIZE), RFC 2034 (ENHANCEDSTATUSCODES), RFC 6531
 * (SMTPUTF8).  The parser and the un-stuffer are in serve_parse.c.
 */
#include "serve.h"

#include "message.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define IN_BUF 16384
#define OUT_BUF 8192
#define ERRORS_MAX 20     /* protocol errors before the client is dropped */
#define LAST_WORD_MS 5000 /* for the closing 421 */

enum got { G_MORE, G_LINE, G_LONG, G_EOF, G_IDLE, G_SESSION, G_ERROR };

struct io {
	int in, out;
	char ibuf[IN_BUF];
	size_t ipos, ilen;
	char obuf[OUT_BUF];
	size_t olen;
	bool failed;        /* the client's input or output failed */
	long long deadline; /* end of the session, monotonic ms */
	int idle_ms;
};

struct session {
	const struct pn_serve_limits *lim;
	const struct pn_serve_ops *ops;
	struct io io;
	char host[256];
	bool helo, esmtp, mail, utf8;
	char from[PN_SERVE_PATH_MAX];
	struct pn_addrlist rcpt;
	int errors;
	bool done, quit;
	int rc;
};

/* now_ms - monotonic milliseconds */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* write_some - what the fd takes now; a socket never blocks, a pipe that
 * poll() called writable takes a page */
static ssize_t write_some(int fd, const char *p, size_t n)
{
	ssize_t w = send(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w >= 0 || errno != ENOTSOCK)
		return w;
	return write(fd, p, n < 4096 ? n : 4096);
}

/* write_all - n octets to fd, each wait bounded by timeout_ms */
static bool write_all(int fd, const char *p, size_t n, int timeout_ms)
{
	while (n) {
		struct pollfd pf = {.fd = fd, .events = POLLOUT};
		int r = poll(&pf, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		ssize_t w = write_some(fd, p, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* flush - the replies held so far */
static bool flush(struct io *io)
{
	if (io->failed)
		return false;
	if (io->olen && !write_all(io->out, io->obuf, io->olen, io->idle_ms))
		io->failed = true;
	io->olen = 0;
	return !io->failed;
}

/* fill - more input, once the replies held went out; G_MORE when some came */
static enum got fill(struct io *io)
{
	if (!flush(io))
		return G_ERROR;
	memmove(io->ibuf, io->ibuf + io->ipos, io->ilen - io->ipos);
	io->ilen -= io->ipos;
	io->ipos = 0;
	for (;;) {
		long long left = io->deadline - now_ms();
		if (left <= 0)
			return G_SESSION;
		struct pollfd pf = {.fd = io->in, .events = POLLIN};
		int r = poll(&pf, 1, left < io->idle_ms ? (int)left : io->idle_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return now_ms() >= io->deadline ? G_SESSION : G_IDLE;
		ssize_t n = r < 0 ? -1 : read(io->in, io->ibuf + io->ilen, IN_BUF - io->ilen);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return G_ERROR;
		if (n == 0)
			return G_EOF;
		io->ilen += (size_t)n;
		return G_MORE;
	}
}

/* read_line - the next command line, without its LF or CRLF; a line longer
 * than PN_SERVE_LINE_MAX is read to its end and dropped (G_LONG) */
static enum got read_line(struct io *io, char *line, size_t *len)
{
	bool too_long = false;
	for (;;) {
		const char *s = io->ibuf + io->ipos;
		size_t avail = io->ilen - io->ipos;
		const char *nl = memchr(s, '\n', avail);
		if (nl) {
			size_t n = (size_t)(nl - s) + 1;
			io->ipos += n;
			if (too_long || n > PN_SERVE_LINE_MAX)
				return G_LONG;
			n -= 1 + (n >= 2 && s[n - 2] == '\r');
			memcpy(line, s, n);
			line[n] = '\0';
			*len = n;
			return G_LINE;
		}
		if (avail >= PN_SERVE_LINE_MAX) {
			too_long = true;
			io->ipos = io->ilen;
		}
		enum got g = fill(io);
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
	if (s->io.olen + (size_t)n > OUT_BUF && !flush(&s->io))
		return;
	memcpy(s->io.obuf + s->io.olen, line, (size_t)n);
	s->io.olen += (size_t)n;
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
	s->ops->mail(s->ops->ctx, c->addr, &r);
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
	while (n && !rx->too_big && !rx->write_failed) {
		ssize_t w = write(rx->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rx->write_failed = true;
		else {
			p += w;
			n -= (size_t)w;
		}
	}
}

/* receive - the data up to CRLF "." CRLF; G_LINE when it ended there */
static enum got receive(struct io *io, struct rx *rx)
{
	static char out[IN_BUF + 1];
	struct pn_unstuff u;
	pn_unstuff_init(&u);
	for (;;) {
		size_t on = 0, avail = io->ilen - io->ipos;
		io->ipos += pn_unstuff_feed(&u, io->ibuf + io->ipos, avail, out, &on);
		keep(rx, out, on);
		if (u.done)
			return G_LINE;
		enum got g = fill(io);
		if (g != G_MORE)
			return g;
	}
}

/* timeout - the client was too slow (idle) or the session too long */
static void timeout(struct session *s, enum got g)
{
	reply(s, 421, "4.4.2", g == G_IDLE ? "idle timeout, closing the connection"
					  : "session time limit reached, closing the connection", false);
	s->done = true;
	s->rc = EX_TEMPFAIL;
}

/* ended - what ends a session while DATA was being read */
static void ended(struct session *s, enum got g)
{
	if (g == G_IDLE || g == G_SESSION) {
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
		flush(&s->io); /* nothing should be held; the relay may take a while */
		s->ops->data(s->ops->ctx, s->from, &s->rcpt, rx->fd, &r);
		answer(s, &r);
	}
}

/* data - DATA accepted: the message into a temporary file, then relayed */
static void data(struct session *s)
{
	struct pn_error err;
	pn_error_init(&err);
	struct rx rx = {.fd = pn_message_tmpfile(&err), .max = s->lim->max_size};
	if (rx.fd < 0) {
		reply(s, 451, "4.3.0", "cannot store the message", false);
		return;
	}
	reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>", false);
	enum got g = receive(&s->io, &rx);
	if (g == G_LINE)
		relay(s, &rx);
	else
		ended(s, g);
	close(rx.fd);
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
	enum got g = read_line(&s->io, line, &n);
	if (g == G_LINE)
		command(s, line, n);
	else if (g == G_LONG)
		error(s, 500, "5.5.2", "line too long");
	else if (g == G_IDLE || g == G_SESSION)
		timeout(s, g);
	else {
		s->done = true;
		s->rc = g == G_EOF ? EX_OK : EX_IOERR;
	}
	if (s->io.failed && !s->quit) {
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

int pn_serve_run(const struct pn_serve_limits *lim, const struct pn_serve_ops *ops, int in, int out)
{
	static struct session s; /* 24 KiB of buffers: not on the stack */
	memset(&s, 0, sizeof(s));
	s.lim = lim;
	s.ops = ops;
	s.io.in = in;
	s.io.out = out;
	s.io.idle_ms = lim->idle_s > 0 ? (lim->idle_s < 86400 ? lim->idle_s * 1000 : 86400000) : 1000;
	s.io.deadline = now_ms() + (lim->session_s > 0 ? lim->session_s : 1) * 1000LL;
	pn_addrlist_init(&s.rcpt);
	host_name(s.host, sizeof(s.host));
	char greeting[300];
	snprintf(greeting, sizeof(greeting), "%s ESMTP postern", s.host);
	reply(&s, 220, NULL, greeting, false);
	while (!s.done)
		step(&s);
	if (s.io.idle_ms > LAST_WORD_MS)
		s.io.idle_ms = LAST_WORD_MS;
	if (!flush(&s.io) && !s.quit && s.rc == EX_OK)
		s.rc = EX_IOERR;
	pn_addrlist_free(&s.rcpt);
	return s.rc;
}

void pn_serve_refuse(int out, const char *why)
{
	struct pn_serve_reply r;
	pn_serve_reply_set(&r, 421, "4.3.5", "postern: %s", why);
	char line[PN_SERVE_LINE_MAX + 1];
	int n = snprintf(line, sizeof(line), "%d %s %s\r\n", r.code, r.enhanced, r.text);
	if (n > 0 && (size_t)n < sizeof(line))
		write_all(out, line, (size_t)n, LAST_WORD_MS); /* a client that is gone is told nothing */
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
