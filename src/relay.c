/* relay.c - -bs: one SMTP session (serve.h), each of its messages sent
 * through pn_run_message() as a one-message run sends it.  The account is
 * chosen per message from MAIL FROM; the envelope travels as data (the
 * addresses serve.c validated), never as words to parse again.
 * SECURITY: every secret a message could need is taken before the client's
 * first byte is read (the postern group is then given up for good), held
 * for the session and wiped when it ends.
 */
#include "run.h"

#include "net.h"
#include "privilege.h"
#include "retry.h"
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* an account of the session's configuration */
struct slot {
	struct hold h;
	struct pn_smtp_params p;  /* its SMTP settings, made on first use */
	bool p_made;
	struct pn_smtp *conn;     /* its connection, kept for the session */
	struct pn_error why;    /* it cannot be used: the secret failed */
	struct pn_error logerr; /* its log file cannot be opened */
	bool ready;             /* pn_run_take_own() was done */
	struct pn_aliases *aliases; /* its aliases file, read once */
	struct pn_error alerr;  /* ... or why it could not be */
	bool al_read;
};

struct bs {
	const struct pn_request *req;
	struct run r;
	struct slot *slots;     /* one per account of r.cfg */
	const struct pn_account *acc; /* of the transaction, from MAIL FROM */
	struct slot *cur;
	/* the transaction's MAIL and RCPTs go to the smarthost as they come,
	 * each answered with its verdict; false when the account makes the
	 * sender of the message (%F, --read-envelope-from): then the
	 * smarthost hears of the transaction after the data */
	bool stream;
	bool tx_open;  /* ... the smarthost accepted its MAIL */
	bool utf8;     /* ... with SMTPUTF8 */
};

/* slot_of - the slot of an account of the configuration */
static struct slot *slot_of(struct bs *s, const struct pn_account *a)
{
	size_t i = 0;
	while (i + 1 < s->r.cfg.n && s->r.cfg.acc[i] != a)
		i++;
	return &s->slots[i];
}

/* log_fd - after the log file was opened: "logfile -" is standard error
 * (standard output carries the replies); a failure is said once */
static void log_fd(struct slot *sl, bool had_logerr)
{
	if (sl->h.logfd == 1)
		sl->h.logfd = 2;
	if (!had_logerr && pn_error_isset(&sl->logerr))
		pn_fail(&sl->logerr);
}

/* serve_acquire - before the client is heard: with the postern group, the
 * secret and log file of every system account that a message could use
 * (the one named with -a, else all); then the group is given up for good.
 * Accounts are chosen per message, from MAIL FROM, so all are taken now. */
static bool serve_acquire(struct bs *s, struct pn_error *err)
{
	bool priv = pn_priv_active();
	bool ok = !priv || pn_priv_raise(err);
	for (size_t i = 0; i < s->r.cfg.n; i++) {
		const struct pn_account *a = s->r.cfg.acc[i];
		struct slot *sl = &s->slots[i];
		sl->h.logfd = -1;
		sl->h.logpath = s->req->logfile ? s->req->logfile : a->logfile;
		if (!ok || !priv || !a->system || (s->req->account && strcmp(a->name, s->req->account) != 0))
			continue;
		(void)pn_run_take_privileged(s->req, a, &s->r.id, &sl->h, &sl->logerr, &sl->why); /* why says it */
		log_fd(sl, false);
	}
	bool dropped = pn_priv_drop(err);
	return ok && dropped;
}

/* serve_ready - the account's secret and log, taken with the caller's
 * rights on the first message that uses it */
static bool serve_ready(struct bs *s, const struct pn_account *a, struct pn_error *err)
{
	struct slot *sl = slot_of(s, a);
	if (!sl->ready && !pn_error_isset(&sl->why)) {
		bool had_logerr = pn_error_isset(&sl->logerr);
		(void)pn_run_take_own(a, &s->r.id, &sl->h, &sl->logerr, &sl->why);
		log_fd(sl, had_logerr);
	}
	sl->ready = true;
	s->cur = sl;
	if (pn_error_isset(&sl->why))
		*err = sl->why;
	return !pn_error_isset(&sl->why);
}

/* sender_form - the envelope sender the account makes of MAIL FROM, in
 * the form it goes in (UTF-8 when its local part needs SMTPUTF8, else
 * with an A-label domain: *utf8 says which); NULL with err set when it is
 * not usable.  Free the result. */
static char *sender_form(const struct pn_account *a, const char *from, const struct pn_identity *id, bool *utf8,
			 struct pn_error *err)
{
	char *e = pn_account_from(a, from, id);
	*utf8 = false;
	if (!*e)
		return e;
	char *ascii = NULL;
	bool ok = pn_address_check(e, N_("sender"), err) && (ascii = pn_address_ascii(e, utf8, err));
	if (ok && *utf8) {
		free(ascii);
		return e;
	}
	free(e);
	return ascii;
}

/* sender_later - the sender the account makes of MAIL FROM (from) is the
 * message's (--read-envelope-from, or a %F that stays: the account's from
 * is used, when allow_from_override is off or local_senders replaces a
 * local MAIL FROM): it is known only after the data.  A %F account that
 * takes MAIL FROM as it is knows it now. */
static bool sender_later(const struct pn_request *req, const char *from)
{
	return req->read_envelope_from || strstr(from, "%F");
}

/* stale - MAIL on a kept connection failed as it does when the smarthost
 * closed it, or takes no more messages on it (421, or another 4xx: servers
 * that count messages per connection say so at MAIL): a new connection may
 * do, and its answer is the verdict */
static bool stale(const struct pn_error *e)
{
	bool lost = e->reply == 0 && e->code != EX_DATAERR; /* no reply, and not postern's own refusal */
	return e->phase <= PN_PHASE_MAIL && (lost || (e->reply >= 400 && e->reply <= 499));
}

/* slot_params - the account's SMTP settings, made once a session */
static const struct pn_smtp_params *slot_params(struct bs *s)
{
	struct slot *sl = s->cur;
	if (!sl->p_made) {
		s->r.h = &sl->h;
		pn_run_params(s->req, s->acc, &s->r, &sl->p);
		sl->p_made = true;
	}
	return &sl->p;
}

/* slot_conn - the account's connection: the one kept while the smarthost
 * holds it, else a new one (*fresh); NULL with err set */
static struct pn_smtp *slot_conn(struct bs *s, bool *fresh, struct pn_error *err)
{
	struct slot *sl = s->cur;
	*fresh = false;
	if (sl->conn && !pn_smtp_usable(sl->conn)) {
		pn_smtp_close(sl->conn);
		sl->conn = NULL;
	}
	if (sl->conn)
		return sl->conn;
	*fresh = true;
	sl->conn = pn_smtp_open(slot_params(s), err);
	return sl->conn;
}

/* what a transaction's MAIL FROM carries */
struct mail_step {
	struct bs *s;
	const char *from;
	const struct pn_cmd *c;
};

/* mail_once - MAIL FROM on the kept connection, once more on a new one
 * when the smarthost had closed it (retry.h's step) */
static bool mail_once(void *ctx, struct pn_error *out)
{
	struct mail_step *m = ctx;
	struct bs *s = m->s;
	for (int n = 0; n < 2; n++) {
		bool fresh;
		struct pn_smtp *conn = slot_conn(s, &fresh, out);
		s->utf8 = m->c->smtputf8;
		if (!conn)
			return false;
		if (pn_smtp_mail(conn, m->from, &s->utf8, m->c->has_size ? m->c->size : 0, out))
			return true;
		if (fresh || !stale(out))
			return false;
		pn_error_init(out);
	}
	return false;
}

/* mail_stream - MAIL FROM to the smarthost, retried as the account says
 * (retry: a connection that fails, a 421, 432 or 454 before MAIL was
 * taken); its verdict */
static void mail_stream(struct bs *s, const char *from, const struct pn_cmd *c, struct pn_serve_reply *rep)
{
	struct pn_error out;
	const struct pn_account *a = s->acc;
	struct mail_step m = {s, from, c};
	struct pn_retry rt = {a->retry, a->retry_delay, a->retry_max_time, a->retry_after_data};
	s->tx_open = pn_retry_step(&rt, slot_params(s), mail_once, &m, &out);
	pn_serve_verdict(rep, &out);
}

/* serve_mail - MAIL FROM: the account, its secret, the sender; when the
 * sender is known now, the smarthost's verdict on it */
static void serve_mail(void *ctx, const struct pn_cmd *c, struct pn_serve_reply *rep)
{
	struct bs *s = ctx;
	struct pn_error err;
	pn_error_init(&err);
	const char *f = *c->addr ? c->addr : "<>";
	const struct pn_account *a = pn_account_choose(&s->r.cfg, s->req->account, f, s->r.id.login, &err);
	bool utf8 = false;
	char *from = NULL;
	bool ok = a && pn_account_check(a, &err) && serve_ready(s, a, &err) &&
		  (from = sender_form(a, f, &s->r.id, &utf8, &err));
	s->acc = ok ? a : NULL;
	s->stream = ok && !sender_later(s->req, from);
	s->tx_open = false;
	if (ok && s->stream)
		mail_stream(s, from, c, rep);
	else if (ok)
		pn_serve_reply_set(rep, 250, "2.1.0", "Ok");
	else if (err.code == EX_DATAERR)
		pn_serve_reply_set(rep, 553, "5.1.7", "postern: %s", err.msg);
	else
		pn_serve_local(rep, err.code, false, err.msg);
	free(from);
}

/* session_aliases - the aliases of the transaction's account, read once a
 * session; false (err set) when its file cannot be read */
static bool session_aliases(struct bs *s, struct pn_envelope_in *ein, struct pn_error *err)
{
	struct slot *sl = s->cur;
	if (!s->acc->aliases)
		return true;
	if (!sl->al_read) {
		sl->aliases = pn_aliases_load(s->acc->aliases, &sl->alerr);
		sl->al_read = true;
	}
	ein->aliases = sl->aliases;
	if (!sl->aliases)
		*err = sl->alerr;
	return sl->aliases != NULL;
}

/* envelope_in - the envelope of a transaction, as data; false (err set)
 * when the account's aliases cannot be read */
static bool envelope_in(struct bs *s, const char *from, const struct pn_addrlist *rcpt, struct pn_envelope_in *ein,
			struct pn_error *err)
{
	*ein = (struct pn_envelope_in){.from = from, .addrs = rcpt};
	return session_aliases(s, ein, err);
}

/* lost - the smarthost's transaction ended (it closed the connection, or
 * refused a step): nothing more can join it */
static bool lost(struct pn_error *out)
{
	pn_error_set(out, EX_TEMPFAIL, _("the transaction with the smarthost was lost; send the message again"));
	return false;
}

/* rcpt_stream - the addresses a RCPT TO makes (an alias may make
 * several) to the smarthost: the verdict is its own, the first acceptance
 * when it took any of them (the others are named on standard error with
 * -v), else its first refusal.  A recipient deferred with 452 4.5.3 is
 * accepted: it gets the message in a further transaction. */
static void rcpt_stream(struct bs *s, const struct pn_envelope_store *env, struct pn_serve_reply *rep)
{
	struct pn_error out, first;
	pn_error_init(&first);
	bool any = false, deferred = false;
	const struct pn_addrlist *l = s->utf8 ? &env->rcpt : &env->rcpt_ascii;
	for (size_t i = 0; i < l->n; i++) {
		bool later = false;
		pn_error_init(&out);
		bool ok = s->tx_open ? pn_smtp_rcpt(s->cur->conn, l->addr[i], &later, &out) : lost(&out);
		if (!any && (ok || !pn_error_isset(&first))) /* the first acceptance, else the first refusal */
			first = out;
		deferred |= later && !any;
		any |= ok;
	}
	if (deferred)
		pn_serve_reply_set(rep, 250, "2.1.5", "postern: deferred by the smarthost (too many recipients): sent "
			       "in a further transaction");
	else
		pn_serve_verdict(rep, &first);
}

/* serve_rcpt - RCPT TO: the envelope this recipient makes (aliases,
 * maildomain, IDN) can be built; when the transaction streams, the
 * smarthost's verdict */
static void serve_rcpt(void *ctx, const char *from, const char *rcpt, struct pn_serve_reply *rep)
{
	struct bs *s = ctx;
	struct pn_error err;
	pn_error_init(&err);
	char *one[] = {(char *)rcpt};
	struct pn_addrlist list = {.addr = one, .n = 1, .cap = 1};
	struct pn_envelope_in ein;
	struct pn_envelope_store env;
	memset(&env, 0, sizeof(env));
	bool ok = envelope_in(s, from, &list, &ein, &err) && pn_envelope_build(&env, &ein, s->acc, &s->r.id, NULL, &err);
	if (ok && s->stream)
		rcpt_stream(s, &env, rep);
	else if (ok)
		pn_serve_reply_set(rep, 250, "2.1.5", "Ok");
	else
		pn_serve_local(rep, err.code, true, err.msg);
	pn_envelope_free(&env);
}

/* serve_request - the request of one message: the command line's, never
 * -t, --resend or -bv; the data is delimited already */
static void serve_request(const struct bs *s, struct pn_request *rq)
{
	*rq = *s->req;
	rq->mode = PN_MODE_SEND;
	rq->from = NULL;
	rq->rcpt = NULL;
	rq->nrcpt = 0;
	rq->read_recipients = false;
	rq->ignore_dots = true;
	rq->resend = NULL;
}

/* serve_data - the message through the normal path; the verdict */
static void serve_data(void *ctx, const char *from, const struct pn_addrlist *rcpt, int fd,
		       struct pn_serve_reply *rep)
{
	struct bs *s = ctx;
	struct pn_request rq;
	serve_request(s, &rq);
	struct pn_error out;
	pn_error_init(&out);
	struct pn_envelope_in ein;
	bool ok = envelope_in(s, from, rcpt, &ein, &out);
	s->r.h = &s->cur->h;
	(void)pn_run_message(&rq, &ein, s->acc, &s->r, fd, ok, &out);
	s->tx_open = false;
	pn_serve_verdict(rep, &out);
}

/* relay_send - run.h's send: the message on the session's connection.
 * A streamed transaction only lacks the data; else the whole transaction
 * goes now (once more on a new connection when the smarthost had closed
 * the kept one before taking anything). */
static bool relay_send(void *ctx, const struct pn_envelope *env, const struct pn_message *m, struct pn_error *out)
{
	struct bs *s = ctx;
	if (s->stream)
		return s->tx_open ? pn_smtp_data(s->cur->conn, m, out) : lost(out);
	for (int n = 0; n < 2; n++) {
		bool fresh;
		struct pn_smtp *conn = slot_conn(s, &fresh, out);
		if (!conn)
			return false;
		if (pn_smtp_send(conn, env, m, out))
			return true;
		if (fresh || !stale(out))
			return false;
		pn_error_init(out);
	}
	return false;
}

/* serve_reset - the client ended the transaction without data */
static void serve_reset(void *ctx)
{
	struct bs *s = ctx;
	if (s->tx_open && s->cur && s->cur->conn)
		pn_smtp_abort(s->cur->conn);
	s->tx_open = false;
}

/* serve_limits - of the account named with -a, else of "default" */
static void serve_limits(const struct bs *s, struct pn_serve_limits *lim)
{
	const struct pn_account *a = pn_config_find(&s->r.cfg, s->req->account ? s->req->account : "default");
	lim->max_size = (unsigned long long)(a ? a->bs_max_size : PN_BS_MAX_SIZE);
	lim->max_rcpt = (size_t)(a ? a->bs_max_recipients : PN_BS_MAX_RECIPIENTS);
	lim->idle_s = a ? a->bs_idle_timeout : PN_BS_IDLE_TIMEOUT;
	lim->session_s = a ? a->bs_session_timeout : PN_BS_SESSION_TIMEOUT;
}

/* serve_release - every secret wiped, every log file closed */
static void serve_release(struct bs *s)
{
	for (size_t i = 0; s->slots && i < s->r.cfg.n; i++) {
		pn_smtp_close(s->slots[i].conn); /* QUIT, before the secret goes */
		s->slots[i].conn = NULL;
		pn_secret_wipe(&s->slots[i].h.secret);
		if (s->slots[i].h.logfd > 2)
			close(s->slots[i].h.logfd);
		pn_aliases_free(s->slots[i].aliases);
	}
	free(s->slots);
	s->r.h = NULL;
	pn_run_release(&s->r);
}

/* pn_send_serve - -bs: see serve.h and send.h */
int pn_send_serve(const struct pn_request *req, struct pn_error *err)
{
	struct bs s = {.req = req, .r = {.id = {NULL, NULL, NULL, NULL, NULL}, .session = true}};
	pn_serve_stdio();
	bool ok = pn_run_setup(req, &s.r, err);
	s.slots = ok ? pn_xcalloc(s.r.cfg.n ? s.r.cfg.n : 1, sizeof(*s.slots)) : NULL;
	ok = ok && serve_acquire(&s, err);
	if (!pn_priv_drop(err))
		ok = false;
	int code;
	if (!ok) {
		pn_serve_refuse(1, err->msg);
		code = pn_fail(err);
	} else {
		struct pn_serve_limits lim;
		serve_limits(&s, &lim);
		struct pn_serve_ops ops = {&s, serve_mail, serve_rcpt, serve_data, serve_reset};
		s.r.send = relay_send;
		s.r.send_ctx = &s;
		pn_signals_hold(); /* a signal ends the session (421), a message in flight is kept */
		code = pn_serve_run(&lim, &ops, 0, 1);
		pn_signals_release();
	}
	serve_release(&s);
	return code;
}
