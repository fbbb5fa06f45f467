/* smtp.c - the SMTP client state machine (see smtp.h): the session
 * around the transactions, and the sessions kept open for -bs.
 *
 * RFC 5321 (the dialogue), RFC 3207 (STARTTLS), RFC 2033 (LMTP's LHLO),
 * RFC 1985 (ETRN, for --rmqs); the mail transaction is smtp_tx.c's, the
 * AUTH state (RFC 4954) smtp_auth.c's, BDAT (RFC 3030) smtp_bdat.c's.
 * One handler per state; the security rules are transitions: AUTH is only
 * reached with TLS up, and STARTTLS that cannot happen ends the session.
 * SECURITY: AUTH commands are written by smtp_auth.c through send_secret,
 * which shows them redacted in the transcript; the password never reaches
 * an error message.
 */
#include "smtp_session.h"

#include "mime.h"
#include "reply.h"
#include "sasl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

/* smtp_trace - one transcript line on stderr with -v */
PN_PRINTF(2, 3) void smtp_trace(const struct session *s, const char *fmt, ...)
{
	if (!s->p->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* smtp_write_line - queue one command line of max bytes at most, CRLF
 * included; shown is what the transcript says */
bool smtp_write_line(struct session *s, const char *cmd, const char *shown, size_t max)
{
	size_t n = strlen(cmd);
	if (n + 2 > max || strpbrk(cmd, "\r\n")) {
		pn_error_set(s->err, EX_DATAERR, _("%s: command too long or containing a line break: %.40s"),
			     pn_conn_name(s->c), shown);
		return false;
	}
	smtp_trace(s, "--> %s", shown);
	if (pn_conn_write(s->c, cmd, n, s->err) && pn_conn_write(s->c, "\r\n", 2, s->err))
		return true;
	s->broken = true;
	return false;
}

/* smtp_send_cmd - queue a command that may be shown as it is */
PN_PRINTF(2, 3) bool smtp_send_cmd(struct session *s, const char *fmt, ...)
{
	char cmd[CMD_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd)) {
		pn_error_set(s->err, EX_DATAERR, _("%s: command too long"), pn_conn_name(s->c));
		return false;
	}
	return smtp_write_line(s, cmd, cmd, CMD_MAX);
}

/* smtp_flush - send what is queued */
bool smtp_flush(struct session *s)
{
	if (pn_conn_flush(s->c, s->err))
		return true;
	s->broken = true;
	return false;
}

/* smtp_read_reply - one whole reply into s->r */
bool smtp_read_reply(struct session *s)
{
	pn_conn_reply_deadline(s->c); /* the whole reply, however it trickles in */
	pn_reply_reset(&s->r);
	enum pn_reply_state st = PN_REPLY_MORE;
	while (st == PN_REPLY_MORE) {
		if (!pn_conn_readline(s->c, &s->line, s->err)) {
			s->broken = true;
			return false;
		}
		smtp_trace(s, "<-- %s", s->line.data);
		st = pn_reply_feed(&s->r, s->line.data, s->line.len);
	}
	if (st == PN_REPLY_BAD) {
		s->broken = true;
		pn_error_set(s->err, EX_PROTOCOL, _("%s: the server broke the protocol: malformed reply '%.80s'"),
			     pn_conn_name(s->c), s->line.data);
		return false;
	}
	pn_reply_oneline(&s->r, s->cur, sizeof(s->cur));
	return true;
}

/* smtp_reply_error - the current reply is the failure; what says what failed */
enum state smtp_reply_error(struct session *s, const char *what)
{
	const char *name = pn_conn_name(s->c);
	pn_error_reply(s->err, s->phase, s->p->host, s->r.code, s->r.enhanced, s->cur, "%s: %s: %s", name, what, s->cur);
	return S_FAIL;
}

/* smtp_command - send one command, flush, read its reply */
bool smtp_command(struct session *s, const char *cmd)
{
	return smtp_send_cmd(s, "%s", cmd) && smtp_flush(s) && smtp_read_reply(s);
}

/* st_connect - TCP connect, trust store, implicit TLS */
static enum state st_connect(struct session *s)
{
	s->phase = PN_PHASE_CONNECT;
	s->c = pn_conn_open(s->p->host, s->p->port, &s->p->route, s->p->timeout, s->err);
	if (!s->c)
		return S_FAIL;
	smtp_trace(s, "--- connected to %s", pn_conn_name(s->c));
	if (s->p->tls == PN_TLS_OFF)
		return S_GREETING;
	/* loaded while the greeting (or the server's TLS hello) is in flight */
	s->tls = pn_tls_prepare(&s->p->tlsp, s->err);
	if (!s->tls)
		return S_FAIL;
	if (s->p->tls == PN_TLS_IMPLICIT) {
		if (!pn_tls_start(s->tls, s->c, s->err))
			return S_FAIL;
		s->tls_on = true;
		smtp_trace(s, "--- TLS established: %s", pn_tls_describe(s->tls));
	}
	return S_GREETING;
}

/* st_greeting - 220, or the server turns us away */
static enum state st_greeting(struct session *s)
{
	s->phase = PN_PHASE_GREETING;
	pn_conn_phase(s->c, N_("while waiting for the greeting"));
	if (!smtp_read_reply(s)) {
		/* in clear, silence may be a port that waits for a TLS hello */
		if (!s->tls_on && pn_conn_failure(s->c) == PN_CONN_TIMEOUT)
			pn_error_cause(s->err, PN_CAUSE_SILENT, NULL);
		return S_FAIL;
	}
	if (s->r.code != 220)
		return smtp_reply_error(s, _("the server refused the connection"));
	if (s->p->on_info)
		s->greeting = pn_xstrdup(s->r.text.data ? s->r.text.data : "");
	return S_EHLO;
}

/* parse_caps - the EHLO keywords postern uses */
static void parse_caps(struct session *s)
{
	memset(&s->caps, 0, sizeof(s->caps));
	const char *t = s->r.text.data ? s->r.text.data : "";
	for (const char *l = strchr(t, '\n'); l; l = strchr(l, '\n')) {
		l++;
		size_t n = strcspn(l, "\n");
		char kw[600];
		snprintf(kw, sizeof(kw), "%.*s", (int)(n < sizeof(kw) - 1 ? n : sizeof(kw) - 1), l);
		if (strcasecmp(kw, "STARTTLS") == 0)
			s->caps.starttls = true;
		else if (strcasecmp(kw, "PIPELINING") == 0)
			s->caps.pipelining = true;
		else if (strcasecmp(kw, "8BITMIME") == 0)
			s->caps.eightbit = true;
		else if (strcasecmp(kw, "DSN") == 0)
			s->caps.dsn = true;
		else if (strcasecmp(kw, "SMTPUTF8") == 0)
			s->caps.smtputf8 = true;
		else if (strcasecmp(kw, "CHUNKING") == 0)
			s->caps.chunking = true;
		else if (strcasecmp(kw, "BINARYMIME") == 0)
			s->caps.binarymime = true;
		else if (strncasecmp(kw, "SIZE", 4) == 0 && (!kw[4] || kw[4] == ' ')) {
			s->caps.size = true;
			s->caps.size_max = strtoul(kw + 4, NULL, 10);
		} else if (strncasecmp(kw, "AUTH", 4) == 0 && (kw[4] == ' ' || kw[4] == '=')) {
			size_t have = strlen(s->caps.auth);
			snprintf(s->caps.auth + have, sizeof(s->caps.auth) - have, " %s", kw + 5);
		} else if (s->etrn && strcasecmp(kw, "ETRN") == 0) { /* looked for by --rmqs alone */
			s->caps.etrn = true;
		}
	}
}

/* server_info - -S: what the server said and its TLS, then QUIT */
static enum state server_info(struct session *s)
{
	struct pn_smtp_info info = {s->greeting ? s->greeting : "",
				    s->r.code == 250 && s->r.text.data ? s->r.text.data : "", s->tls_on ? s->tls : NULL};
	s->p->on_info(s->p->on_info_ctx, &info);
	return S_QUIT;
}

/* smtp_transaction - what follows the greetings and AUTH: the message, or
 * with --rmqs the ETRN request */
enum state smtp_transaction(const struct session *s)
{
	return s->etrn ? S_ETRN : S_READY;
}

/* after_hello - once EHLO was answered in TLS (or TLS is off): AUTH or the
 * transaction.  A server that does not offer ETRN is not asked for it,
 * nor sent credentials for it. */
static enum state after_hello(struct session *s)
{
	if (s->etrn && !s->caps.etrn) {
		pn_error_set(s->err, EX_UNAVAILABLE,
			     _("%s: the server does not offer ETRN (remote message queue starting)"),
			     pn_conn_name(s->c));
		return S_FAIL;
	}
	return s->p->auth != PN_AUTH_OFF ? S_AUTH : smtp_transaction(s);
}

/* st_ehlo - EHLO, or HELO when the server does not know EHLO; LHLO for
 * LMTP, which has no older greeting to fall back to (RFC 2033 4.1) */
static enum state st_ehlo(struct session *s)
{
	s->phase = PN_PHASE_EHLO;
	pn_conn_phase(s->c, N_("while sending EHLO"));
	/* two formats, not "%s %s": the SMTP greeting costs what it did */
	bool sent = s->p->lmtp ? smtp_send_cmd(s, "LHLO %s", s->p->helo) : smtp_send_cmd(s, "EHLO %s", s->p->helo);
	if (!sent || !smtp_flush(s) || !smtp_read_reply(s))
		return S_FAIL;
	if (s->r.code == 250) {
		parse_caps(s);
	} else if (s->p->lmtp) {
		return smtp_reply_error(s, _("LHLO refused"));
	} else if (s->r.code >= 500) {
		if (!smtp_send_cmd(s, "HELO %s", s->p->helo) || !smtp_flush(s) || !smtp_read_reply(s))
			return S_FAIL;
		if (s->r.code != 250)
			return smtp_reply_error(s, _("HELO refused"));
		memset(&s->caps, 0, sizeof(s->caps));
	} else {
		return smtp_reply_error(s, _("EHLO refused"));
	}
	if (s->p->tls == PN_TLS_STARTTLS && !s->tls_on)
		return S_STARTTLS;
	if (s->p->on_info)
		return server_info(s);
	if (smtp_size_refused(s)) /* before any credential */
		return S_FAIL;
	return after_hello(s);
}

/* st_starttls - upgrade the connection, then EHLO again */
static enum state st_starttls(struct session *s)
{
	if (!s->caps.starttls) {
		pn_error_set(s->err, EX_UNAVAILABLE,
			     _("%s: the server does not offer STARTTLS; postern will not continue without TLS"),
			     pn_conn_name(s->c));
		return S_FAIL;
	}
	s->phase = PN_PHASE_STARTTLS;
	pn_conn_phase(s->c, N_("while starting TLS"));
	if (!smtp_command(s, "STARTTLS"))
		return S_FAIL;
	if (s->r.code != 220)
		return smtp_reply_error(s, _("STARTTLS refused"));
	if (pn_conn_unread(s->c)) {
		s->broken = true; /* the server waits for a handshake: nothing more in clear */
		pn_error_set(s->err, EX_PROTOCOL,
			     _("%s: the server sent data after its STARTTLS reply (possible command injection)"),
			     pn_conn_name(s->c));
		return S_FAIL;
	}
	if (!pn_tls_start(s->tls, s->c, s->err)) {
		s->broken = true; /* a failed handshake: nothing more in clear */
		return S_FAIL;
	}
	s->tls_on = true;
	smtp_trace(s, "--- TLS established: %s", pn_tls_describe(s->tls));
	memset(&s->caps, 0, sizeof(s->caps)); /* forget what was said in clear */
	return S_EHLO;
}

/* st_etrn - --rmqs: ask the server to start delivering its queue for
 * s->etrn (RFC 1985 5); 250 to 253 all say it was started or that there
 * was nothing to deliver */
static enum state st_etrn(struct session *s)
{
	s->phase = PN_PHASE_ETRN;
	pn_conn_phase(s->c, N_("while sending ETRN"));
	if (!smtp_send_cmd(s, "ETRN %s", s->etrn) || !smtp_flush(s) || !smtp_read_reply(s))
		return S_FAIL;
	int code = s->r.code;
	if (code >= 250 && code <= 253) {
		pn_error_accepted(s->err, s->p->host, code, s->r.enhanced, s->cur);
		return S_QUIT;
	}
	if (code < 500 || code > 504)
		return smtp_reply_error(s, _("ETRN refused"));
	/* the command, or this form of argument, is not supported: no later
	 * try can change that, whatever the enhanced code says */
	smtp_reply_error(s, _("ETRN is not supported for this argument"));
	s->err->code = EX_UNAVAILABLE;
	return S_FAIL;
}

/* st_quit - QUIT without waiting: the verdict is known already */
static enum state st_quit(struct session *s)
{
	struct pn_error ignored;
	pn_error_init(&ignored);
	smtp_trace(s, "--> QUIT");
	if (pn_conn_write(s->c, "QUIT\r\n", 6, &ignored) && pn_conn_flush(s->c, &ignored))
		smtp_trace(s, "--- closing without waiting for the reply to QUIT");
	return S_DONE;
}

/* fail_cleanup - leave politely when the connection still works */
static void fail_cleanup(struct session *s)
{
	if (!s->c || s->broken || s->data_open)
		return; /* an open DATA is abandoned by closing: the server drops it */
	struct pn_error ignored;
	pn_error_init(&ignored);
	if (s->r.code && pn_conn_write(s->c, "RSET\r\nQUIT\r\n", 12, &ignored) &&
	    pn_conn_flush(s->c, &ignored))
		smtp_trace(s, "--> RSET\n--> QUIT");
}

static const struct {
	const char *name;
	enum state (*run)(struct session *);
} states[] = {
	[S_CONNECT] = {"CONNECT", st_connect},   [S_GREETING] = {"GREETING", st_greeting},
	[S_EHLO] = {"EHLO", st_ehlo},             [S_STARTTLS] = {"STARTTLS", st_starttls},
	[S_AUTH] = {"AUTH", smtp_st_auth},        [S_ENVELOPE] = {"ENVELOPE", smtp_st_envelope},
	[S_BODY] = {"BODY", smtp_st_body},             [S_ETRN] = {"ETRN", st_etrn},
	[S_QUIT] = {"QUIT", st_quit},
};

/* smtp_drive - run the states from st until the session is ready for a
 * transaction, done, or failed (the error then says where) */
enum state smtp_drive(struct session *s, enum state st)
{
	while (st != S_DONE && st != S_FAIL && st != S_READY) {
		smtp_trace(s, "--- state %s", states[st].name);
		st = states[st].run(s);
	}
	if (st == S_FAIL)
		pn_error_where(s->err, s->phase, s->p->host, s->p->port);
	return st;
}

/* session_init - what every session starts with */
static void session_init(struct session *s, const struct pn_smtp_params *p, struct pn_error *out)
{
	s->p = p;
	s->err = out;
	pn_error_init(out);
	pn_reply_init(&s->r);
	pn_buf_init(&s->line, PN_REPLY_LINE_MAX);
}

/* session_free - the connection and what the session holds */
static void session_free(struct session *s)
{
	pn_tls_free(s->tls, s->c);
	pn_conn_close(s->c);
	pn_mime_free(s->seven);
	free(s->greeting);
	free(s->tx.i);
	free(s->later.i);
	pn_reply_free(&s->r);
	pn_buf_free(&s->line);
}

/* run - one session from the connection to QUIT */
static bool run(struct session *s)
{
	enum state st = smtp_drive(s, S_CONNECT);
	if (st == S_READY && (s->msg || s->p->verify))
		st = smtp_drive(s, smtp_begin_tx(s));
	if (st == S_READY)
		st = st_quit(s);
	if (st == S_FAIL) {
		smtp_partial(s);
		fail_cleanup(s);
	}
	session_free(s);
	return st == S_DONE;
}

/* pn_smtp_deliver - see smtp.h */
bool pn_smtp_deliver(const struct pn_smtp_params *p, const struct pn_envelope *env,
		     const struct pn_message *msg, struct pn_error *out)
{
	struct session s = {.env = env, .from = env->from_ascii, .rcpt = env->rcpt_ascii, .msg = msg};
	session_init(&s, p, out);
	return run(&s);
}

/* pn_smtp_etrn - see smtp.h */
bool pn_smtp_etrn(const struct pn_smtp_params *p, const char *arg, struct pn_error *out)
{
	struct session s = {.etrn = arg};
	session_init(&s, p, out);
	return run(&s);
}

/* pn_smtp_open - see smtp.h */
struct pn_smtp *pn_smtp_open(const struct pn_smtp_params *p, struct pn_error *out)
{
	struct pn_smtp *c = pn_xcalloc(1, sizeof(*c));
	session_init(&c->s, p, out);
	pn_addrlist_init(&c->rcpt);
	if (smtp_drive(&c->s, S_CONNECT) == S_READY)
		return c;
	fail_cleanup(&c->s);
	c->s.broken = true; /* nothing more to say on it; out keeps why */
	pn_smtp_close(c);
	return NULL;
}

/* pn_smtp_abort - see smtp.h */
void pn_smtp_abort(struct pn_smtp *c)
{
	if (c->s.step_mail)
		c->s.rset = true;
	c->s.step_mail = false;
}

/* pn_smtp_usable - see smtp.h */
bool pn_smtp_usable(struct pn_smtp *c)
{
	const struct session *s = &c->s;
	return s->c && !s->broken && !s->data_open && s->r.code != 421 && !pn_conn_pending(s->c);
}

/* pn_smtp_close - see smtp.h */
void pn_smtp_close(struct pn_smtp *c)
{
	if (!c)
		return;
	struct pn_error ignored;
	c->s.err = &ignored;
	if (pn_smtp_usable(c))
		(void)st_quit(&c->s);
	smtp_step_reset(c);
	session_free(&c->s);
	free(c);
}
