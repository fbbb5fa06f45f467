/* checkconfig.c - --check-config [--connect] (see checkconfig.h).
 *
 * The files are read as a send reads them (rcfile.c), in its check mode:
 * a problem does not stop the reading, and obsolete commands are problems
 * too.  Then, with the caller's own rights only (a set-group-ID postern
 * gives its group up once the system file is read, as a send does before
 * it opens anything else): the files that commands name (trust stores,
 * client certificate and key, revocation list), every account as
 * pn_account_check sees it, token sources, and from and default_for
 * patterns that can never choose their account.  --connect then asks each
 * account's server for its greeting, TLS and EHLO (smtp.c's on_info hook:
 * no AUTH, no MAIL) and says whether the account's auth setting fits.
 * SECURITY: no secret is read: password, passwordeval and the OAuth token
 * stores are never used; the system file's values are shown only in the
 * problems a send would report one at a time.
 */
#include "checkconfig.h"

#include "account.h"
#include "privilege.h"
#include "send.h"
#include "regfile.h"
#include "trust.h"

#include <errno.h>
#include <stddef.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

/* a file that a command names, checked once the group is given up */
struct named_file {
	char *where; /* FILE:LINE of the command */
	const char *cmd;
	char *path;
};

struct check {
	unsigned problems;
	struct named_file *files;
	size_t nfiles;
};

/* problem - one line of the report, counted */
PN_PRINTF(2, 3) static void problem(struct check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->problems++;
}

/* report - rcfile.c's hook: a problem of the files, FILE:LINE included */
static void report(void *ctx, const char *msg)
{
	problem(ctx, "%s", msg);
}

/* named_path - the file that command cmd set on a, and in *name the
 * command's name (kept after the line is gone); NULL: not a file
 * command, or "system" */
static const char *named_path(const struct pn_account *a, const char *cmd, const char **name)
{
	static const struct { char cmd[20]; size_t off; } files[] = {
		{"tls_trust_file", offsetof(struct pn_account, tls_trust_file)},
		{"oauth2_trust_file", offsetof(struct pn_account, oauth2_trust_file)},
		{"tls_cert_file", offsetof(struct pn_account, tls_cert_file)},
		{"tls_key_file", offsetof(struct pn_account, tls_key_file)},
		{"tls_crl_file", offsetof(struct pn_account, tls_crl_file)},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(files); i++)
		if (strcmp(cmd, files[i].cmd) == 0) {
			*name = files[i].cmd;
			return *(char *const *)((const char *)a + files[i].off);
		}
	return NULL;
}

/* on_set - rcfile.c's hook: note the files commands name, with the line */
static void on_set(void *ctx, const struct pn_rcpos *pos, const struct pn_account *a, const char *cmd)
{
	struct check *c = ctx;
	const char *name = NULL;
	const char *path = named_path(a, cmd, &name);
	if (!path)
		return;
	c->files = pn_xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
	struct named_file *f = &c->files[c->nfiles++];
	f->where = pn_xasprintf("%s:%d", pos->path, pos->line);
	f->cmd = name;
	f->path = pn_xstrdup(path);
}

/* holds - a line of the file contains marker (a PEM boundary) */
static bool holds(const char *path, const char *marker)
{
	bool odd, found = false;
	FILE *f = pn_fopen_regular(path, &odd);
	char line[512];
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, marker) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* check_named - one file a command names: it exists, holds what the
 * command needs, and a private key is the owner's alone */
static void check_named(struct check *c, const struct named_file *f)
{
	struct stat st;
	bool key = strcmp(f->cmd, "tls_key_file") == 0, crl = strcmp(f->cmd, "tls_crl_file") == 0;
	if (stat(f->path, &st) < 0) {
		problem(c, _("%s: %s: %s: %s"), f->where, f->cmd, f->path, PN_FOREIGN(strerror(errno)));
		return;
	}
	if (key || crl) {
		if (!holds(f->path, key ? "PRIVATE KEY-----" : "BEGIN X509 CRL"))
			problem(c, key ? _("%s: %s: %s holds no private key (PEM)") : _("%s: %s: %s holds no revocation list (PEM)"),
				f->where, f->cmd, f->path);
		else if (key && (st.st_mode & (S_IRWXG | S_IRWXO)))
			problem(c, _("%s: %s: other users can read the private key %s; fix it with: chmod 600 %s"), f->where,
				f->cmd, f->path, f->path);
		return;
	}
	struct pn_error e;
	pn_error_init(&e);
	struct pn_trust *t = pn_trust_read(f->path, &e);
	if (!t && pn_error_isset(&e))
		problem(c, "%s: %s: %s", f->where, f->cmd, e.msg);
	pn_trust_free(t);
}

/* check_token - XOAUTH2 and OAUTHBEARER send a token: the file must say
 * where it comes from; a token kept in the keyring or ~/.netrc expires
 * within the hour */
static void check_token(struct check *c, const struct pn_account *a)
{
	int auth = pn_account_auth(a);
	char where[PN_WHERE_MAX];
	if ((auth != PN_AUTH_XOAUTH2 && auth != PN_AUTH_OAUTHBEARER) || pn_account_oauth(a) || a->password ||
	    a->passwordeval)
		return;
	problem(c, _("%s: account %s: auth %s has no token source: set oauth2_provider (or oauth2_client_id), or "
		     "passwordeval with a command that prints a fresh token"),
		pn_account_where(a, where, sizeof(where)), a->name, auth == PN_AUTH_XOAUTH2 ? "xoauth2" : "oauthbearer");
}

/* wild - a from value is a pattern (it has a wildcard) */
static bool wild(const char *from)
{
	return strpbrk(from, "*?[") != NULL;
}

/* check_from - a from pattern that can never choose its account: an
 * earlier account's pattern takes every sender it would (two accounts
 * with the same plain address are not reported: inheriting one from
 * "defaults" is usual, and -a chooses among them) */
static void check_from(struct check *c, const struct pn_config *cfg, size_t i)
{
	const struct pn_account *a = cfg->acc[i];
	char where[PN_WHERE_MAX], where2[PN_WHERE_MAX];
	if (!a->from)
		return;
	/* "*" and "?" may stand for the '@' (*example.com matches
	 * a@example.com): only a pattern without them, and without '@', can
	 * match no address at all */
	if (wild(a->from) && !strchr(a->from, '@') && !strpbrk(a->from, "*?")) {
		problem(c, _("%s: account %s: the from pattern '%s' has no '@': it matches no address with a domain"),
			pn_account_where(a, where, sizeof(where)), a->name, a->from);
		return;
	}
	for (size_t j = 0; j < i; j++) {
		const struct pn_account *b = cfg->acc[j];
		if (!b->from || !(wild(a->from) || wild(b->from)) || !pn_account_from_covers(b->from, a->from))
			continue;
		problem(c, _("%s: account %s: its from '%s' never chooses it: account %s (%s) comes first and its from "
			     "'%s' matches every such sender"),
			pn_account_where(a, where, sizeof(where)), a->name, a->from, b->name,
			pn_account_where(b, where2, sizeof(where2)), b->from);
		return;
	}
}

/* next_login - the next word of a default_for list at *p (n bytes), or
 * NULL at its end */
static const char *next_login(const char **p, size_t *n)
{
	*p += strspn(*p, ", \t");
	if (!**p)
		return NULL;
	const char *w = *p;
	*n = strcspn(w, ", \t");
	*p += *n;
	return w;
}

/* lists - the default_for list names the login (n bytes) */
static bool lists(const char *list, const char *login, size_t n)
{
	size_t m;
	for (const char *p = list, *w; (w = next_login(&p, &m));)
		if (m == n && strncmp(w, login, n) == 0)
			return true;
	return false;
}

/* check_default_for - each login of default_for is a user of this
 * machine, and no earlier account is already that user's default */
static void check_default_for(struct check *c, const struct pn_config *cfg, size_t i)
{
	const struct pn_account *a = cfg->acc[i];
	char where[PN_WHERE_MAX];
	size_t n;
	for (const char *p = a->default_for ? a->default_for : "", *w; (w = next_login(&p, &n));) {
		char *login = pn_xasprintf("%.*s", (int)n, w);
		size_t j = 0;
		while (j < i && !(cfg->acc[j]->default_for && lists(cfg->acc[j]->default_for, w, n)))
			j++;
		if (!getpwnam(login))
			problem(c, _("%s: account %s: default_for names %s, who is no user of this machine"),
				pn_account_where(a, where, sizeof(where)), a->name, login);
		else if (j < i)
			problem(c, _("%s: account %s: default_for %s never chooses it: account %s comes first and is that "
				     "user's default"),
				pn_account_where(a, where, sizeof(where)), a->name, login, cfg->acc[j]->name);
		free(login);
	}
}

/* check_account - what a send with this account would refuse, and the
 * patterns that choose it; true when a send could use it */
static bool check_account(struct check *c, const struct pn_config *cfg, size_t i)
{
	struct pn_error e;
	pn_error_init(&e);
	bool usable = pn_account_check(cfg->acc[i], &e);
	if (!usable)
		problem(c, "%s", e.msg);
	check_token(c, cfg->acc[i]);
	check_from(c, cfg, i);
	check_default_for(c, cfg, i);
	return usable;
}

/* what the --connect printer needs besides the server's words */
struct conn_ctx {
	struct check *c;
	const struct pn_account *a;
	const struct pn_smtp_params *p;
};

/* print_tls - the session's version, the certificate and its expiry */
static void print_tls(struct conn_ctx *x, struct pn_tls *tls)
{
	struct pn_tls_peer peer;
	char where[PN_WHERE_MAX], date[64] = "?";
	pn_tls_peer(tls, &peer);
	time_t exp = (time_t)peer.expires, now = time(NULL);
	struct tm tm;
	if (peer.expires >= 0 && gmtime_r(&exp, &tm))
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf(_("  TLS: %s\n"), peer.version);
	printf(_("  certificate: %s\n"), peer.subject);
	if (peer.expires >= 0 && exp < now)
		problem(x->c, _("%s: account %s: the server's certificate expired on %s"),
			pn_account_where(x->a, where, sizeof(where)), x->a->name, date);
	else
		printf(_("  expires: %s (in %lld days)\n"), date, peer.expires < 0 ? 0LL : (long long)(exp - now) / 86400);
}

/* auth_offered - the mechanisms of the EHLO reply's AUTH lines, joined in
 * buf as a send joins them (a server may say "AUTH PLAIN LOGIN" and
 * "AUTH=LOGIN" both) */
static const char *auth_offered(const char *ehlo, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const char *l = strchr(ehlo, '\n'); l; l = strchr(l, '\n')) {
		l++;
		size_t n = strcspn(l, "\n"), have = strlen(buf);
		if (n > 5 && strncasecmp(l, "AUTH", 4) == 0 && (l[4] == ' ' || l[4] == '='))
			snprintf(buf + have, size - have, "%s%.*s", have ? " " : "", (int)(n - 5), l + 5);
	}
	return buf;
}

/* print_fit - whether the account's auth setting takes one of the
 * mechanisms offered, as smtp_auth.c would choose */
static void print_fit(struct conn_ctx *x, const char *offered, struct pn_tls *tls)
{
	const struct pn_account *a = x->a;
	char where[PN_WHERE_MAX], allowed[300];
	int auth = pn_account_auth(a);
	bool cert = tls && a->tls_cert_file;
	bool cert_only = auth == PN_AUTH_EXTERNAL || (auth == PN_AUTH_ON && cert && !a->user && !x->p->oauth);
	struct pn_sasl_allow allow = {.password = !cert_only, .oauth = x->p->oauth, .cert = cert,
				      .user = a->user && *a->user, .binding = tls && pn_tls_cb_type(tls)};
	pn_account_where(a, where, sizeof(where));
	if (auth == PN_AUTH_OFF) {
		printf(_("  auth off: the account does not authenticate\n"));
		return;
	}
	if (!tls && !x->p->auth_in_clear) {
		problem(x->c, _("%s: account %s: no TLS, and postern never authenticates without it here"), where, a->name);
		return;
	}
	enum pn_sasl_mech mech = offered[0] ? pn_sasl_choose(offered, auth, &allow) : PN_SASL_NONE;
	pn_sasl_allowed(auth, &allow, allowed, sizeof(allowed));
	if (mech == PN_SASL_NONE)
		problem(x->c, _("%s: account %s: no authentication method fits: the server offers %s; this account allows %s"),
			where, a->name, offered[0] ? offered : _("none"), allowed);
	else if (pn_sasl_plus(mech) && !allow.binding)
		problem(x->c, _("%s: account %s: %s needs a TLS channel binding, and this session has none"), where,
			a->name, pn_sasl_name(mech));
	else
		printf(_("  fits: postern would authenticate with %s\n"), pn_sasl_name(mech));
}

/* on_info - smtp.c's hook after the last EHLO: the report; QUIT follows */
static void on_info(void *ctx, const struct pn_smtp_info *info)
{
	struct conn_ctx *x = ctx;
	char offered[512];
	if (info->tls)
		print_tls(x, info->tls);
	else
		printf(_("  TLS: none (tls off)\n"));
	auth_offered(info->ehlo, offered, sizeof(offered));
	printf(_("  AUTH offered: %s\n"), offered[0] ? offered : _("none"));
	print_fit(x, offered, info->tls);
}

/* connect_account - --connect: EHLO, STARTTLS, EHLO and QUIT with the
 * account's server; nothing else is sent */
static void connect_account(struct check *c, const struct pn_account *a, const struct pn_identity *id, int verbose)
{
	struct pn_smtp_params p;
	char where[PN_WHERE_MAX];
	pn_account_params(a, id, &p);
	struct conn_ctx x = {c, a, &p};
	p.verbose = verbose;
	p.on_info = on_info;
	p.on_info_ctx = &x;
	printf(_("account %s (%s): %s, port %d\n"), a->name, pn_account_where(a, where, sizeof(where)), p.host, p.port);
	fflush(stdout); /* before a -v transcript on stderr */
	struct pn_envelope env;
	memset(&env, 0, sizeof(env));
	struct pn_error e;
	pn_error_init(&e);
	if (!pn_smtp_deliver(&p, &env, NULL, &e))
		problem(c, _("%s: account %s: %s"), where, a->name, e.msg);
}

/* load - the files as a send reads them (the system file with the
 * postern group), every problem reported; then the group is given up */
static bool load(struct check *c, const struct pn_request *req, struct pn_config *cfg, struct pn_error *err)
{
	struct pn_config_check hooks = {report, on_set, c};
	const char *env = getenv("HOME"); /* only for "~" in the caller's own file, as for a send */
	if (env && env[0] == '/')
		cfg->tilde = env;
	cfg->check = &hooks;
	struct pn_error e;
	pn_error_init(&e);
	if (!pn_config_load_standard(cfg, req->config_file, &e))
		problem(c, "%s", e.msg);
	cfg->check = NULL;
	return pn_priv_drop(err);
}

/* pn_check_config_run - see checkconfig.h */
int pn_check_config_run(const struct pn_request *req, struct pn_error *err)
{
	struct check c = {0, NULL, 0};
	struct pn_identity id;
	if (!pn_identity_get(&id, err))
		return pn_fail(err);
	struct pn_config cfg;
	pn_config_init(&cfg, id.home);
	bool ok = load(&c, req, &cfg, err);
	for (size_t i = 0; ok && i < c.nfiles; i++)
		check_named(&c, &c.files[i]);
	pn_account_expand_domains(&cfg, &id);
	bool *usable = pn_xcalloc(cfg.n ? cfg.n : 1, sizeof(*usable));
	for (size_t i = 0; ok && i < cfg.n; i++)
		usable[i] = check_account(&c, &cfg, i);
	for (size_t i = 0; ok && req->connect && i < cfg.n; i++)
		if (usable[i])
			connect_account(&c, cfg.acc[i], &id, req->verbose);
	if (ok && c.problems)
		printf(_("problems found: %u\n"), c.problems);
	else if (ok)
		printf(_("no problems found\n"));
	for (size_t i = 0; i < c.nfiles; i++) {
		free(c.files[i].where);
		free(c.files[i].path);
	}
	free(c.files);
	free(usable);
	pn_config_free(&cfg);
	pn_identity_free(&id);
	if (!ok)
		return pn_fail(err);
	return c.problems ? EX_CONFIG : EX_OK;
}
