/* send.c - one run of postern: the flow of DESIGN.md from the request to
 * the outcome.  argv -> cli (done by main.c); rc files -> config -> account
 * -> secret; stdin -> message; envelope; smtp (with retry) delivers; a dead
 * letter keeps what could not be delivered; log records.
 * -bs (pn_send_serve) is the same flow with the per-message part
 * (one_message) run for each message of an SMTP session (serve.h).
 * SECURITY: the password is held here between secret.c and smtp.c and wiped
 * before the run ends (in a -bs session: when the session ends); the
 * postern group is dropped in acquire() (-bs: in serve_acquire(), before the
 * client's first byte is read).
 */
#include "send.h"

#include "account.h"
#include "aliases.h"
#include "deadletter.h"
#include "envelope.h"
#include "log.h"
#include "privilege.h"
#include "retry.h"
#include "secret.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* pn_fail - the one stderr line for an error; its exit code */
int pn_fail(const struct pn_error *err)
{
	fprintf(stderr, "postern: %s\n", err->msg);
	return err->code ? err->code : EX_SOFTWARE;
}

/* print_verdict - -bv: one line per recipient on stdout */
static void print_verdict(void *ctx, const char *addr, int code, const char *reply)
{
	if (code >= 200 && code < 300)
		printf(_("%s: deliverable (%s)\n"), addr, reply);
	else
		printf(_("%s: refused (%s)\n"), addr, reply);
}

/* load_config - -C FILE alone, or the standard files */
static bool load_config(const struct pn_request *req, struct pn_config *cfg, struct pn_error *err)
{
	if (req->config_file)
		return pn_config_load(cfg, req->config_file, false, err);
	return pn_config_load_standard(cfg, err);
}

/* rewrite - the header commands of the account */
static bool rewrite(const struct pn_request *req, const struct pn_account *a, const char *from,
		    const char *helo, struct pn_message *m, struct pn_error *err)
{
	struct pn_rewrite rw = {from, req->fullname, helo, a->set_from_header, a->set_date_header,
				a->set_msgid_header, a->remove_bcc_headers, a->undisclosed_recipients};
	return pn_message_rewrite(m, &rw, err) && pn_message_prepare(m, err);
}

/* what an account sends with: its secret and its log file */
struct hold {
	struct pn_secret secret;
	int logfd;
	const char *logpath;
};

/* the resources one send holds, released by release() */
struct run {
	struct pn_identity id;
	struct pn_config cfg;
	struct hold *h;  /* of the account in use */
	bool session;    /* -bs: h outlives the message, errors go in replies */
};

/* take_privileged - with the postern group raised: a system account's
 * password or passwordeval, and its logfile */
static bool take_privileged(const struct pn_request *req, const struct pn_account *a, const struct pn_identity *id,
			    struct hold *h, struct pn_error *logerr, struct pn_error *err)
{
	struct pn_secret_ctx sctx = {id->home, true};
	bool ok = true;
	if (pn_account_auth(a) != PN_AUTH_OFF && (a->password || a->passwordeval))
		ok = pn_secret_get(a, &sctx, &h->secret, err);
	if (ok && h->logpath && !req->logfile)
		h->logfd = pn_log_open(h->logpath, logerr);
	return ok;
}

/* take_own - with the caller's rights: the secret and the log file that
 * were not taken with the group */
static bool take_own(const struct pn_account *a, const struct pn_identity *id, struct hold *h,
		     struct pn_error *logerr, struct pn_error *err)
{
	struct pn_secret_ctx sctx = {id->home, false};
	bool ok = true;
	if (pn_account_auth(a) != PN_AUTH_OFF && !h->secret.value)
		ok = pn_secret_get(a, &sctx, &h->secret, err);
	if (ok && h->logpath && h->logfd < 0 && !pn_error_isset(logerr))
		h->logfd = pn_log_open(h->logpath, logerr);
	return ok;
}

/* acquire - with the postern group where a system account needs it: its
 * password or passwordeval, and its logfile; then the group is given up for
 * good.  The caller's own sources (keyring, ~/.netrc, the terminal) and -X
 * are only ever used with the caller's rights. */
static bool acquire(const struct pn_request *req, const struct pn_account *a, struct run *r,
		    struct pn_error *err)
{
	bool priv = a->system && pn_priv_active();
	r->h->logpath = req->logfile ? req->logfile : a->logfile;
	struct pn_error logerr;
	pn_error_init(&logerr);
	bool ok = !priv || pn_priv_raise(err);
	if (ok && priv)
		ok = take_privileged(req, a, &r->id, r->h, &logerr, err);
	if (!pn_priv_drop(err))
		return false;
	if (ok)
		ok = take_own(a, &r->id, r->h, &logerr, err);
	if (pn_error_isset(&logerr))
		pn_fail(&logerr); /* a log that cannot be written does not stop delivery */
	return ok;
}

/* deliver - everything after the account is known; m is NULL for -bv */
static bool deliver(const struct pn_request *req, const struct pn_account *a, struct run *r,
		    struct pn_message *m, struct pn_envelope_store *env, struct pn_outcome *out,
		    struct pn_error *err)
{
	struct pn_smtp_params p;
	pn_account_params(a, &r->id, &p);
	p.verbose = req->verbose;
	p.dsn_notify = req->dsn_notify ? req->dsn_notify : a->dsn_notify;
	p.dsn_ret = req->dsn_ret ? req->dsn_ret : a->dsn_return;
	p.dsn_envid = req->dsn_envid;
	p.verify = !m;
	p.on_rcpt = m ? NULL : print_verdict;
	p.password = r->h->secret.value;
	return pn_envelope_build(env, req, a, &r->id, m, err) && (!m || rewrite(req, a, env->from, p.helo, m, err)) &&
	       pn_retry_deliver(&(struct pn_retry){m ? a->retry : 0, a->retry_delay, a->retry_max_time}, &p,
				&env->env, m, out, err); /* -bv is not retried: it would report twice */
}

/* ignore_dots - -i, or the account's rule for a "." line (dot_ends_input) */
static bool ignore_dots(const struct pn_request *req, const struct pn_account *a)
{
	if (req->ignore_dots || !a)
		return true;
	return a->dot_ends_input == PN_DOT_OFF || (a->dot_ends_input == PN_DOT_TTY && !isatty(0));
}

/* setup - identity and configuration; -C drops the group first */
static bool setup(const struct pn_request *req, struct run *r, struct pn_error *err)
{
	bool ok = pn_identity_get(&r->id, err) && (!req->config_file || pn_priv_drop(err));
	pn_config_init(&r->cfg, r->id.home);
	return ok && load_config(req, &r->cfg, err);
}

/* choose - identity, configuration, account */
static const struct pn_account *choose(const struct pn_request *req, struct run *r, struct pn_error *err)
{
	bool ok = setup(req, r, err);
	const struct pn_account *a = ok ? pn_account_choose(&r->cfg, req->account, req->from, r->id.login, err) : NULL;
	return a && pn_account_check(a, err) ? a : NULL;
}

/* resend_request - --resend FILE: the kept envelope becomes the request,
 * the file the input */
static bool resend_request(const struct pn_request *req, struct pn_request *out, struct pn_dead_info *info,
			   int *fd, struct pn_error *err)
{
	*out = *req;
	*fd = 0;
	if (!req->resend)
		return true;
	if (!pn_dead_load(req->resend, info, err))
		return false;
	*fd = open(req->resend, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		pn_error_errno(err, EX_NOINPUT, errno, _("cannot read %s"), req->resend);
		return false;
	}
	out->account = req->account ? req->account : info->account;
	out->from = info->from;
	bool built = info->rcpt.n > 0; /* else the failure came before the envelope */
	out->rcpt = built ? info->rcpt.addr : info->args.addr;
	out->nrcpt = built ? info->rcpt.n : info->args.n;
	out->read_recipients = !built && info->read_recipients;
	out->ignore_dots = true;
	return true;
}

/* keep_dead - a message that was not delivered goes to dead_letter, and the
 * error line says where */
static void keep_dead(const struct pn_request *req, const struct pn_account *a, const struct pn_message *m,
		      const struct pn_envelope_store *env, struct pn_error *err, char **path)
{
	if (!a || !a->dead_letter || req->resend)
		return;
	/* without an envelope, the sender as given (NULL: the account's own) */
	struct pn_dead_info info = {a->name, env->from ? env->from : (char *)req->from,
				    env->rcpt, {.addr = req->rcpt, .n = req->nrcpt, .cap = req->nrcpt}, req->read_recipients,
				    err->code, err->msg};
	struct pn_error kerr;
	pn_error_init(&kerr);
	size_t n = strlen(err->msg);
	if (pn_dead_keep(a->dead_letter, m, &info, path, &kerr))
		snprintf(err->msg + n, sizeof(err->msg) - n, _("; the message was kept in %s"), *path);
	else
		snprintf(err->msg + n, sizeof(err->msg) - n, _("; the message could NOT be kept: %s"), kerr.msg);
}

/* log_line - the log line of one message */
static void log_line(const struct pn_request *req, const struct pn_account *a, const struct hold *h,
		     const struct pn_log_entry *log, bool verify)
{
	struct pn_error logerr;
	pn_error_init(&logerr);
	if (a && !verify && !pn_log_write(log, h->logfd, h->logpath, a->syslog, req->syslog_label, &logerr))
		pn_fail(&logerr);
}

/* release - the resources of the run */
static void release(struct run *r)
{
	if (r->h && r->h->logfd > 2)
		close(r->h->logfd);
	pn_config_free(&r->cfg);
	pn_identity_free(&r->id);
}

/* one_message - read the input, deliver, keep a dead letter, log: the part
 * of a run that -bs repeats for every message.  ok: the account and its
 * secret are there (else the input is only read).  The exit code. */
static int one_message(const struct pn_request *req, const struct pn_account *a, struct run *r, int in, bool ok,
		       struct pn_outcome *out, struct pn_error *err)
{
	struct pn_message m;
	struct pn_envelope_store env;
	memset(out, 0, sizeof(*out));
	memset(&env, 0, sizeof(env));
	bool verify = req->mode == PN_MODE_VERIFY;
	/* the input is read to its end even when nothing can be sent */
	bool have_msg = !verify && pn_message_read(&m, in, ignore_dots(req, ok ? a : NULL),
						   a ? a->dead_letter : NULL, err);
	ok = ok && (verify || have_msg) && deliver(req, a, r, verify ? NULL : &m, &env, out, err);
	if (!r->session)
		pn_secret_wipe(&r->h->secret);
	char *kept = NULL;
	if (!ok && !verify)
		keep_dead(req, a, &m, &env, err, &kept);
	int code = ok ? EX_OK : !r->session ? pn_fail(err) : err->code ? err->code : EX_SOFTWARE;
	if (ok && req->resend) {
		pn_dead_forget(req->resend);
		printf(_("postern: %s was sent and removed\n"), req->resend);
	}
	struct pn_log_entry log = {a, env.from, &env.rcpt, have_msg ? m.size : 0, out, err, kept};
	log_line(req, a, r->h, &log, verify);
	free(kept);
	pn_envelope_free(&env);
	if (!verify)
		pn_message_free(&m);
	return code;
}

/* pn_send_run - find the account, read the message, deliver, log (also -bv) */
int pn_send_run(const struct pn_request *given, struct pn_error *err)
{
	struct hold own = {.secret = {NULL}, .logfd = -1};
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = &own};
	struct pn_outcome out;
	struct pn_dead_info dead;
	struct pn_request rq;
	int in = 0;
	memset(&dead, 0, sizeof(dead));
	bool ok = resend_request(given, &rq, &dead, &in, err);
	const struct pn_request *req = &rq;
	const struct pn_account *a = ok ? choose(req, &r, err) : NULL;
	ok = a && acquire(req, a, &r, err);
	if (!ok && !pn_priv_drop(err))
		return pn_fail(err);
	int code = one_message(req, a, &r, in, ok, &out, err);
	release(&r);
	pn_dead_info_free(&dead);
	if (in > 0)
		close(in);
	return code;
}

/* newaliases_mode - check the aliases file of the chosen account */
int pn_newaliases_run(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = NULL};
	const struct pn_account *a = choose(req, &r, err);
	bool ok = pn_priv_drop(err) && a;
	struct pn_aliases *al = ok && a->aliases ? pn_aliases_load(a->aliases, err) : NULL;
	if (ok && !a->aliases)
		printf(_("postern: no aliases file is configured; nothing to check\n"));
	else if (al)
		printf(_("postern: %s is valid\n"), a->aliases);
	int code = ok && (!a->aliases || al) ? EX_OK : pn_fail(err);
	pn_aliases_free(al);
	pn_config_free(&r.cfg);
	pn_identity_free(&r.id);
	return code;
}


/* ---- -bs: one SMTP session, one_message() for each of its messages ---- */

/* an account of the session's configuration */
struct slot {
	struct hold h;
	struct pn_error why;    /* it cannot be used: the secret failed */
	struct pn_error logerr; /* its log file cannot be opened */
	bool ready;             /* take_own() was done */
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
		(void)take_privileged(s->req, a, &s->r.id, &sl->h, &sl->logerr, &sl->why); /* why says it */
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
		(void)take_own(a, &s->r.id, &sl->h, &sl->logerr, &sl->why);
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

/* serve_request - the request of one message: the command line's, with
 * the envelope of MAIL FROM and RCPT TO; never -t */
static void serve_request(const struct bs *s, const char *from, char **words, size_t n, struct pn_request *rq)
{
	*rq = *s->req;
	rq->mode = PN_MODE_SEND;
	rq->from = *from ? from : "<>";
	rq->rcpt = words;
	rq->nrcpt = n;
	rq->read_recipients = false;
	rq->ignore_dots = true; /* the data is delimited already */
	rq->resend = NULL;
}

/* angle - an address as one list word that the list parser keeps as it is */
static char *angle(const char *addr)
{
	return pn_xasprintf("<%s>", addr);
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

/* serve_rcpt - RCPT TO: the envelope this recipient makes (aliases,
 * maildomain, IDN) can be built */
static void serve_rcpt(void *ctx, const char *from, const char *rcpt, struct pn_serve_reply *rep)
{
	struct bs *s = ctx;
	struct pn_error err;
	pn_error_init(&err);
	char *word = angle(rcpt);
	struct pn_request rq;
	serve_request(s, from, &word, 1, &rq);
	struct pn_envelope_store env;
	bool ok = pn_envelope_build(&env, &rq, s->acc, &s->r.id, NULL, &err);
	pn_envelope_free(&env);
	free(word);
	if (ok)
		pn_serve_reply_set(rep, 250, "2.1.5", "Ok");
	else
		pn_serve_local(rep, err.code, true, err.msg);
}

/* serve_data - the message through the normal path; the verdict */
static void serve_data(void *ctx, const char *from, const struct pn_addrlist *rcpt, int fd,
		       struct pn_serve_reply *rep)
{
	struct bs *s = ctx;
	char **words = pn_xcalloc(rcpt->n, sizeof(*words));
	for (size_t i = 0; i < rcpt->n; i++)
		words[i] = angle(rcpt->addr[i]);
	struct pn_request rq;
	serve_request(s, from, words, rcpt->n, &rq);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_outcome out;
	s->r.h = &s->cur->h;
	int code = one_message(&rq, s->acc, &s->r, fd, true, &out, &err);
	pn_serve_verdict(rep, code, &err, &out, s->acc->host);
	for (size_t i = 0; i < rcpt->n; i++)
		free(words[i]);
	free(words);
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
	}
	free(s->slots);
	s->r.h = NULL;
	release(&s->r);
}

/* pn_send_serve - -bs: see serve.h and send.h */
int pn_send_serve(const struct pn_request *req, struct pn_error *err)
{
	struct bs s = {.req = req, .r = {.id = {NULL, NULL, NULL, NULL, NULL}, .session = true}};
	pn_serve_stdio();
	bool ok = setup(req, &s.r, err);
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
		code = pn_serve_run(&lim, &ops, 0, 1);
	}
	serve_release(&s);
	return code;
}
