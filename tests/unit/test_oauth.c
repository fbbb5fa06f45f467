/* test_oauth.c - the OAuth 2.0 token layer without a network: the token
 * store's text with hostile values, the store file's checks and atomic
 * replacement, the expiry decision, presets, the form encoder, the error
 * messages of token endpoint replies and the hints after an AUTH
 * refusal. */
#include "http.h"
#include "loginflow.h"
#include "oauth.h"
#include "rcset.h"
#include "tap.h"
#include "tokenstore.h"

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static char dir[] = "/tmp/postern-oauth.XXXXXX";

/* roundtrip - t formatted and parsed back is t */
static void roundtrip(void)
{
	static const char *const hostile[] = {
		"plain", "with space", "new\nline", "cr\rlf", "quote'\"", "eq=ual", "back\\slash", "tab\t",
		"\x01\x7f", "\xe9 latin-1", "\xc3\xa9t\xc3\xa9", "refresh_token evil", "'", "",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const char *v = hostile[i];
		struct pn_token t = {{NULL, 0}, {NULL, 0}, 1700000000, NULL, NULL, NULL};
		if (*v) {
			pn_secret_copy(&t.refresh, v, strlen(v));
			pn_secret_copy(&t.access, v, strlen(v));
		}
		t.client_id = strdup(v);
		t.scope = strdup(v);
		t.token_url = strdup("https://h/t");
		struct pn_buf b;
		pn_buf_init_secret(&b, 65536);
		tap_ok(pn_token_format(&t, &b), "format #%zu", i);
		size_t lines = 0;
		for (size_t k = 0; k < b.len; k++)
			lines += b.data[k] == '\n';
		tap_is_int((long)lines, *v ? 6 : 4, "one line per value, whatever the value holds");
		struct pn_token u;
		memset(&u, 0, sizeof(u));
		char why[200] = "";
		tap_ok(pn_token_parse(b.data, b.len, &u, why, sizeof(why)), "parse #%zu %s", i, why);
		tap_is_str(u.client_id, v, "client_id read back");
		tap_is_str(u.scope, v, "scope read back");
		tap_is_str(u.refresh.p, *v ? v : NULL, "refresh_token read back");
		tap_is_str(u.access.p, *v ? v : NULL, "access_token read back");
		tap_is_int((long)u.expires, 1700000000, "expires read back");
		pn_token_free(&u);
		pn_token_free(&t);
		pn_buf_free(&b);
	}
}

/* refused - texts the parser must refuse */
static void refused(void)
{
	static const char *const texts[] = {
		"unknown x\n", "client_id a\nclient_id b\n", "client_id a", "expires 12x\n", "expires -1\n",
		"expires\n", "client_id 'a\n", "client_id a b\n", "access_token ''\n", "client_id 'x\\x00'\n",
		"client_id\ta\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct pn_token u;
		memset(&u, 0, sizeof(u));
		char why[200] = "";
		tap_ok(!pn_token_parse(texts[i], strlen(texts[i]), &u, why, sizeof(why)) && why[0], "refused #%zu: %s", i,
		       why);
		pn_token_free(&u);
	}
}

/* system_store - a system account's store (mode 0660) may give its group
 * access only where that group is postern's, as the system file may */
static void system_store(const char *path)
{
	struct pn_store s;
	struct pn_error err;
	struct pn_token t;
	memset(&t, 0, sizeof(t));
	pn_error_init(&err);
	tap_ok(pn_store_open(&s, path, "acct", "/nonexistent", true, 5, &err), "a system store opens (%s)", err.msg);
	pn_secret_copy(&t.refresh, "R2", 2);
	tap_ok(pn_store_write(&s, &t, &err), "a system store is written (%s)", err.msg);
	pn_token_free(&t);
	struct group *g = getgrnam(POSTERN_GROUP);
	struct stat st;
	bool other = g && stat(path, &st) == 0 && st.st_gid != g->gr_gid;
	tap_ok(!other || (st.st_mode & 0777) == 0600, "written 0600 where its group is not postern's");
	pn_error_init(&err);
	if (other && chmod(path, 0660) == 0)
		tap_ok(!pn_store_read(&s, NULL, &t, &err) && err.code == EX_CONFIG && strstr(err.msg, "its group"),
		       "0660 with a group that is not postern's is refused: %s", err.msg);
	else
		tap_ok(true, "# SKIP no group " POSTERN_GROUP ", or the store has it already");
	pn_token_free(&t);
	pn_error_init(&err);
	if (g && chown(path, (uid_t)-1, g->gr_gid) == 0 && chmod(path, 0660) == 0) {
		tap_ok(pn_store_read(&s, NULL, &t, &err) && t.refresh.p && strcmp(t.refresh.p, "R2") == 0,
		       "0660 with postern's group is read (%s)", err.msg);
		chown(path, (uid_t)-1, getegid());
	} else {
		tap_ok(true, "# SKIP cannot give the store the group " POSTERN_GROUP);
	}
	pn_token_free(&t);
	pn_store_close(&s);
}

/* store - a file store: missing, written, read back, modes refused */
static void store(void)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/sub/acct", dir);
	struct pn_store s;
	struct pn_error err;
	pn_error_init(&err);
	struct pn_token t;
	memset(&t, 0, sizeof(t));
	/* the directory does not exist: a given path's directory is not made */
	pn_error_init(&err);
	tap_ok(!pn_store_open(&s, path, "acct", dir, false, 5, &err), "the lock cannot be made without the directory");
	pn_store_close(&s);
	snprintf(path, sizeof(path), "%s/acct", dir);
	pn_error_init(&err);
	tap_ok(pn_store_open(&s, path, "acct", dir, false, 5, &err), "the store opens");
	tap_ok(pn_store_read(&s, "id", &t, &err) && !t.access.p && !t.refresh.p, "nothing stored yet");
	pn_secret_copy(&t.refresh, "R1", 2);
	pn_secret_copy(&t.access, "A1", 2);
	t.expires = 42;
	t.client_id = strdup("id");
	tap_ok(pn_store_write(&s, &t, &err), "written (%s)", err.msg);
	pn_token_free(&t);
	struct stat st;
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the store is 0600");
	tap_ok(pn_store_read(&s, "id", &t, &err) && t.refresh.p && strcmp(t.refresh.p, "R1") == 0 && t.expires == 42,
	       "read back");
	pn_token_free(&t);
	chmod(path, 0640);
	pn_error_init(&err);
	tap_ok(!pn_store_read(&s, "id", &t, &err) && err.code == EX_CONFIG && strstr(err.msg, "its group may access it"),
	       "a store its group may read is refused: %s", err.msg);
	chmod(path, 0604);
	pn_error_init(&err);
	tap_ok(!pn_store_read(&s, "id", &t, &err) && strstr(err.msg, "others may access it"),
	       "a store others may read is refused: %s", err.msg);
	chmod(path, 0600);
	pn_store_close(&s);
	system_store(path);
	char lock[320];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
	unlink(path);
}

/* presets - the providers' endpoints and scopes */
static void presets(void)
{
	struct pn_account a;
	memset(&a, 0, sizeof(a));
	a.name = "m";
	a.oauth2_client_id = "cid";
	a.oauth2_provider = PN_OAUTH2_MICROSOFT;
	struct pn_oauth_ends e;
	struct pn_error err;
	pn_error_init(&err);
	tap_ok(pn_oauth_ends(&a, &e, &err), "microsoft");
	tap_is_str(e.token_url, "https://login.microsoftonline.com/organizations/oauth2/v2.0/token", "ms token url");
	tap_is_str(e.device_url, "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode", "ms device");
	tap_is_str(e.scope, "https://outlook.office.com/SMTP.Send offline_access", "ms delegated scope");
	pn_oauth_ends_free(&e);
	a.oauth2_grant = PN_GRANT_CLIENT_CREDENTIALS;
	a.oauth2_tenant = "contoso.onmicrosoft.com";
	tap_ok(pn_oauth_ends(&a, &e, &err), "microsoft app-only");
	tap_is_str(e.token_url, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", "tenant");
	tap_is_str(e.scope, "https://outlook.office365.com/.default", "ms app-only scope");
	pn_oauth_ends_free(&e);
	a.oauth2_provider = PN_OAUTH2_GOOGLE;
	a.oauth2_grant = PN_GRANT_REFRESH_TOKEN;
	tap_ok(pn_oauth_ends(&a, &e, &err), "google");
	tap_is_str(e.token_url, "https://oauth2.googleapis.com/token", "google token url");
	tap_ok(e.device_url == NULL, "google: no device flow");
	tap_is_str(e.scope, "https://mail.google.com/", "google scope");
	pn_oauth_ends_free(&e);
	a.oauth2_provider = PN_OAUTH2_GENERIC;
	tap_ok(!pn_oauth_ends(&a, &e, &err) && err.code == EX_CONFIG, "generic without a token URL: %s", err.msg);
	a.oauth2_token_url = "http://127.0.0.1/token";
	pn_error_init(&err);
	tap_ok(!pn_oauth_ends(&a, &e, &err) && strstr(err.msg, "https://"), "an http:// URL is refused: %s", err.msg);
	a.oauth2_provider = PN_OAUTH2_GOOGLE;
	a.oauth2_token_url = NULL;
	a.oauth2_grant = PN_GRANT_CLIENT_CREDENTIALS;
	pn_error_init(&err);
	tap_ok(!pn_oauth_check(&a, &err) && strstr(err.msg, "no client credentials"), "google + client_credentials: %s",
	       err.msg);
	a.oauth2_provider = PN_OAUTH2_MICROSOFT;
	a.oauth2_tenant = NULL;
	pn_error_init(&err);
	tap_ok(!pn_oauth_check(&a, &err) && strstr(err.msg, "oauth2_tenant"), "app-only without tenant: %s", err.msg);
	a.oauth2_client_id = NULL;
	pn_error_init(&err);
	tap_ok(!pn_oauth_check(&a, &err) && strstr(err.msg, "oauth2_client_id"), "no client id: %s", err.msg);
	tap_ok(pn_account_oauth(&a), "a provider means OAuth");
	a.oauth2_provider = PN_OAUTH2_NONE;
	tap_ok(!pn_account_oauth(&a), "no provider, no client id: no OAuth");
}

/* expiry - the cache margin */
static void expiry(void)
{
	tap_ok(pn_oauth_fresh(1000 + PN_OAUTH_MARGIN + 1, 1000), "a token with more than the margin left is used");
	tap_ok(!pn_oauth_fresh(1000 + PN_OAUTH_MARGIN, 1000), "a token within the margin is not");
	tap_ok(!pn_oauth_fresh(500, 1000), "an expired token is not");
	tap_ok(!pn_oauth_fresh(0, 1000), "a token of unknown expiry is not");
}

/* form - application/x-www-form-urlencoded */
static void form(void)
{
	struct pn_buf b;
	pn_buf_init(&b, 1000);
	tap_ok(pn_form_add(&b, "grant_type", "refresh_token") && pn_form_add(&b, "scope", "a b/c&d=e+f~\xc3\xa9"),
	       "form");
	tap_is_str(b.data, "grant_type=refresh_token&scope=a+b%2Fc%26d%3De%2Bf~%C3%A9", "encoded");
	pn_buf_free(&b);
	pn_buf_init(&b, 10);
	tap_ok(!pn_form_add(&b, "0123456789", "x"), "the cap is an error");
	pn_buf_free(&b);
}

/* fail_msg - pn_oauth_fail's message for a reply body */
static void fail_msg(const char *body, long status, int code, const char *want)
{
	struct pn_account a;
	memset(&a, 0, sizeof(a));
	a.name = "work";
	struct pn_oauth_reply r;
	memset(&r, 0, sizeof(r));
	r.status = status;
	pn_buf_init(&r.body, 65536);
	tap_ok(pn_buf_addstr(&r.body, body), "body");
	const char *why;
	tap_ok(pn_json_parse(&r.json, r.body.data, r.body.len, &why), "reply parses");
	struct pn_buf e;
	pn_buf_init(&e, 63);
	if (pn_json_string(&r.json, "error", &e))
		snprintf(r.error, sizeof(r.error), "%s", e.data);
	pn_buf_free(&e);
	struct pn_error err;
	pn_error_init(&err);
	pn_oauth_fail(&a, &r, &err);
	tap_is_int(err.code, code, "exit code");
	tap_ok(strstr(err.msg, want) != NULL, "message has '%s': %s", want, err.msg);
	tap_ok(!strchr(err.msg, '\n') && !strchr(err.msg, '\r'), "one line");
	pn_buf_free(&r.body);
}

/* errors - the providers' error replies */
static void errors(void)
{
	fail_msg("{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS700082: The refresh token has expired due "
		 "to inactivity.\\r\\nTrace ID: x\",\"error_codes\":[700082]}", 400, EX_NOPERM,
		 "not used for 90 days (AADSTS700082); run: postern --oauth2-login -a work");
	fail_msg("{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70043: The refresh token has expired or is "
		 "invalid due to sign-in frequency checks\"}", 400, EX_NOPERM, "sign-in frequency");
	fail_msg("{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided."
		 "\",\"error_codes\":[7000215]}", 401, EX_NOPERM, "client secret was refused (AADSTS7000215");
	fail_msg("{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS65001: The user or administrator has not "
		 "consented\",\"error_codes\":[65001]}", 400, EX_NOPERM, "administrator of the tenant must grant admin");
	fail_msg("{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}", 400,
		 EX_NOPERM, "revoked or has expired; run: postern --oauth2-login -a work");
	fail_msg("{\"error\":\"invalid_scope\",\"error_description\":\"evil\\n\\u001b[31mline\"}", 400, EX_NOPERM,
		 "invalid_scope: evil");
	fail_msg("{\"error\":\"x\\u001b]0;t\\u0007\",\"error_description\":\"d\"}", 400, EX_NOPERM, "'x\\x1b]0;t\\x07'");
}

/* cached - pn_oauth_token with a store written here: a fresh token is
 * used with no request (libcurl never loaded); a stale one with a token
 * endpoint that refuses connections is temporary (75) */
static void cached(void)
{
	char path[300], lock[320];
	snprintf(path, sizeof(path), "%s/cached", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	struct pn_account a;
	memset(&a, 0, sizeof(a));
	a.name = "c";
	a.oauth2_client_id = "cid";
	a.oauth2_client_secret = "cs";
	a.oauth2_grant = PN_GRANT_CLIENT_CREDENTIALS;
	a.oauth2_token_url = "https://127.0.0.1:1/token";
	a.oauth2_token_store = path;
	a.timeout = 5;
	FILE *f = fopen(path, "w");
	fprintf(f, "client_id cid\ntoken_url https://127.0.0.1:1/token\naccess_token 'tok en'\nexpires 2000000\n");
	fclose(f);
	chmod(path, 0600);
	struct pn_oauth_ctx ctx = {dir, false, 2000000 - PN_OAUTH_MARGIN - 1};
	struct pn_secret out = {NULL, 0};
	struct pn_error err;
	pn_error_init(&err);
	tap_ok(pn_oauth_token(&a, &ctx, &out, &err) && out.p && strcmp(out.p, "tok en") == 0, "the cached token (%s)",
	       err.msg);
	tap_ok(!pn_http_loaded(), "no request: libcurl was not loaded");
	pn_secret_wipe(&out);
	ctx.now = 2000000 - PN_OAUTH_MARGIN;
	pn_error_init(&err);
	tap_ok(!pn_oauth_token(&a, &ctx, &out, &err) && err.code == EX_TEMPFAIL, "within the margin: fetched; a refused "
	       "connection is temporary: %s", err.msg);
	tap_ok(!out.p, "no token handed out");
	a.oauth2_client_id = "other";
	ctx.now = 0;
	pn_error_init(&err);
	tap_ok(!pn_oauth_token(&a, &ctx, &out, &err) && err.code == EX_TEMPFAIL, "another client id: not the cached token");
	unlink(path);
	unlink(lock);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	roundtrip();
	refused();
	store();
	presets();
	expiry();
	form();
	errors();
	cached();
	rmdir(dir);
	return tap_done();
}
