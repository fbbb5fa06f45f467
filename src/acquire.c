/* acquire.c - what a run needs before it reads the message: the caller's
 * identity, the configuration, the account, its secret and its log file,
 * taken with the postern group where a system account needs it, and the
 * group given up for good before anything else happens (see run.h).
 * SECURITY: the secret is fetched here into a struct hold; the caller's
 * own sources (keyring, ~/.netrc, the terminal) and -X are only ever used
 * with the caller's rights.
 */
#include "run.h"

#include "log.h"
#include "oauth.h"
#include "privilege.h"

#include <stdlib.h>
#include <unistd.h>

/* overrides - the command line's settings over those of the files */
static bool overrides(const struct pn_request *req, struct pn_config *cfg, struct pn_error *err)
{
	for (size_t i = 0; i < req->nov; i++)
		if (!pn_config_override(cfg, req->ov[i].id, req->ov[i].value, err))
			return false;
	return true;
}

/* pn_run_setup - see run.h */
bool pn_run_setup(const struct pn_request *req, struct run *r, struct pn_error *err)
{
	bool ok = pn_identity_get(&r->id, err) && (!req->config_less || pn_priv_drop(err));
	pn_config_init(&r->cfg, r->id.home);
	r->cfg.skip_eval = r->names_only;
	const char *env = getenv("HOME"); /* only for "~" in the caller's own file */
	if (env && env[0] == '/')
		r->cfg.tilde = env;
	if (ok && req->config_less)
		pn_config_cmdline(&r->cfg);
	else
		ok = ok && pn_config_load_standard(&r->cfg, req->config_file, err);
	ok = ok && overrides(req, &r->cfg, err);
	if (ok) /* after the command line's settings: --domain=%H too */
		pn_account_expand_domains(&r->cfg, &r->id);
	return ok;
}

/* pn_run_choose - see run.h */
const struct pn_account *pn_run_choose(const struct pn_request *req, struct run *r, struct pn_error *err)
{
	bool ok = pn_run_setup(req, r, err);
	const struct pn_account *a = ok ? pn_account_choose(&r->cfg, req->account, req->from, r->id.login, err) : NULL;
	return a && pn_account_check(a, err) ? a : NULL;
}

/* wants_secret - the account authenticates with a secret: not with
 * EXTERNAL, where the client certificate is the credential (named, or
 * taken by "auth on" for a certificate without a user) */
static bool wants_secret(const struct pn_account *a)
{
	int auth = pn_account_auth(a);
	if (auth == PN_AUTH_OFF || auth == PN_AUTH_EXTERNAL)
		return false;
	return !(auth == PN_AUTH_ON && a->tls_cert_file && pn_account_tls(a) && !a->user && !pn_account_oauth(a));
}

/* pn_run_take_privileged - see run.h */
bool pn_run_take_privileged(const struct pn_request *req, const struct pn_account *a, const struct pn_identity *id,
			    struct hold *h, struct pn_error *logerr, struct pn_error *err)
{
	struct pn_secret_ctx sctx = {id->home, true};
	struct pn_oauth_ctx octx = {id->home, true, 0};
	bool ok = true;
	if (wants_secret(a) && pn_account_oauth(a))
		ok = pn_oauth_token(a, &octx, &h->secret, err); /* the store and client secret with the group */
	else if (wants_secret(a) && (a->password || a->passwordeval))
		ok = pn_secret_get(a, &sctx, &h->secret, err);
	if (ok && h->logpath && !req->logfile)
		h->logfd = pn_log_open(h->logpath, logerr);
	return ok;
}

/* pn_run_take_own - see run.h */
bool pn_run_take_own(const struct pn_account *a, const struct pn_identity *id, struct hold *h,
		     struct pn_error *logerr, struct pn_error *err)
{
	struct pn_secret_ctx sctx = {id->home, false};
	struct pn_oauth_ctx octx = {id->home, false, 0};
	bool ok = true;
	if (wants_secret(a) && !h->secret.p && pn_account_oauth(a))
		ok = pn_oauth_token(a, &octx, &h->secret, err);
	else if (wants_secret(a) && !h->secret.p)
		ok = pn_secret_get(a, &sctx, &h->secret, err);
	if (ok && h->logpath && h->logfd < 0 && !pn_error_isset(logerr))
		h->logfd = pn_log_open(h->logpath, logerr);
	return ok;
}

/* pn_run_acquire - see run.h */
bool pn_run_acquire(const struct pn_request *req, const struct pn_account *a, struct run *r, struct pn_error *err)
{
	bool priv = a->system && pn_priv_active();
	r->h->logpath = req->logfile ? req->logfile : a->logfile;
	struct pn_error logerr;
	pn_error_init(&logerr);
	bool ok = !priv || pn_priv_raise(err);
	if (ok && priv)
		ok = pn_run_take_privileged(req, a, &r->id, r->h, &logerr, err);
	if (!pn_priv_drop(err))
		return false;
	if (ok)
		ok = pn_run_take_own(a, &r->id, r->h, &logerr, err);
	if (pn_error_isset(&logerr))
		pn_fail(&logerr); /* a log that cannot be written does not stop delivery */
	return ok;
}

/* pn_run_release - see run.h */
void pn_run_release(struct run *r)
{
	if (r->h && r->h->logfd > 2)
		close(r->h->logfd);
	pn_config_free(&r->cfg);
	pn_identity_free(&r->id);
}
