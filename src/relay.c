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
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* an account of the session's configuration */
struct slot {
	struct hold h;
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

/* sender_ok - the envelope sender the account makes of MAIL FROM is usable */
static bool sender_ok(const struct pn_account *a, const char *from, const struct pn_identity *id,
		      struct pn_error *err)
{
	char *e = pn_account_from(a, from, id);
	bool utf8 = false;
	char *ascii = NULL;
	bool ok = !*e || (pn_address_check(e, N_("sender"), err) && (ascii = pn_address_ascii(e, &utf8, err)));
	free(ascii);
	free(e);
	return ok;
}

/* serve_mail - MAIL FROM: the account, its secret, the sender */
static void serve_mail(void *ctx, const char *from, struct pn_serve_reply *rep)
{
	struct bs *s = ctx;
	struct pn_error err;
	pn_error_init(&err);
	const char *f = *from ? from : "<>";
	const struct pn_account *a = pn_account_choose(&s->r.cfg, s->req->account, f, s->r.id.login, &err);
	bool ok = a && pn_account_check(a, &err) && serve_ready(s, a, &err) && sender_ok(a, f, &s->r.id, &err);
	s->acc = ok ? a : NULL;
	if (ok)
		pn_serve_reply_set(rep, 250, "2.1.0", "Ok");
	else if (err.code == EX_DATAERR)
		pn_serve_reply_set(rep, 553, "5.1.7", "postern: %s", err.msg);
	else
		pn_serve_local(rep, err.code, false, err.msg);
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

/* serve_rcpt - RCPT TO: the envelope this recipient makes (aliases,
 * maildomain, IDN) can be built */
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
	pn_envelope_free(&env);
	if (ok)
		pn_serve_reply_set(rep, 250, "2.1.5", "Ok");
	else
		pn_serve_local(rep, err.code, true, err.msg);
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
	pn_serve_verdict(rep, &out);
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
		struct pn_serve_ops ops = {&s, serve_mail, serve_rcpt, serve_data};
		pn_signals_hold(); /* a signal ends the session (421), a message in flight is kept */
		code = pn_serve_run(&lim, &ops, 0, 1);
		pn_signals_release();
	}
	serve_release(&s);
	return code;
}
