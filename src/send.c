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
#include "log.h"
#include "net.h"
#include "privilege.h"
#include "retry.h"

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

/* fail_kept - the stderr line of an undelivered message, saying where it
 * was kept or why it could not be (kept NULL: no dead_letter) */
static int fail_kept(const struct pn_error *err, const char *kept, const struct pn_error *kerr)
{
	if (kept)
		fprintf(stderr, _("postern: %s; the message was kept in %s\n"), err->msg, kept);
	else if (pn_error_isset(kerr))
		fprintf(stderr, _("postern: %s; the message could NOT be kept: %s\n"), err->msg, kerr->msg);
	else
		return pn_fail(err);
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

/* deliver - everything after the account is known; m is NULL for -bv */
static bool deliver(const struct pn_request *req, const struct pn_envelope_in *ein, const struct pn_account *a,
		    struct run *r, struct pn_message *m, struct pn_envelope_store *env, struct pn_error *out)
{
	struct pn_smtp_params p;
	pn_account_params(a, &r->id, &p);
	p.verbose = req->verbose;
	p.dsn_notify = req->dsn_notify ? req->dsn_notify : a->dsn_notify;
	p.dsn_ret = req->dsn_ret ? req->dsn_ret : a->dsn_return;
	p.dsn_envid = req->dsn_envid;
	p.verify = !m;
	p.on_rcpt = m ? NULL : print_verdict;
	p.password = &r->h->secret;
	return pn_envelope_build(env, ein, a, &r->id, m, out) && (!m || rewrite(req, a, env, m, out)) &&
	       pn_retry_deliver(&(struct pn_retry){m ? a->retry : 0, a->retry_delay, a->retry_max_time}, &p,
				&env->env, m, out); /* -bv is not retried: it would report twice */
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

/* keep_dead - a message that was not delivered goes to dead_letter: *path
 * says where, or kerr why it could not be kept */
static void keep_dead(const struct pn_request *req, const struct pn_envelope_in *ein, const struct pn_account *a,
		      const struct pn_message *m, const struct pn_envelope_store *env, const struct pn_error *err,
		      char **path, struct pn_error *kerr)
{
	if (!a || !a->dead_letter || req->resend)
		return;
	/* without an envelope, the sender and recipients as given (sender
	 * NULL: the account's own) */
	struct pn_addrlist given = {.addr = (char **)ein->words, .n = ein->nwords, .cap = ein->nwords};
	struct pn_dead_info info = {a->name, env->from ? env->from : (char *)ein->from,
				    env->rcpt, ein->addrs ? *ein->addrs : given, ein->read_recipients,
				    err->code, (char *)err->msg};
	if (!pn_dead_keep(a->dead_letter, m, &info, path, kerr))
		*path = NULL;
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
	bool verify = req->mode == PN_MODE_VERIFY;
	/* the input is read to its end even when nothing can be sent */
	bool have_msg = !verify && pn_message_read(&m, in, ignore_dots(req, ok ? a : NULL),
						   a ? a->dead_letter : NULL, err);
	if (!r->session) /* from here a signal is taken in a wait: the message is kept */
		pn_signals_hold();
	ok = ok && (verify || have_msg) && deliver(req, ein, a, r, verify ? NULL : &m, &env, err);
	if (!r->session)
		pn_secret_wipe(&r->h->secret);
	char *kept = NULL;
	struct pn_error kerr;
	pn_error_init(&kerr);
	if (!ok && !verify)
		keep_dead(req, ein, a, &m, &env, err, &kept, &kerr);
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
	pn_config_free(&r.cfg);
	pn_identity_free(&r.id);
	return code;
}
