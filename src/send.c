/* send.c - one run of postern: the flow of DESIGN.md from the request to
 * the outcome.  argv -> cli (done by main.c); rc files -> config -> account
 * -> secret; stdin -> message; envelope; smtp (with retry) delivers; a dead
 * letter keeps what could not be delivered; log records.
 * SECURITY: the password is held here between secret.c and smtp.c and wiped
 * before the run ends; the postern group is dropped in acquire().
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

/* the resources one send holds, released by release() */
struct run {
	struct pn_identity id;
	struct pn_config cfg;
	struct pn_secret secret;
	int logfd;
	const char *logpath;
};

/* acquire - with the postern group where a system account needs it: its
 * password or passwordeval, and its logfile; then the group is given up for
 * good.  The caller's own sources (keyring, ~/.netrc, the terminal) and -X
 * are only ever used with the caller's rights. */
static bool acquire(const struct pn_request *req, const struct pn_account *a, struct run *r,
		    struct pn_error *err)
{
	bool priv = a->system && pn_priv_active();
	bool auth = pn_account_auth(a) != PN_AUTH_OFF;
	struct pn_secret_ctx sctx = {r->id.home, priv};
	r->logpath = req->logfile ? req->logfile : a->logfile;
	struct pn_error logerr;
	pn_error_init(&logerr);
	bool ok = !priv || pn_priv_raise(err);
	if (ok && priv && auth && (a->password || a->passwordeval))
		ok = pn_secret_get(a, &sctx, &r->secret, err);
	if (ok && priv && r->logpath && !req->logfile)
		r->logfd = pn_log_open(r->logpath, &logerr);
	if (!pn_priv_drop(err))
		return false;
	sctx.clean_env = false;
	if (ok && auth && !r->secret.value)
		ok = pn_secret_get(a, &sctx, &r->secret, err);
	if (ok && r->logpath && r->logfd < 0 && !pn_error_isset(&logerr))
		r->logfd = pn_log_open(r->logpath, &logerr);
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
	p.password = r->secret.value;
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

/* choose - identity, configuration, account; -C drops the group first */
static const struct pn_account *choose(const struct pn_request *req, struct run *r, struct pn_error *err)
{
	bool ok = pn_identity_get(&r->id, err) && (!req->config_file || pn_priv_drop(err));
	pn_config_init(&r->cfg, r->id.home);
	ok = ok && load_config(req, &r->cfg, err);
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
				    env->rcpt, {req->rcpt, req->nrcpt, req->nrcpt}, req->read_recipients,
				    err->code, err->msg};
	struct pn_error kerr;
	pn_error_init(&kerr);
	size_t n = strlen(err->msg);
	if (pn_dead_keep(a->dead_letter, m, &info, path, &kerr))
		snprintf(err->msg + n, sizeof(err->msg) - n, _("; the message was kept in %s"), *path);
	else
		snprintf(err->msg + n, sizeof(err->msg) - n, _("; the message could NOT be kept: %s"), kerr.msg);
}

/* finish - the log line, and the resources of the run */
static void finish(const struct pn_request *req, const struct pn_account *a, struct run *r,
		   const struct pn_log_entry *log, bool verify)
{
	struct pn_error logerr;
	pn_error_init(&logerr);
	if (a && !verify && !pn_log_write(log, r->logfd, r->logpath, a->syslog, req->syslog_label, &logerr))
		pn_fail(&logerr);
	if (r->logfd > 2)
		close(r->logfd);
	pn_config_free(&r->cfg);
	pn_identity_free(&r->id);
}

/* pn_send_run - find the account, read the message, deliver, log (also -bv) */
int pn_send_run(const struct pn_request *given, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .secret = {NULL}, .logfd = -1};
	struct pn_message m;
	struct pn_outcome out;
	struct pn_envelope_store env;
	struct pn_dead_info dead;
	struct pn_request rq;
	int in = 0;
	memset(&out, 0, sizeof(out));
	memset(&env, 0, sizeof(env));
	memset(&dead, 0, sizeof(dead));
	bool ok = resend_request(given, &rq, &dead, &in, err);
	const struct pn_request *req = &rq;
	const struct pn_account *a = ok ? choose(req, &r, err) : NULL;
	ok = a && acquire(req, a, &r, err);
	if (!ok && !pn_priv_drop(err))
		return pn_fail(err);
	bool verify = req->mode == PN_MODE_VERIFY;
	/* the input is read to its end even when nothing can be sent */
	bool have_msg = !verify && pn_message_read(&m, in, ignore_dots(req, ok ? a : NULL), err);
	ok = ok && (verify || have_msg) && deliver(req, a, &r, verify ? NULL : &m, &env, &out, err);
	pn_secret_wipe(&r.secret);
	char *kept = NULL;
	if (!ok && !verify)
		keep_dead(req, a, &m, &env, err, &kept);
	int code = ok ? EX_OK : pn_fail(err);
	if (ok && req->resend) {
		pn_dead_forget(req->resend);
		printf(_("postern: %s was sent and removed\n"), req->resend);
	}
	struct pn_log_entry log = {a, env.from, &env.rcpt, have_msg ? m.size : 0, &out, err, kept};
	finish(req, a, &r, &log, verify);
	free(kept);
	pn_envelope_free(&env);
	pn_dead_info_free(&dead);
	if (in > 0)
		close(in);
	if (!verify)
		pn_message_free(&m);
	return code;
}

/* newaliases_mode - check the aliases file of the chosen account */
int pn_newaliases_run(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .secret = {NULL}, .logfd = -1};
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

