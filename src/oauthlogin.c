/* oauthlogin.c - --oauth2-login (see oauthlogin.h).
 *
 * The account is chosen as for a send; it must use the refresh_token grant
 * and have OAuth 2.0 settings.  A system account is signed in for only by
 * root (its store is written with the postern group); anyone else is
 * refused before anything is asked of the provider.  Then one of:
 *  - the device flow (RFC 8628 3.1-3.5): the device endpoint's user_code
 *    and verification_uri are printed, the token endpoint polled every
 *    interval (slow_down adds 5 s; expires_in bounds the whole wait);
 *  - the code flow with PKCE (RFC 7636, S256): a listener on 127.0.0.1,
 *    the authorization URL printed, one redirect awaited for at most
 *    PN_LOGIN_WAIT_S (its state must be this login's), the code exchanged.
 * The tokens go to the account's store (oauth.c, tokenstore.c), atomically.
 * SECURITY: the client secret, device code, authorization code, code
 * verifier and the tokens are held in secret buffers and wiped; none is
 * printed.  Values from the wire are printed escaped (escape.h).
 */
#include "oauthlogin.h"

#include "escape.h"
#include "http.h"
#include "loginflow.h"
#include "loopback.h"
#include "oauth.h"
#include "privilege.h"
#include "run.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define FORM_MAX 32768

/* one sign-in */
struct login {
	const struct pn_account *a;
	struct pn_oauth_ends ends;
	struct pn_secret secret; /* the client secret; p NULL: a public client */
	struct pn_oauth_ctx ctx;
	bool priv; /* a system account, set-group-ID: the store is written with the group */
	struct pn_error *err;
};

/* shown - a value from the wire as it may be printed (escape.h) */
static const char *shown(struct pn_buf *tmp, const char *v)
{
	pn_buf_reset(tmp);
	if (!pn_escape(tmp, v ? v : "", false) || !tmp->data)
		return "''";
	return tmp->data;
}

/* login_allowed - this account can be signed in for, by this caller */
static bool login_allowed(const struct pn_account *a, struct pn_error *err)
{
	if (a->system && getuid() != 0)
		pn_error_set(
		    err, EX_NOPERM,
		    _("account %s is defined in the system file: only root may run --oauth2-login for it"),
		    a->name);
	else if (a->oauth2_provider == PN_OAUTH2_NONE && !a->oauth2_client_id && !a->oauth2_token_url)
		pn_error_set(err, EX_CONFIG,
		             _("account %s has no OAuth 2.0 settings (oauth2_provider, oauth2_client_id): "
		               "there is nothing to sign in for"),
		             a->name);
	else if (a->oauth2_grant == PN_GRANT_CLIENT_CREDENTIALS)
		pn_error_set(err, EX_USAGE,
		             _("account %s uses the client_credentials grant: postern obtains its tokens "
		               "without a person, there is nothing to sign in for"),
		             a->name);
	else if (!a->oauth2_client_id)
		pn_error_set(err, EX_CONFIG, _("account %s: --oauth2-login needs oauth2_client_id"), a->name);
	return !pn_error_isset(err);
}

/* take_secret - the client secret, with the group for a system account */
static bool take_secret(struct login *l)
{
	bool ok = !l->priv || pn_priv_raise(l->err);
	ok = ok && pn_oauth_client_secret(l->a, &l->ctx, &l->secret, l->err);
	return pn_priv_lower(l->err) && ok;
}

/* client_fields - client_id, and the client secret when there is one */
static bool client_fields(const struct login *l, struct pn_buf *f)
{
	return pn_form_add(f, "client_id", l->a->oauth2_client_id) &&
	       (!l->secret.p || pn_form_add(f, "client_secret", l->secret.p));
}

/* post - the form (wiped afterwards) to url; rep holds the reply, maybe an
 * error reply; false: none came, or the form could not be made */
static bool post(struct login *l, bool form_ok, const char *url, struct pn_buf *form,
                 struct pn_oauth_reply *rep)
{
	bool ok = form_ok;
	if (!ok)
		pn_error_set(l->err, EX_SOFTWARE, _("account %s: the request to %s is too long"), l->a->name,
		             url);
	ok = ok && pn_oauth_post(l->a, url, form, rep, l->err);
	pn_buf_free(form);
	return ok;
}

/* where - the account's store, in words */
static char *where(const struct login *l)
{
	const char *s = l->a->oauth2_token_store;
	if (s && strcmp(s, "keyring") == 0)
		return pn_xstrdup(_("the keyring"));
	if (s)
		return pn_xstrdup(s);
	return pn_store_default_path(l->a->name, l->ctx.home, l->a->system);
}

/* save - a token reply with a refresh token into the store */
static bool save(struct login *l, const struct pn_oauth_reply *rep)
{
	const char *v;
	size_t vn;
	if (!rep->is_json || pn_json_member(&rep->json, "refresh_token", &v, &vn) != PN_JSON_STRING) {
		pn_error_set(l->err, EX_UNAVAILABLE,
		             _("account %s: the provider gave no refresh token (the scope must allow it: "
		               "Microsoft's offline_access; Google's access_type=offline is asked for)"),
		             l->a->name);
		return false;
	}
	bool ok = !l->priv || pn_priv_raise(l->err);
	ok = ok && pn_oauth_save(l->a, &l->ctx, rep, l->err);
	if (!pn_priv_drop(l->err) || !ok)
		return false;
	char *w = where(l);
	printf(_("Signed in: the refresh token of account %s is saved in %s.\n"), l->a->name, w);
	free(w);
	return true;
}

/* device_show - the device endpoint's answer: the device code kept, the
 * rest printed for the person */
static bool device_show(struct login *l, const struct pn_oauth_reply *rep, struct pn_buf *dc,
                        struct pn_device *d)
{
	struct pn_buf user, uri, full, tmp, tmp2;
	pn_buf_init(&user, 256), pn_buf_init(&uri, 2048), pn_buf_init(&full, 4096), pn_buf_init(&tmp, 16384),
	    pn_buf_init(&tmp2, 1024);
	long long interval = -1, expires = -1;
	bool ok = rep->is_json && pn_json_string(&rep->json, "device_code", dc) &&
	          pn_json_string(&rep->json, "user_code", &user) &&
	          (pn_json_string(&rep->json, "verification_uri", &uri) ||
	           pn_json_string(&rep->json, "verification_url", &uri));
	if (!ok)
		pn_error_set(l->err, EX_PROTOCOL,
		             _("account %s: the device endpoint's answer lacks device_code, user_code or "
		               "verification_uri"),
		             l->a->name);
	if (ok && (!pn_json_integer(&rep->json, "interval", &interval) || interval < 0))
		interval = -1;
	if (ok && !pn_json_integer(&rep->json, "expires_in", &expires))
		expires = -1;
	if (ok) {
		pn_device_start(d, interval, expires, pn_now_ms());
		printf(_("To sign in for account %s, open\n    %s\nand enter the code\n    %s\n"), l->a->name,
		       shown(&tmp, uri.data), shown(&tmp2, user.data));
		if (pn_json_string(&rep->json, "verification_uri_complete", &full))
			printf(_("or open this address, which holds the code:\n    %s\n"),
			       shown(&tmp, full.data));
		printf(_("Waiting for the sign-in (at most %lld s)...\n"),
		       (d->expires_at - pn_now_ms() + 999) / 1000);
		fflush(stdout);
	}
	pn_buf_free(&user), pn_buf_free(&uri), pn_buf_free(&full), pn_buf_free(&tmp), pn_buf_free(&tmp2);
	return ok;
}

/* device_start - RFC 8628 3.1, 3.2 */
static bool device_start(struct login *l, struct pn_buf *dc, struct pn_device *d)
{
	struct pn_buf f;
	pn_buf_init_secret(&f, FORM_MAX);
	bool ok = client_fields(l, &f) && (!l->ends.scope || pn_form_add(&f, "scope", l->ends.scope));
	struct pn_oauth_reply rep;
	memset(&rep, 0, sizeof(rep));
	ok = post(l, ok, l->ends.device_url, &f, &rep);
	if (ok && rep.error[0]) {
		pn_oauth_fail(l->a, &rep, l->err);
		ok = false;
	}
	ok = ok && device_show(l, &rep, dc, d);
	pn_oauth_reply_free(&rep);
	return ok;
}

/* device_fail - a poll's error that ends the flow: the device flow's own
 * words for its own errors (why), the provider's explained otherwise */
static void device_fail(struct login *l, const struct pn_oauth_reply *rep, int code, const char *why)
{
	if (why)
		pn_error_set(l->err, code, _("account %s: %s"), l->a->name, _(why));
	else
		pn_oauth_fail(l->a, rep, l->err);
}

/* device_poll - RFC 8628 3.4, 3.5: poll every interval until a token, an
 * error that ends it, or the code's expiry */
static bool device_poll(struct login *l, const struct pn_buf *dc, struct pn_device *d)
{
	long long wait = d->interval_ms;
	for (;;) {
		if (!pn_sleep_ms(wait)) {
			pn_error_set(l->err, EX_TEMPFAIL,
			             _("interrupted by signal while waiting for the sign-in"));
			return false;
		}
		struct pn_buf f;
		pn_buf_init_secret(&f, FORM_MAX);
		bool ok = pn_form_add(&f, "grant_type", "urn:ietf:params:oauth:grant-type:device_code") &&
		          pn_form_add(&f, "device_code", dc->data) && client_fields(l, &f);
		struct pn_oauth_reply rep;
		memset(&rep, 0, sizeof(rep));
		int code = 0;
		const char *why = NULL;
		enum pn_device_action act = PN_DEVICE_FAIL;
		if (post(l, ok, l->ends.token_url, &f, &rep))
			act = pn_device_step(d, rep.error[0] ? rep.error : NULL, pn_now_ms(), &wait, &code,
			                     &why);
		else
			ok = false;
		if (ok && act == PN_DEVICE_DONE)
			ok = save(l, &rep);
		else if (ok && act == PN_DEVICE_FAIL)
			device_fail(l, &rep, code, why);
		pn_oauth_reply_free(&rep);
		if (!ok || act != PN_DEVICE_WAIT)
			return ok && act == PN_DEVICE_DONE;
	}
}

/* device_flow - the device authorization grant */
static bool device_flow(struct login *l)
{
	struct pn_buf dc;
	pn_buf_init_secret(&dc, 8192);
	struct pn_device d;
	bool ok = device_start(l, &dc, &d) && device_poll(l, &dc, &d);
	pn_buf_free(&dc);
	return ok;
}

/* the code flow's state */
struct code_flow {
	struct login *l;
	struct pn_buf verifier, state, redirect_uri;
	struct pn_redirect r; /* the last request; its code when done */
	enum { WAITING, GOT_CODE, GOT_ERROR, WRONG_STATE } outcome;
};

/* on_request - one request to the listener: the redirect ends the wait */
static void on_request(void *ctx, const char *line, size_t n, struct pn_loopback_answer *ans)
{
	struct code_flow *c = ctx;
	switch (pn_redirect_parse(&c->r, line, n)) {
	case PN_REDIRECT_OTHER:
		*ans = (struct pn_loopback_answer){404, _("Not found.\n"), false};
		return;
	case PN_REDIRECT_BAD:
		*ans = (struct pn_loopback_answer){400, _("postern: this is not the answer to a sign-in.\n"),
		                                   false};
		return;
	case PN_REDIRECT_ERROR:
		c->outcome = GOT_ERROR;
		*ans = (struct pn_loopback_answer){
		    200, _("postern: the sign-in failed; the terminal says why.\n"), true};
		return;
	case PN_REDIRECT_CODE:
		break;
	}
	bool same =
	    c->r.state.len == c->state.len && memcmp(c->r.state.data, c->state.data, c->state.len) == 0;
	c->outcome = same ? GOT_CODE : WRONG_STATE;
	if (same)
		*ans = (struct pn_loopback_answer){200, _("postern: signed in. You may close this window.\n"),
		                                   true};
	else
		*ans = (struct pn_loopback_answer){400,
		                                   _("postern: this answer is not for this sign-in (its "
		                                     "state differs); nothing was saved.\n"),
		                                   true};
}

/* pkce_url - verifier, state and the authorization URL to open */
static bool pkce_url(struct code_flow *c, int port, struct pn_buf *url)
{
	const struct pn_account *a = c->l->a;
	unsigned char rnd[PN_PKCE_RANDOM], st[16];
	struct pn_buf ch, q;
	pn_buf_init(&ch, 128), pn_buf_init(&q, 16384);
	bool ok = gnutls_rnd(GNUTLS_RND_KEY, rnd, sizeof(rnd)) == 0 &&
	          gnutls_rnd(GNUTLS_RND_NONCE, st, sizeof(st)) == 0 && pn_pkce_verifier(&c->verifier, rnd) &&
	          pn_pkce_challenge(&ch, c->verifier.data) && pn_base64url(&c->state, st, sizeof(st)) &&
	          pn_buf_printf(&c->redirect_uri, "http://127.0.0.1:%d/", port);
	pn_wipe(rnd, sizeof(rnd));
	ok = ok && pn_query_add(&q, "response_type", "code") &&
	     pn_query_add(&q, "client_id", a->oauth2_client_id) &&
	     pn_query_add(&q, "redirect_uri", c->redirect_uri.data) &&
	     (!c->l->ends.scope || pn_query_add(&q, "scope", c->l->ends.scope)) &&
	     pn_query_add(&q, "state", c->state.data) && pn_query_add(&q, "code_challenge", ch.data) &&
	     pn_query_add(&q, "code_challenge_method", "S256");
	if (ok && a->oauth2_provider == PN_OAUTH2_GOOGLE) /* else Google gives no refresh token */
		ok = pn_query_add(&q, "access_type", "offline") && pn_query_add(&q, "prompt", "consent");
	const char *base = c->l->ends.auth_url;
	ok = ok && pn_buf_printf(url, "%s%c%s", base, strchr(base, '?') ? '&' : '?', q.data);
	if (!ok)
		pn_error_set(c->l->err, EX_SOFTWARE, _("account %s: cannot make the authorization URL"),
		             a->name);
	pn_buf_free(&ch), pn_buf_free(&q);
	return ok;
}

/* redirect_fail - the wait ended without a code to exchange */
static void redirect_fail(struct code_flow *c)
{
	struct pn_buf t1, t2;
	pn_buf_init(&t1, 4096), pn_buf_init(&t2, 4096);
	const char *name = c->l->a->name;
	if (c->outcome == WRONG_STATE)
		pn_error_set(c->l->err, EX_PROTOCOL,
		             _("account %s: the redirect's state is not this sign-in's (a stale or forged "
		               "answer): nothing was saved; run --oauth2-login again"),
		             name);
	else if (c->outcome == GOT_ERROR)
		pn_error_set(c->l->err,
		             strcmp(c->r.error.data, "access_denied") == 0 ? EX_NOPERM : EX_UNAVAILABLE,
		             _("account %s: the sign-in failed: %s%s%s"), name, shown(&t1, c->r.error.data),
		             c->r.description.len ? ": " : "",
		             c->r.description.len ? shown(&t2, c->r.description.data) : "");
	pn_buf_free(&t1), pn_buf_free(&t2);
}

/* code_exchange - RFC 6749 4.1.3 with RFC 7636 4.5's code_verifier */
static bool code_exchange(struct code_flow *c)
{
	struct login *l = c->l;
	struct pn_buf f;
	pn_buf_init_secret(&f, FORM_MAX);
	bool ok = pn_form_add(&f, "grant_type", "authorization_code") &&
	          pn_form_add(&f, "code", c->r.code.data) &&
	          pn_form_add(&f, "redirect_uri", c->redirect_uri.data) &&
	          pn_form_add(&f, "code_verifier", c->verifier.data) && client_fields(l, &f);
	struct pn_oauth_reply rep;
	memset(&rep, 0, sizeof(rep));
	ok = post(l, ok, l->ends.token_url, &f, &rep);
	if (ok && rep.error[0]) {
		pn_oauth_fail(l->a, &rep, l->err);
		ok = false;
	}
	ok = ok && save(l, &rep);
	pn_oauth_reply_free(&rep);
	return ok;
}

/* code_wait - listen, print the URL, wait for the redirect, exchange */
static bool code_wait(struct code_flow *c)
{
	int port = 0;
	int fd = pn_loopback_open(&port, c->l->err);
	struct pn_buf url;
	pn_buf_init(&url, 32768);
	bool ok = fd >= 0 && pkce_url(c, port, &url);
	if (ok) {
		printf(
		    _("To sign in for account %s, open this address in a browser on this machine:\n    %s\n"),
		    c->l->a->name, url.data);
		printf(_("Waiting for the browser's redirect to %s (at most %d s)...\n"),
		       c->redirect_uri.data, PN_LOGIN_WAIT_S);
		fflush(stdout);
		ok =
		    pn_loopback_serve(fd, pn_deadline_in(PN_LOGIN_WAIT_S * 1000LL), on_request, c, c->l->err);
	}
	if (fd >= 0)
		close(fd);
	pn_buf_free(&url);
	if (ok && c->outcome != GOT_CODE) {
		redirect_fail(c);
		ok = false;
	}
	return ok && code_exchange(c);
}

/* code_flow - the authorization code grant with PKCE */
static bool code_flow(struct login *l)
{
	if (!l->ends.auth_url) {
		pn_error_set(l->err, EX_CONFIG,
		             _("account %s has neither a device endpoint (oauth2_device_url) nor an "
		               "authorization endpoint (oauth2_auth_url)"),
		             l->a->name);
		return false;
	}
	struct code_flow c = {.l = l, .outcome = WAITING};
	pn_buf_init_secret(&c.verifier, 128);
	pn_buf_init(&c.state, 128);
	pn_buf_init(&c.redirect_uri, 128);
	pn_redirect_init(&c.r);
	bool ok = code_wait(&c);
	pn_buf_free(&c.verifier), pn_buf_free(&c.state), pn_buf_free(&c.redirect_uri);
	pn_redirect_free(&c.r);
	return ok;
}

/* pn_oauth_login_run - see oauthlogin.h */
int pn_oauth_login_run(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = NULL};
	struct login l = {.err = err};
	const struct pn_account *a = l.a = pn_run_choose(req, &r, err);
	bool ok = a && login_allowed(a, err);
	l.priv = ok && a->system && pn_priv_active();
	if (!l.priv)
		ok = pn_priv_drop(err) && ok;
	l.ctx = (struct pn_oauth_ctx){r.id.home, a && a->system, 0};
	bool ends = ok && pn_oauth_ends(a, &l.ends, err);
	ok = ends && take_secret(&l);
	if (ok)
		ok = l.ends.device_url && *l.ends.device_url ? device_flow(&l) : code_flow(&l);
	if (ends)
		pn_oauth_ends_free(&l.ends);
	pn_secret_wipe(&l.secret);
	int code = ok ? EX_OK : pn_fail(err);
	if (!pn_priv_drop(err) && ok)
		code = pn_fail(err);
	pn_run_release(&r);
	return code;
}
