/* oauth.h - OAuth 2.0 access tokens that postern obtains itself (RFC 6749):
 * provider presets, the client credentials and refresh token grants, the
 * token cache, and errors that explain what to do.
 *
 * pn_oauth_token is what a send calls: a cached access token valid for at
 * least PN_OAUTH_MARGIN more seconds is used as it is (no HTTP request,
 * libcurl not loaded); otherwise the token endpoint is asked, with the
 * store locked from the read to the write, and a refresh token the
 * provider rotates is saved (atomically) before the new access token is
 * handed back.  --oauth2-login uses the other entry points: the resolved
 * endpoints, the client secret, one POST to an endpoint with its reply
 * parsed, and pn_oauth_save for what it obtained.
 * SECURITY: client secrets, refresh and access tokens pass through here in
 * pn_secrets and secret buffers; no value from the wire reaches a message
 * unescaped.
 */
#ifndef POSTERN_OAUTH_H
#define POSTERN_OAUTH_H

#include "buf.h"
#include "error.h"
#include "json.h"
#include "rcfile.h"
#include "tokenstore.h"

/* an access token is used until this many seconds before it expires */
#define PN_OAUTH_MARGIN 300

struct pn_oauth_ctx {
	const char *home;  /* the caller's home (default store path) */
	bool clean_env;    /* client_secret_eval with PATH=/usr/bin:/bin only */
	long long now;     /* Unix time; 0: the clock's */
};

/* the account's endpoints and scope, presets filled in (allocated) */
struct pn_oauth_ends {
	char *token_url, *device_url, *auth_url, *scope;
};

/* pn_oauth_ends - resolve a's endpoints (its settings over the provider's
 * presets); 78 for a missing token URL or one that is not https:// */
bool pn_oauth_ends(const struct pn_account *a, struct pn_oauth_ends *e, struct pn_error *err) PN_WUR;
void pn_oauth_ends_free(struct pn_oauth_ends *e);

/* pn_oauth_check - the OAuth 2.0 settings of a make sense together (for
 * pn_account_check); 78 with a message saying what is missing */
bool pn_oauth_check(const struct pn_account *a, struct pn_error *err) PN_WUR;

/* pn_oauth_client_secret - oauth2_client_secret or the first line of
 * oauth2_client_secret_eval's output; out stays empty when neither is
 * set (a public client) */
bool pn_oauth_client_secret(const struct pn_account *a, const struct pn_oauth_ctx *ctx, struct pn_secret *out,
			    struct pn_error *err) PN_WUR;

/* what a token (or device authorization) endpoint answered */
struct pn_oauth_reply {
	long status;
	struct pn_buf body; /* a secret buffer */
	struct pn_json json; /* valid when is_json */
	bool is_json;
	char error[64]; /* "error" of an error reply (RFC 6749 5.2), "" when none */
};

/* pn_oauth_post - POST form to url with a's trust file and timeout; the
 * reply parsed into r (free with pn_oauth_reply_free, also after a
 * failure).  False with err set: no reply (http.h's codes), a 5xx (75), a
 * reply that is not a JSON object (76). */
bool pn_oauth_post(const struct pn_account *a, const char *url, const struct pn_buf *form, struct pn_oauth_reply *r,
		   struct pn_error *err) PN_WUR;
void pn_oauth_reply_free(struct pn_oauth_reply *r);

/* pn_oauth_fail - err for an error reply r of a's token endpoint: one line
 * naming the account, the provider's error and what to do
 * (--oauth2-login, the client secret, consent, ...) */
void pn_oauth_fail(const struct pn_account *a, const struct pn_oauth_reply *r, struct pn_error *err);

/* pn_oauth_save - store the tokens of a successful token reply r for a
 * (a refresh token it lacks is kept from the store); the store is locked
 * for the while.  system: a system account's store. */
bool pn_oauth_save(const struct pn_account *a, const struct pn_oauth_ctx *ctx, const struct pn_oauth_reply *r,
		   struct pn_error *err) PN_WUR;

/* pn_oauth_token - a's access token into out (empty before): cached, or
 * obtained with a's grant and cached */
bool pn_oauth_token(const struct pn_account *a, const struct pn_oauth_ctx *ctx, struct pn_secret *out,
		    struct pn_error *err) PN_WUR;

/* pn_oauth_fresh - a cached token expiring at expires is still used at now */
bool pn_oauth_fresh(long long expires, long long now);

#endif
