/* oauth.c - OAuth 2.0 access tokens (see oauth.h): presets, the token
 * endpoint's replies, the cache, the grants.
 *
 * RFC 6749 4.4 (client credentials), 6 (refreshing), 5.1 and 5.2 (the
 * token endpoint's replies).  Errors name the account and say what to do;
 * every value from the wire is escaped before it reaches a message.
 * SECURITY: the client secret, refresh and access tokens live in
 * pn_secrets and secret buffers, wiped on every path.
 */
#include "oauth.h"

#include "command.h"
#include "escape.h"
#include "http.h"
#include "loginflow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#define MS_BASE "https://login.microsoftonline.com/"
#define DEFAULT_EXPIRES_IN 3600 /* a reply without expires_in (RFC 6749 5.1: only RECOMMENDED) */
/* the longest lifetime taken from a reply: no access token lives a year,
 * and the expiry must stay a number the store reads back */
#define MAX_EXPIRES_IN (366LL * 86400)

/* url_or - the setting, else the preset (allocated; NULL for neither) */
static char *url_or(const char *set, const char *preset)
{
	return set ? pn_xstrdup(set) : preset ? pn_xstrdup(preset) : NULL;
}

/* microsoft - Microsoft identity platform v2.0 endpoints of the tenant */
static void microsoft(const struct pn_account *a, struct pn_oauth_ends *e)
{
	const char *t = a->oauth2_tenant ? a->oauth2_tenant : "organizations";
	char *tok = pn_xasprintf(MS_BASE "%s/oauth2/v2.0/token", t);
	char *dev = pn_xasprintf(MS_BASE "%s/oauth2/v2.0/devicecode", t);
	char *aut = pn_xasprintf(MS_BASE "%s/oauth2/v2.0/authorize", t);
	e->token_url = url_or(a->oauth2_token_url, tok);
	e->device_url = url_or(a->oauth2_device_url, dev);
	e->auth_url = url_or(a->oauth2_auth_url, aut);
	e->scope = url_or(a->oauth2_scope, a->oauth2_grant == PN_GRANT_CLIENT_CREDENTIALS
						   ? "https://outlook.office365.com/.default"
						   : "https://outlook.office.com/SMTP.Send offline_access");
	free(tok);
	free(dev);
	free(aut);
}

/* check_url - an endpoint's address is https:// */
static bool check_url(const struct pn_account *a, const char *what, const char *url, struct pn_error *err)
{
	if (!url || strncmp(url, "https://", 8) == 0)
		return true;
	pn_error_set(err, EX_CONFIG, _("account %s: %s must be an https:// address"), a->name, what);
	return false;
}

/* pn_oauth_ends - see oauth.h */
bool pn_oauth_ends(const struct pn_account *a, struct pn_oauth_ends *e, struct pn_error *err)
{
	memset(e, 0, sizeof(*e));
	if (a->oauth2_provider == PN_OAUTH2_MICROSOFT) {
		microsoft(a, e);
	} else if (a->oauth2_provider == PN_OAUTH2_GOOGLE) {
		e->token_url = url_or(a->oauth2_token_url, "https://oauth2.googleapis.com/token");
		e->device_url = url_or(a->oauth2_device_url, NULL); /* Gmail's scope is refused there */
		e->auth_url = url_or(a->oauth2_auth_url, "https://accounts.google.com/o/oauth2/v2/auth");
		e->scope = url_or(a->oauth2_scope, "https://mail.google.com/");
	} else {
		e->token_url = url_or(a->oauth2_token_url, NULL);
		e->device_url = url_or(a->oauth2_device_url, NULL);
		e->auth_url = url_or(a->oauth2_auth_url, NULL);
		e->scope = url_or(a->oauth2_scope, NULL);
	}
	bool ok = e->token_url != NULL;
	if (!ok)
		pn_error_set(err, EX_CONFIG, _("account %s: no oauth2_token_url (needed with oauth2_provider generic)"),
			     a->name);
	ok = ok && check_url(a, "oauth2_token_url", e->token_url, err)
		&& check_url(a, "oauth2_device_url", e->device_url, err)
		&& check_url(a, "oauth2_auth_url", e->auth_url, err);
	if (!ok)
		pn_oauth_ends_free(e);
	return ok;
}

/* pn_oauth_ends_free - see oauth.h */
void pn_oauth_ends_free(struct pn_oauth_ends *e)
{
	free(e->token_url);
	free(e->device_url);
	free(e->auth_url);
	free(e->scope);
	memset(e, 0, sizeof(*e));
}

/* pn_oauth_check - see oauth.h */
bool pn_oauth_check(const struct pn_account *a, struct pn_error *err)
{
	const char *n = a->name;
	bool cc = a->oauth2_grant == PN_GRANT_CLIENT_CREDENTIALS;
	const char *t = a->oauth2_tenant;
	bool ok = false;
	if (!a->oauth2_client_id)
		pn_error_set(err, EX_CONFIG, _("account %s: OAuth 2.0 needs oauth2_client_id (the application's ID at "
					       "the provider)"), n);
	else if (a->password || a->passwordeval)
		pn_error_set(err, EX_CONFIG, _("account %s: postern obtains its OAuth 2.0 token itself (oauth2_client_id "
					       "is set); remove password and passwordeval"), n);
	else if (a->oauth2_provider == PN_OAUTH2_GOOGLE && cc)
		pn_error_set(err, EX_CONFIG, _("account %s: Google offers no client credentials grant for Gmail; use "
					       "oauth2_grant refresh_token and postern --oauth2-login -a %s"), n, n);
	else if (a->oauth2_provider == PN_OAUTH2_MICROSOFT && cc
		 && (!t || strcmp(t, "organizations") == 0 || strcmp(t, "common") == 0 || strcmp(t, "consumers") == 0))
		pn_error_set(err, EX_CONFIG, _("account %s: oauth2_grant client_credentials needs oauth2_tenant, the "
					       "directory (tenant) ID or domain"), n);
	else if (cc && !a->oauth2_client_secret && !a->oauth2_client_secret_eval)
		pn_error_set(err, EX_CONFIG, _("account %s: oauth2_grant client_credentials needs oauth2_client_secret "
					       "(or oauth2_client_secret_eval)"), n);
	else
		ok = true;
	struct pn_oauth_ends e;
	ok = ok && pn_oauth_ends(a, &e, err);
	if (ok)
		pn_oauth_ends_free(&e);
	return ok;
}

/* pn_oauth_client_secret - see oauth.h */
bool pn_oauth_client_secret(const struct pn_account *a, const struct pn_oauth_ctx *ctx, struct pn_secret *out,
			    struct pn_error *err)
{
	if (a->oauth2_client_secret) {
		pn_secret_copy(out, a->oauth2_client_secret, strlen(a->oauth2_client_secret));
		return true;
	}
	if (!a->oauth2_client_secret_eval)
		return true;
	char *buf = pn_xmalloc(4096);
	int status = 0;
	enum pn_command_result r =
		pn_command_line(a->oauth2_client_secret_eval, ctx->clean_env, a->timeout, buf, 4096, &status);
	bool ok = r == PN_COMMAND_OK && buf[0];
	if (r == PN_COMMAND_NOT_RUN)
		pn_error_errno(err, EX_OSERR, errno, _("account %s: cannot run oauth2_client_secret_eval"), a->name);
	else if (r == PN_COMMAND_TIMEOUT)
		pn_error_set(err, EX_CONFIG, _("account %s: oauth2_client_secret_eval did not finish within %d s"),
			     a->name, a->timeout);
	else if (r == PN_COMMAND_FAILED)
		pn_error_set(err, EX_CONFIG, _("account %s: oauth2_client_secret_eval failed (exit status %d)"),
			     a->name, status);
	else if (!ok)
		pn_error_set(err, EX_CONFIG, _("account %s: oauth2_client_secret_eval printed no secret"), a->name);
	if (ok)
		pn_secret_copy(out, buf, strlen(buf));
	pn_wipe(buf, 4096);
	free(buf);
	return ok;
}

/* shown - v escaped for a message, cut to fit out */
static const char *shown(const char *v, size_t n, char *out, size_t size)
{
	struct pn_buf b;
	pn_buf_init(&b, size - 1);
	char *raw = pn_xstrndup(v, n);
	if (!pn_escape(&b, raw, false) || !b.data)
		snprintf(out, size, "%s", b.data ? b.data : "");
	else
		snprintf(out, size, "%s", b.data);
	free(raw);
	pn_buf_free(&b);
	return out;
}

/* parse_reply - r's body as JSON, its "error" member noted.  A body that
 * is no JSON object is not quoted: it may hold a token all the same (a
 * form-encoded reply); its Content-Type says what it was. */
static bool parse_reply(const char *url, const char *ctype, struct pn_oauth_reply *r, struct pn_error *err)
{
	const char *why = "";
	r->is_json = pn_json_parse(&r->json, r->body.data ? r->body.data : "", r->body.len, &why)
		&& r->json.top == PN_JSON_OBJECT;
	if (!r->is_json) {
		char ct[80];
		pn_error_set(err, EX_PROTOCOL, _("%s answered (HTTP %ld) with no JSON object (%s; Content-Type %s)"), url,
			     r->status, r->json.top == PN_JSON_MISSING ? why : _("not an object"),
			     ctype[0] ? shown(ctype, strlen(ctype), ct, sizeof(ct)) : _("none"));
		return false;
	}
	struct pn_buf e;
	pn_buf_init(&e, sizeof(r->error) - 1);
	if (pn_json_string(&r->json, "error", &e) && e.data)
		snprintf(r->error, sizeof(r->error), "%s", e.data);
	pn_buf_free(&e);
	return true;
}

/* pn_oauth_post - see oauth.h */
bool pn_oauth_post(const struct pn_account *a, const char *url, const struct pn_buf *form, struct pn_oauth_reply *r,
		   struct pn_error *err)
{
	memset(r, 0, sizeof(*r));
	struct pn_http_params p = {url, a->oauth2_trust_file, a->timeout};
	struct pn_http_reply hr;
	bool ok = pn_http_post_form(&p, form->data ? form->data : "", form->len, &hr, err);
	r->status = hr.status;
	r->body = hr.body; /* the reply's secret buffer changes hands */
	if (!ok)
		return false;
	if (r->status >= 500 || r->status == 429) { /* 429: throttled (RFC 6585 4) */
		pn_error_set(err, EX_TEMPFAIL, _("%s answered HTTP %ld (%s); try again later"), url, r->status,
			     r->status == 429 ? _("too many requests") : _("a server error"));
		return false;
	}
	return parse_reply(url, hr.ctype, r, err);
}

/* pn_oauth_reply_free - see oauth.h */
void pn_oauth_reply_free(struct pn_oauth_reply *r)
{
	pn_buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

/* has_code - the reply names Microsoft's AADSTS code (in error_codes or
 * in its description) */
static bool has_code(const struct pn_oauth_reply *r, long long code)
{
	if (pn_json_array_has_integer(&r->json, "error_codes", code))
		return true;
	struct pn_buf d;
	pn_buf_init(&d, 8192);
	char tag[32];
	snprintf(tag, sizeof(tag), "AADSTS%lld:", code);
	bool hit = pn_json_string(&r->json, "error_description", &d) && d.data && strstr(d.data, tag);
	pn_buf_free(&d);
	return hit;
}

/* description - the reply's error_description escaped and cut */
static const char *description(const struct pn_oauth_reply *r, char *out, size_t size)
{
	struct pn_buf d;
	pn_buf_init(&d, PN_JSON_MAX_SIZE);
	const char *s = pn_json_string(&r->json, "error_description", &d) && d.data ? d.data : "";
	size_t n = strcspn(s, "\r\n"); /* Microsoft's trace and correlation ids follow */
	shown(s, n, out, size);
	pn_buf_free(&d);
	return out;
}

/* pn_oauth_fail - see oauth.h */
void pn_oauth_fail(const struct pn_account *a, const struct pn_oauth_reply *r, struct pn_error *err)
{
	const char *n = a->name;
	char e[96], d[300];
	shown(r->error, strlen(r->error), e, sizeof(e));
	description(r, d, sizeof(d));
	if (strcmp(r->error, "temporarily_unavailable") == 0 || strcmp(r->error, "server_error") == 0)
		pn_error_set(err, EX_TEMPFAIL, _("account %s: the token endpoint is unavailable for now (%s: %s); try "
						 "again later"), n, e, d);
	else if (has_code(r, 700082))
		pn_error_set(err, EX_NOPERM, _("account %s: the refresh token expired because it was not used for 90 days "
					       "(AADSTS700082); run: postern --oauth2-login -a %s"), n, n);
	else if (has_code(r, 70043))
		pn_error_set(err, EX_NOPERM, _("account %s: the refresh token expired under the tenant's sign-in "
					       "frequency policy (AADSTS70043); run: postern --oauth2-login -a %s"), n, n);
	else if (has_code(r, 7000215) || has_code(r, 7000222))
		pn_error_set(err, EX_NOPERM, _("account %s: the client secret was refused (AADSTS%s: invalid or expired "
					       "client secret); set oauth2_client_secret to the secret's Value (not its "
					       "ID), or make a new secret in the app registration"),
			     n, has_code(r, 7000215) ? "7000215" : "7000222");
	else if (has_code(r, 65001) || strcmp(r->error, "consent_required") == 0)
		pn_error_set(err, EX_NOPERM, _("account %s: the application has no consent for the scope it asks for "
					       "(%s); an administrator of the tenant must grant admin consent to it (app "
					       "registration > API permissions), or the user consents through postern "
					       "--oauth2-login -a %s"), n, has_code(r, 65001) ? "AADSTS65001" : e, n);
	else if (strcmp(r->error, "invalid_grant") == 0)
		pn_error_set(err, EX_NOPERM, _("account %s: the refresh token was refused (invalid_grant: %s); it was "
					       "revoked or has expired; run: postern --oauth2-login -a %s"), n, d, n);
	else if (strcmp(r->error, "invalid_client") == 0)
		pn_error_set(err, EX_NOPERM, _("account %s: the client id or secret was refused (invalid_client: %s)"), n,
			     d);
	else
		pn_error_set(err, EX_NOPERM, _("account %s: the token endpoint refused (HTTP %ld, %s: %s)"), n, r->status,
			     r->error[0] ? e : "no error code", d);
}

/* pn_oauth_fresh - see oauth.h */
bool pn_oauth_fresh(long long expires, long long now)
{
	return expires > 0 && now + PN_OAUTH_MARGIN < expires;
}

/* same - two settings (either possibly NULL) are equal */
static bool same(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/* now_of - the context's clock */
static long long now_of(const struct pn_oauth_ctx *ctx)
{
	return ctx->now ? ctx->now : (long long)time(NULL);
}

/* from_reply - t (the store's, of this configuration) updated with a
 * successful reply: access token, expiry, the rotated refresh token */
static bool from_reply(const struct pn_oauth_reply *r, long long now, struct pn_token *t, struct pn_error *err)
{
	struct pn_buf acc, ref, typ;
	pn_buf_init_secret(&acc, PN_JSON_MAX_SIZE);
	pn_buf_init_secret(&ref, PN_JSON_MAX_SIZE);
	pn_buf_init(&typ, 64);
	long long in = DEFAULT_EXPIRES_IN;
	bool ok = pn_json_string(&r->json, "access_token", &acc) && acc.len > 0;
	if (!ok)
		pn_error_set(err, EX_PROTOCOL, "%s", _("the token endpoint's reply holds no access_token"));
	if (ok && pn_json_member(&r->json, "token_type", &(const char *){NULL}, &(size_t){0}) != PN_JSON_MISSING
	    && (!pn_json_string(&r->json, "token_type", &typ) || !typ.data || strcasecmp(typ.data, "bearer") != 0)) {
		pn_error_set(err, EX_PROTOCOL, "%s", _("the token endpoint's reply holds a token that is not a Bearer token"));
		ok = false;
	}
	if (ok && pn_json_member(&r->json, "expires_in", &(const char *){NULL}, &(size_t){0}) != PN_JSON_MISSING
	    && (!pn_json_integer(&r->json, "expires_in", &in) || in < 0)) {
		pn_error_set(err, EX_PROTOCOL, "%s", _("the token endpoint's reply has a bad expires_in"));
		ok = false;
	}
	if (ok) {
		pn_secret_wipe(&t->access);
		pn_secret_take(&t->access, &acc);
		t->expires = now + (in < MAX_EXPIRES_IN ? in : MAX_EXPIRES_IN);
		if (pn_json_string(&r->json, "refresh_token", &ref) && ref.len) {
			pn_secret_wipe(&t->refresh); /* rotated: the old one is no longer valid */
			pn_secret_take(&t->refresh, &ref);
		}
	}
	pn_buf_free(&acc);
	pn_buf_free(&ref);
	pn_buf_free(&typ);
	return ok;
}

/* mine - t was obtained for this configuration (scope: for the access
 * token; a refresh token serves any scope of its client) */
static bool mine(const struct pn_token *t, const struct pn_oauth_ends *e, const struct pn_account *a, bool scope)
{
	return same(t->client_id, a->oauth2_client_id) && same(t->token_url, e->token_url)
		&& (!scope || same(t->scope, e->scope));
}

/* keep_only_mine - forget what t holds for another configuration */
static void keep_only_mine(struct pn_token *t, const struct pn_oauth_ends *e, const struct pn_account *a)
{
	if (!mine(t, e, a, false))
		pn_secret_wipe(&t->refresh);
	if (!mine(t, e, a, true)) {
		pn_secret_wipe(&t->access);
		t->expires = 0;
	}
	free(t->client_id);
	free(t->token_url);
	free(t->scope);
	t->client_id = a->oauth2_client_id ? pn_xstrdup(a->oauth2_client_id) : NULL;
	t->token_url = pn_xstrdup(e->token_url);
	t->scope = e->scope ? pn_xstrdup(e->scope) : NULL;
}

/* grant_form - the token request of a's grant */
static bool grant_form(const struct pn_account *a, const struct pn_oauth_ctx *ctx, const struct pn_oauth_ends *e,
		       const struct pn_token *t, struct pn_buf *form, struct pn_error *err)
{
	struct pn_secret cs = {NULL, 0};
	bool cc = a->oauth2_grant == PN_GRANT_CLIENT_CREDENTIALS;
	if (!cc && !t->refresh.p) {
		pn_error_set(err, EX_CONFIG, _("account %s has no OAuth 2.0 refresh token yet; run: postern "
					       "--oauth2-login -a %s"), a->name, a->name);
		return false;
	}
	if (!pn_oauth_client_secret(a, ctx, &cs, err))
		return false;
	if (cc && !cs.p) {
		pn_error_set(err, EX_CONFIG, _("account %s: oauth2_grant client_credentials needs oauth2_client_secret "
					       "(or oauth2_client_secret_eval)"), a->name);
		return false;
	}
	bool ok = pn_form_add(form, "grant_type", cc ? "client_credentials" : "refresh_token")
		&& (cc || pn_form_add(form, "refresh_token", t->refresh.p))
		&& pn_form_add(form, "client_id", a->oauth2_client_id ? a->oauth2_client_id : "")
		&& (!cs.p || pn_form_add(form, "client_secret", cs.p))
		&& (!e->scope || pn_form_add(form, "scope", e->scope));
	pn_secret_wipe(&cs);
	if (!ok)
		pn_error_set(err, EX_SOFTWARE, _("account %s: the token request is too large"), a->name);
	return ok;
}

/* fetch - ask the token endpoint, update t and write it to the store
 * before anyone uses the new token */
static bool fetch(const struct pn_account *a, const struct pn_oauth_ctx *ctx, const struct pn_oauth_ends *e,
		  struct pn_store *s, struct pn_token *t, struct pn_error *err)
{
	struct pn_buf form;
	pn_buf_init_secret(&form, 16384);
	struct pn_oauth_reply r;
	memset(&r, 0, sizeof(r));
	bool ok = grant_form(a, ctx, e, t, &form, err) && pn_oauth_post(a, e->token_url, &form, &r, err);
	if (ok && (r.error[0] || r.status != 200)) {
		pn_oauth_fail(a, &r, err);
		ok = false;
	}
	ok = ok && from_reply(&r, now_of(ctx), t, err) && pn_store_write(s, t, err);
	pn_oauth_reply_free(&r);
	pn_buf_free(&form);
	return ok;
}

/* lock_wait - how long a send waits for another's use of the store: that
 * one may run oauth2_client_secret_eval and then ask the token endpoint,
 * each within the account's timeout */
static int lock_wait(const struct pn_account *a)
{
	return 2 * (a->timeout > 0 ? a->timeout : PN_HTTP_DEFAULT_TIMEOUT) + 10;
}

/* one use of the account's store: its endpoints, the store locked, what it
 * holds for this configuration */
struct held {
	struct pn_oauth_ends e;
	struct pn_store s;
	struct pn_token t;
};

/* hold - a's store opened (locked) and read; what it holds for another
 * configuration forgotten.  Release with unhold, also after a failure. */
static bool hold(const struct pn_account *a, const struct pn_oauth_ctx *ctx, struct held *h, struct pn_error *err)
{
	memset(h, 0, sizeof(*h));
	h->s.lockfd = -1;
	bool ok = pn_oauth_ends(a, &h->e, err)
		&& pn_store_open(&h->s, a->oauth2_token_store, a->name, ctx->home, a->system, lock_wait(a), err)
		&& pn_store_read(&h->s, a->oauth2_client_id, &h->t, err);
	if (ok)
		keep_only_mine(&h->t, &h->e, a);
	return ok;
}

/* unhold - the store unlocked, the tokens wiped */
static void unhold(struct held *h)
{
	pn_store_close(&h->s);
	pn_token_free(&h->t);
	pn_oauth_ends_free(&h->e);
}

/* pn_oauth_token - see oauth.h */
bool pn_oauth_token(const struct pn_account *a, const struct pn_oauth_ctx *ctx, struct pn_secret *out,
		    struct pn_error *err)
{
	struct held h;
	bool ok = hold(a, ctx, &h, err);
	if (ok && (!h.t.access.p || !pn_oauth_fresh(h.t.expires, now_of(ctx))))
		ok = fetch(a, ctx, &h.e, &h.s, &h.t, err);
	if (ok)
		pn_secret_copy(out, h.t.access.p, h.t.access.n);
	unhold(&h);
	return ok;
}

/* pn_oauth_save - see oauth.h */
bool pn_oauth_save(const struct pn_account *a, const struct pn_oauth_ctx *ctx, const struct pn_oauth_reply *r,
		   struct pn_error *err)
{
	struct held h;
	bool ok = hold(a, ctx, &h, err) && from_reply(r, now_of(ctx), &h.t, err) && pn_store_write(&h.s, &h.t, err);
	unhold(&h);
	return ok;
}
