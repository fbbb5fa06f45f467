/* send.c - one message: the flow of DESIGN.md from the request to the
 * outcome.  argv -> cli (done by main.c); identity, rc files, account and
 * secret (acquire.c); stdin -> message; envelope; smtp (with retry)
 * delivers; a dead letter keeps what could not be delivered; the log line
 * records.  -bs (relay.c) runs pn_run_message() for each message of its
 * session.
 * SECURITY: the password is held in a struct hold between acquire.c and
 * smtp.c and wiped before the run ends (in a -bs session: when the session
 * ends).
 */
#include "run.h"

#include "deadletter.h"
#include "hint.h"
#include "log.h"
#include "net.h"
#include "privilege.h"
#include "retry.h"
#include "srv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

/* print_hint - the second stderr line of a failure hint.c can explain */
static void print_hint(const struct pn_error *err)
{
	char hint[1024];
	if (pn_hint(err, hint, sizeof(hint)))
		fprintf(stderr, _("%s: hint: %s\n"), pn_progname(), hint);
}

/* pn_fail - the stderr line for an error, and its hint; its exit code */
int pn_fail(const struct pn_error *err)
{
	fprintf(stderr, "%s: %s\n", pn_progname(), err->msg);
	print_hint(err);
	return err->code ? err->code : EX_SOFTWARE;
}

/* fail_kept - the stderr line of an undelivered message, saying where it
 * was kept or why it could not be (kept NULL: no dead_letter) */
static int fail_kept(const struct pn_error *err, const char *kept, const struct pn_error *kerr)
{
	if (kept)
		fprintf(stderr, _("%s: %s; the message was kept in %s\n"), pn_progname(), err->msg, kept);
	else if (pn_error_isset(kerr))
		fprintf(stderr, _("%s: %s; the message could NOT be kept: %s\n"), pn_progname(), err->msg,
			kerr->msg);
	else
		return pn_fail(err);
	print_hint(err);
	return err->code ? err->code : EX_SOFTWARE;
}

/* print_verdict - -bv: one line per recipient on stdout */
static void print_verdict(void *ctx, size_t i, const char *addr, int code, const char *reply)
{
	(void)i;
	if (code >= 200 && code < 300)
		printf(_("%s: deliverable (%s)\n"), addr, reply);
	else
		printf(_("%s: refused (%s)\n"), addr, reply);
}

/* which recipients have the message: after the data, an LMTP server says
 * it for each, an SMTP server for each transaction (more than one when it
 * deferred recipients with 452 4.5.3).  Those that have it are left out
 * of a dead letter, so that --resend does not give it to them twice. */
struct verdicts {
	bool *got; /* one per recipient of the envelope */
	size_t n;
};

/* got_verdict - smtp.c's on_rcpt with a message: recipient i's verdict */
static void got_verdict(void *ctx, size_t i, const char *addr, int code, const char *reply)
{
	struct verdicts *v = ctx;
	(void)addr;
	(void)reply;
	if (i < v->n)
		v->got[i] = code >= 200 && code <= 299;
}

/* rewrite - the header commands of the account; -F wins over
 * from_full_name.  SMTPUTF8 is asked for exactly when an address needs it
 * (smtp.c), so that decides whether a non-ASCII name is encoded. */
static bool rewrite(const struct pn_request *req, const struct pn_account *a, const struct pn_envelope_store *env,
		    struct pn_message *m, struct pn_error *err)
{
	bool utf8 = env->utf8_addr != NULL;
	struct pn_rewrite rw = {
		.from = env->from, .fullname = req->fullname ? req->fullname : a->from_full_name,
		.hostname = pn_account_msgid_domain(a, env->from_ascii), .from_header = a->set_from_header,
		.date_header = a->set_date_header, .msgid_header = a->set_msgid_header,
		.remove_bcc = a->remove_bcc_headers, .to_header = a->set_to_header,
		.rcpt = utf8 ? &env->rcpt : &env->rcpt_ascii, .smtputf8 = utf8};
	return pn_message_rewrite(m, &rw, err) && pn_message_prepare(m, err);
}

/* warn_insecure - insecure_auth_without_tls is used: say so on stderr and
 * in the log, at every use */
static void warn_insecure(const struct pn_request *req, const struct pn_account *a, const struct hold *h)
{
	char *text = pn_xasprintf(_("warning: sending credentials to %s without TLS (insecure_auth_without_tls)"),
				  a->host);
	fprintf(stderr, "%s: %s\n", pn_progname(), text);
	struct pn_error logerr;
	pn_error_init(&logerr);
	if (!pn_log_warning(a, h->logfd, h->logpath, a->syslog, req->syslog_label, text, &logerr))
		pn_fail(&logerr);
	free(text);
}

/* pn_run_params - see run.h */
void pn_run_params(const struct pn_request *req, const struct pn_account *a, const struct run *r,
		   struct pn_smtp_params *p)
{
	pn_account_params(a, &r->id, p);
	p->verbose = req->verbose;
	p->dsn_notify = req->dsn_notify ? req->dsn_notify : a->dsn_notify;
	p->dsn_ret = req->dsn_ret ? req->dsn_ret : a->dsn_return;
	p->dsn_envid = req->dsn_envid;
	p->password = &r->h->secret;
	if (pn_account_insecure(a))
		warn_insecure(req, a, r->h);
}

/* deliver - everything after the account is known; m is NULL for -bv */
static bool deliver(const struct pn_request *req, const struct pn_envelope_in *ein, const struct pn_account *a,
		    struct run *r, struct pn_message *m, struct pn_envelope_store *env, struct verdicts *v,
		    struct pn_error *out)
{
	if (!pn_envelope_build(env, ein, a, &r->id, m, out) || (m && !rewrite(req, a, env, m, out)))
		return false;
	if (r->send && m) /* -bs: through the session's connection */
		return r->send(r->send_ctx, &env->env, m, out);
	struct pn_smtp_params p;
	pn_run_params(req, a, r, &p);
	p.verify = !m;
	p.on_rcpt = m ? NULL : print_verdict;
	if (m) {
		v->n = env->rcpt.n;
		v->got = pn_xcalloc(v->n ? v->n : 1, sizeof(*v->got));
		p.on_rcpt = got_verdict;
		p.on_rcpt_ctx = v;
	}
	/* -bv is retried until a verdict is printed (retry.h) */
	return pn_retry_deliver(&(struct pn_retry){a->retry, a->retry_delay, a->retry_max_time, a->retry_after_data},
				&p, &env->env, m, out);
}

/* ignore_dots - -i, or the account's rule for a "." line (dot_ends_input) */
static bool ignore_dots(const struct pn_request *req, const struct pn_account *a)
{
	if (req->ignore_dots || !a)
		return true;
	return a->dot_ends_input == PN_DOT_OFF || (a->dot_ends_input == PN_DOT_TTY && !isatty(0));
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

/* undelivered - the recipients that do not have the message (all of
 * them when no verdict came) */
static void undelivered(const struct pn_addrlist *rcpt, const struct verdicts *v, struct pn_addrlist *out)
{
	pn_addrlist_init(out);
	for (size_t i = 0; i < rcpt->n; i++)
		if (i >= v->n || !v->got[i])
			pn_addrlist_add(out, rcpt->addr[i]);
}

/* keep_dead - a message that was not delivered goes to dead_letter: *path
 * says where, or kerr why it could not be kept; for the
 * recipients that did not get it */
static void keep_dead(const struct pn_request *req, const struct pn_envelope_in *ein, const struct pn_account *a,
		      const struct pn_message *m, const struct pn_envelope_store *env, const struct verdicts *v,
		      const struct pn_error *err, char **path, struct pn_error *kerr)
{
	if (!a || !a->dead_letter || req->resend)
		return;
	/* without an envelope, the sender and recipients as given (sender
	 * NULL: the account's own) */
	struct pn_addrlist given = {.addr = (char **)ein->words, .n = ein->nwords, .cap = ein->nwords}, rest;
	if (v->got)
		undelivered(&env->rcpt, v, &rest);
	struct pn_dead_info info = {a->name, env->from ? env->from : (char *)ein->from,
				    v->got ? rest : env->rcpt, ein->addrs ? *ein->addrs : given, ein->read_recipients,
				    err->code, (char *)err->msg};
	if (!pn_dead_keep(a->dead_letter, m, &info, path, kerr))
		*path = NULL;
	if (v->got)
		pn_addrlist_free(&rest);
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

/* pn_run_message - see run.h */
int pn_run_message(const struct pn_request *req, const struct pn_envelope_in *ein, const struct pn_account *a,
		   struct run *r, int in, bool ok, struct pn_error *err)
{
	struct pn_message m;
	struct pn_envelope_store env;
	memset(&env, 0, sizeof(env));
	struct verdicts v = {NULL, 0};
	bool verify = req->mode == PN_MODE_VERIFY;
	/* the input is read to its end even when nothing can be sent */
	bool have_msg = !verify && pn_message_read(&m, in, ignore_dots(req, ok ? a : NULL),
						   a ? a->dead_letter : NULL, err);
	if (!r->session) /* from here a signal is taken in a wait: the message is kept */
		pn_signals_hold();
	ok = ok && (verify || have_msg) && deliver(req, ein, a, r, verify ? NULL : &m, &env, &v, err);
	if (!r->session)
		pn_secret_wipe(&r->h->secret);
	char *kept = NULL;
	struct pn_error kerr;
	pn_error_init(&kerr);
	if (!ok && !verify)
		keep_dead(req, ein, a, &m, &env, &v, err, &kept, &kerr);
	int code = ok ? EX_OK : !r->session ? fail_kept(err, kept, &kerr) : err->code ? err->code : EX_SOFTWARE;
	if (ok && req->resend) {
		pn_dead_forget(req->resend);
		printf(_("postern: %s was sent and removed\n"), req->resend);
	}
	struct pn_log_entry log = {a, env.from, &env.rcpt, have_msg ? m.size : 0, err, kept};
	log_line(req, a, r->h, &log, verify);
	if (!r->session)
		pn_signals_release();
	free(kept);
	free(v.got);
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
	struct pn_dead_info dead;
	struct pn_request rq;
	int in = 0;
	memset(&dead, 0, sizeof(dead));
	bool ok = resend_request(given, &rq, &dead, &in, err);
	const struct pn_request *req = &rq;
	const struct pn_account *a = ok ? pn_run_choose(req, &r, err) : NULL;
	ok = a && pn_run_acquire(req, a, &r, err);
	if (!ok && !pn_priv_drop(err))
		return pn_fail(err);
	struct pn_envelope_in ein = {.from = req->from, .words = req->rcpt, .nwords = req->nrcpt,
				     .read_recipients = req->read_recipients,
				     .read_envelope_from = req->read_envelope_from};
	int code = pn_run_message(req, &ein, a, &r, in, ok, err);
	pn_run_release(&r);
	pn_dead_info_free(&dead);
	if (in > 0)
		close(in);
	return code;
}

/* pn_rmqs_run - see send.h: the session as a message's (TLS, AUTH), no
 * message, no log line (msmtp logs none either) */
int pn_rmqs_run(const struct pn_request *req, struct pn_error *err)
{
	if (req->nrcpt || req->read_recipients || req->resend || !req->rmqs[0] || strpbrk(req->rmqs, " \t\r\n")) {
		pn_error_set(err, EX_USAGE,
			     _("--rmqs takes one word (a host, @domain or #queue), and no recipients, -t or --resend"));
		return pn_fail(err);
	}
	struct hold own = {.secret = {NULL}, .logfd = -1};
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = &own};
	const struct pn_account *a = pn_run_choose(req, &r, err);
	bool ok = a && pn_run_acquire(req, a, &r, err);
	if (!a && !pn_priv_drop(err)) /* acquire gives the group up; without an account, here */
		ok = false;
	if (ok) {
		struct pn_smtp_params p;
		pn_account_params(a, &r.id, &p);
		p.verbose = req->verbose;
		p.password = &own.secret;
		ok = pn_smtp_etrn(&p, req->rmqs, err);
	}
	pn_secret_wipe(&own.secret);
	int code = ok ? EX_OK : pn_fail(err);
	pn_run_release(&r);
	return code;
}

/* newaliases_mode - check the aliases file of the chosen account */
int pn_newaliases_run(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = NULL};
	const struct pn_account *a = pn_run_choose(req, &r, err);
	bool ok = pn_priv_drop(err) && a;
	struct pn_aliases *al = ok && a->aliases ? pn_aliases_load(a->aliases, err) : NULL;
	if (ok && !a->aliases)
		printf(_("postern: no aliases file is configured; nothing to check\n"));
	else if (al)
		printf(_("postern: %s is valid\n"), a->aliases);
	int code = ok && (!a->aliases || al) ? EX_OK : pn_fail(err);
	pn_aliases_free(al);
	pn_run_release(&r);
	return code;
}

/* pn_pretend_run - -P: the account a send would use, secrets as "*" */
int pn_pretend_run(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = NULL};
	const struct pn_account *a = pn_run_choose(req, &r, err);
	bool ok = pn_priv_drop(err) && a;
	if (ok) {
		printf(_("using account %s from %s\n"), a->name, a->file);
		pn_account_print(stdout, a);
	}
	int code = ok ? EX_OK : pn_fail(err);
	pn_run_release(&r);
	return code;
}

/* pn_accounts_run - see send.h; the files are read as a send reads them
 * (with the postern group for the system file), so the names are the ones
 * -a accepts, but their eval lines are not run: completing a word must
 * not start a password manager */
int pn_accounts_run(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = NULL, .names_only = true};
	bool ok = pn_run_setup(req, &r, err) && pn_priv_drop(err);
	for (size_t i = 0; ok && i < r.cfg.n; i++)
		printf("%s\n", r.cfg.acc[i]->name);
	int code = ok ? EX_OK : pn_fail(err);
	pn_run_release(&r);
	return code;
}

/* domain_ok - letters, digits, '-' and '.' only: it goes into a query */
static bool domain_ok(const char *d)
{
	return *d && d[strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")] == '\0';
}

/* host_in_domain - host is the domain or below it (else a warning) */
static bool host_in_domain(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);
	return strcasecmp(host, domain) == 0 || (h > d && host[h - d - 1] == '.' && strcasecmp(host + h - d, domain) == 0);
}

/* pn_configure_run - see send.h */
int pn_configure_run(const struct pn_request *req, struct pn_error *err)
{
	if (!pn_priv_drop(err))
		return pn_fail(err);
	const char *addr = req->configure, *at = strrchr(addr, '@');
	bool local_ok = at && at > addr;
	for (const char *c = addr; local_ok && c < at; c++)
		local_ok = *c > ' ' && *c < 127 && *c != '"' && *c != '#'; /* it is printed into rc lines */
	if (!local_ok || !domain_ok(at + 1)) {
		pn_error_set(err, EX_DATAERR, _("--configure: '%s' is not a mail address with a domain"), addr);
		return pn_fail(err);
	}
	const char *domain = at + 1;
	char host[1025], *q = NULL;
	int port = 0, r = 1;
	bool starttls = false;
	for (int i = 0; i < 2 && r != 0; i++) {
		free(q);
		q = pn_xasprintf("_%s._tcp.%s", i ? "submission" : "submissions", domain);
		r = pn_srv_lookup(q, host, sizeof(host), &port);
		starttls = i == 1;
	}
	free(q);
	if (r != 0) {
		pn_error_set(err, EX_NOHOST, _("--configure: %s publishes no SRV record _submissions._tcp or _submission._tcp"),
			     domain);
		return pn_fail(err);
	}
	printf(_("# An account for %s, from the SRV records of %s.\n"
		 "# Copy it into ~/.config/postern/config (or /etc/postern.conf), then add the\n"
		 "# password: a 'password' or 'passwordeval' line, or the keyring with\n"
		 "#   secret-tool store --label=postern host %s service smtp user %.*s\n"),
	       addr, domain, host, (int)(at - addr), addr);
	if (!host_in_domain(host, domain))
		printf(_("# Warning: the host %s is not in the domain %s; check that it is the right one.\n"), host, domain);
	printf("account %s\nhost %s\nport %d\ntls on\ntls_starttls %s\nauth on\nuser %.*s\nfrom %s\n", addr, host, port,
	       starttls ? "on" : "off", (int)(at - addr), addr, addr);
	return EX_OK;
}
