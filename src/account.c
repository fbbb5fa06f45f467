/* account.c - account choice and delivery settings (see account.h). */
#include "account.h"

#include "buf.h"
#include "oauth.h"

#include <fnmatch.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

/* fqdn - the host name, canonical when the resolver knows it */
static char *fqdn(void)
{
	char name[256];
	if (gethostname(name, sizeof(name)) < 0 || !name[0])
		return pn_xstrdup("localhost");
	name[sizeof(name) - 1] = '\0';
	if (strchr(name, '.'))
		return pn_xstrdup(name);
	struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM}, *res = NULL;
	char *out = NULL;
	if (getaddrinfo(name, NULL, &hints, &res) == 0 && res && res->ai_canonname &&
	    strchr(res->ai_canonname, '.'))
		out = pn_xstrdup(res->ai_canonname);
	if (res)
		freeaddrinfo(res);
	return out ? out : pn_xstrdup(name);
}

bool pn_identity_get(struct pn_identity *id, struct pn_error *err)
{
	struct passwd *pw = getpwuid(getuid());
	if (!pw) {
		pn_error_set(err, EX_OSERR, _("cannot find the user name of uid %ld"), (long)getuid());
		return false;
	}
	id->login = pn_xstrdup(pw->pw_name);
	id->home = pn_xstrdup(pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : "/");
	id->hostname = NULL; /* these three are looked up only when needed */
	id->shortname = NULL;
	id->mailname = NULL;
	return true;
}

void pn_identity_free(struct pn_identity *id)
{
	free(id->login);
	free(id->home);
	free(id->hostname);
	free(id->shortname);
	free(id->mailname);
}

/* hostname - lazily, since it may take a resolver round trip */
static const char *hostname(const struct pn_identity *id)
{
	struct pn_identity *mut = (struct pn_identity *)id;
	if (!mut->hostname)
		mut->hostname = fqdn();
	return mut->hostname;
}

/* from_matches - the account's from (a pattern) matches the sender */
static bool from_matches(const char *pattern, const char *from)
{
	if (fnmatch(pattern, from, FNM_CASEFOLD) == 0)
		return true;
	const char *plus = strchr(from, '+'), *at = strrchr(from, '@');
	if (!plus || !at || plus > at)
		return false;
	char *base = pn_xasprintf("%.*s%s", (int)(plus - from), from, at);
	bool m = fnmatch(pattern, base, FNM_CASEFOLD) == 0;
	free(base);
	return m;
}

/* witness_char - the character the bracket expression at p takes: its
 * first member, or for a negated set a control character that no address
 * pattern lists */
static char witness_char(const char *p)
{
	return p[1] == '!' || p[1] == '^' ? '\x01' : p[1];
}

/* witness - an address later matches: each '*' becomes star, each '?'
 * and each bracket expression one character it takes */
static char *witness(const char *later, const char *star)
{
	struct pn_buf b;
	pn_buf_init(&b, 4 * strlen(later) + 64);
	bool ok = true;
	for (const char *p = later; ok && *p; p++) {
		const char *close = *p == '[' && p[1] ? strchr(p + 2, ']') : NULL;
		char c = *p == '?' ? 'q' : *p;
		bool any = *p == '*';
		if (close) {
			c = witness_char(p);
			p = close;
		} else if (*p == '\\' && p[1]) {
			c = *++p;
		}
		ok = any ? pn_buf_addstr(&b, star) : pn_buf_append(&b, &c, 1);
	}
	char *out = pn_xstrdup(ok && b.data ? b.data : "");
	pn_buf_free(&b);
	return out;
}

/* pn_account_from_covers - see account.h */
bool pn_account_from_covers(const char *earlier, const char *later)
{
	static const char *const stars[] = {"", "q", "zq9.x-y"};
	bool all = true;
	for (size_t i = 0; all && i < PN_ARRAY_LEN(stars); i++) {
		char *w = witness(later, stars[i]);
		all = fnmatch(earlier, w, FNM_CASEFOLD) == 0;
		free(w);
	}
	return all;
}

/* names_login - a comma/space separated list holds the login name */
static bool names_login(const char *list, const char *login)
{
	size_t n = strlen(login);
	for (const char *p = list; *p;) {
		p += strspn(p, ", \t");
		size_t w = strcspn(p, ", \t");
		if (w == n && strncmp(p, login, n) == 0)
			return true;
		p += w;
	}
	return false;
}

struct pn_account *pn_account_choose(const struct pn_config *cfg, const char *name, const char *from,
				     const char *login, struct pn_error *err)
{
	if (name) {
		struct pn_account *a = pn_config_find(cfg, name);
		if (!a)
			pn_error_set(err, EX_CONFIG, _("no account named '%s' in the configuration"), name);
		return a;
	}
	for (size_t i = 0; from && i < cfg->n; i++)
		if (cfg->acc[i]->from && from_matches(cfg->acc[i]->from, from))
			return cfg->acc[i];
	for (size_t i = 0; login && i < cfg->n; i++)
		if (cfg->acc[i]->default_for && names_login(cfg->acc[i]->default_for, login))
			return cfg->acc[i];
	struct pn_account *a = pn_config_find(cfg, "default");
	if (!a)
		pn_error_set(err, EX_CONFIG, _("no account chosen: use -a NAME, or define 'account default'"));
	return a;
}

/* pn_account_clear_auth - see account.h */
bool pn_account_clear_auth(const struct pn_account *a)
{
	return pn_account_local(a) || a->insecure_auth_without_tls;
}

/* pn_account_insecure - see account.h */
bool pn_account_insecure(const struct pn_account *a)
{
	return pn_account_auth(a) != PN_AUTH_OFF && !pn_account_tls(a) && !pn_account_local(a);
}

/* check_mech - what a named mechanism needs: EXTERNAL a client
 * certificate and TLS, a -PLUS method TLS (its channel binding) */
static bool check_mech(const struct pn_account *a, int auth, struct pn_error *err)
{
	char where[PN_WHERE_MAX];
	bool plus = auth == PN_AUTH_SCRAM_SHA_1_PLUS || auth == PN_AUTH_SCRAM_SHA_256_PLUS;
	if ((auth == PN_AUTH_EXTERNAL || plus) && !pn_account_tls(a)) {
		const char *name = !plus ? "external" : auth == PN_AUTH_SCRAM_SHA_1_PLUS ? "scram-sha-1-plus" : "scram-sha-256-plus";
		pn_error_set(err, EX_CONFIG, _("%s: account %s: auth %s needs TLS"), pn_account_where(a, where, sizeof(where)),
			     a->name, name);
		return false;
	}
	if (auth == PN_AUTH_EXTERNAL && !a->tls_cert_file) {
		pn_error_set(err, EX_CONFIG, _("%s: account %s: auth external needs a client certificate (tls_cert_file "
					       "and tls_key_file)"),
			     pn_account_where(a, where, sizeof(where)), a->name);
		return false;
	}
	return true;
}

bool pn_account_check(const struct pn_account *a, struct pn_error *err)
{
	char where[PN_WHERE_MAX];
	if (a->refused_option) {
		pn_error_set(err, EX_NOPERM,
			     _("account %s comes from the system file: option --%s could send its password elsewhere "
			       "and is not taken for it (use an account of your own, or ask the administrator)"),
			     a->name, a->refused_option);
		return false;
	}
	if (!a->host && !a->socket) {
		pn_error_set(err, EX_CONFIG, _("%s: account %s has no host"), pn_account_where(a, where, sizeof(where)), a->name);
		return false;
	}
	if (a->protocol == PN_PROTO_LMTP && !a->port && !a->socket) {
		pn_error_set(err, EX_CONFIG, _("%s: account %s uses protocol lmtp, which has no default port: set port (or socket)"),
			     pn_account_where(a, where, sizeof(where)), a->name);
		return false;
	}
	if (pn_account_auth(a) != PN_AUTH_OFF && !pn_account_tls(a) && !pn_account_clear_auth(a)) {
		pn_error_set(err, EX_CONFIG,
			     _("%s: account %s has auth on but tls off; postern never sends credentials without TLS "
			       "to a host that is not local (for a lab server without TLS: insecure_auth_without_tls on)"),
			     pn_account_where(a, where, sizeof(where)), a->name);
		return false;
	}
	if (!a->tls_cert_file != !a->tls_key_file) {
		pn_error_set(err, EX_CONFIG, _("%s: account %s: %s requires %s (a client certificate needs both)"),
			     pn_account_where(a, where, sizeof(where)), a->name, a->tls_cert_file ? "tls_cert_file" : "tls_key_file",
			     a->tls_cert_file ? "tls_key_file" : "tls_cert_file");
		return false;
	}
	int auth = pn_account_auth(a);
	/* a client certificate is identity enough for EXTERNAL */
	bool cert_only = auth == PN_AUTH_EXTERNAL ||
			 (auth == PN_AUTH_ON && a->tls_cert_file && pn_account_tls(a) && !pn_account_oauth(a));
	if (auth != PN_AUTH_OFF && !a->user && !cert_only) {
		pn_error_set(err, EX_CONFIG, _("%s: account %s has auth on but no user"), pn_account_where(a, where, sizeof(where)), a->name);
		return false;
	}
	if (pn_account_oauth(a) && !pn_oauth_check(a, err))
		return false;
	return check_mech(a, auth, err);
}

/* shortname - gethostname() */
static const char *shortname(const struct pn_identity *id)
{
	struct pn_identity *mut = (struct pn_identity *)id;
	if (!mut->shortname) {
		char name[256] = "localhost";
		if (gethostname(name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "localhost");
		name[sizeof(name) - 1] = '\0';
		mut->shortname = pn_xstrdup(name);
	}
	return mut->shortname;
}

/* mailname - the first line of /etc/mailname, "" without one */
static const char *mailname(const struct pn_identity *id)
{
	struct pn_identity *mut = (struct pn_identity *)id;
	if (!mut->mailname) {
		char line[256] = "";
		FILE *f = fopen("/etc/mailname", "re");
		if (f && !fgets(line, sizeof(line), f))
			line[0] = '\0';
		if (f)
			fclose(f);
		line[strcspn(line, " \t\r\n")] = '\0';
		mut->mailname = pn_xstrdup(line);
	}
	return mut->mailname;
}

const char *pn_account_maildomain(const struct pn_account *a, const struct pn_identity *id)
{
	if (a->maildomain)
		return a->maildomain;
	return *mailname(id) ? mailname(id) : hostname(id);
}

/* substitute - msmtp's patterns in a from value (%U %H %C %M, and %F: the
 * address of the message's From header, left as it is while unknown) or
 * in a domain value (for_from false: %H %C %M only, as msmtp) */
static char *substitute(const char *from, const struct pn_identity *id, bool for_from, const char *header_from)
{
	struct pn_buf b;
	pn_buf_init(&b, 4096);
	bool ok = true;
	for (const char *p = from; ok && *p; p++) {
		const char *v = NULL;
		if (*p == '%' && p[1]) {
			switch (p[1]) {
			case 'U': v = for_from ? id->login : NULL; break;
			case 'F': v = for_from ? header_from : NULL; break;
			case 'H': v = shortname(id); break;
			case 'C': v = hostname(id); break;
			case 'M': v = *mailname(id) ? mailname(id) : hostname(id); break;
			case '%': v = "%"; break;
			}
		}
		if (v)
			p++;
		ok = v ? pn_buf_addstr(&b, v) : pn_buf_append(&b, p, 1);
	}
	char *out = pn_xstrdup(ok && b.data ? b.data : from);
	pn_buf_free(&b);
	return out;
}

/* pn_account_expand_domains - see account.h */
void pn_account_expand_domains(struct pn_config *cfg, const struct pn_identity *id)
{
	for (size_t i = 0; i < cfg->n; i++) {
		struct pn_account *a = cfg->acc[i];
		if (!a->domain || !strchr(a->domain, '%'))
			continue;
		char *d = substitute(a->domain, id, false, NULL);
		free(a->domain);
		a->domain = d;
	}
}

/* is_local - no domain, or a domain without a dot (root@vm) */
static bool is_local(const char *addr)
{
	const char *d = pn_address_domain(addr);
	return !d || !strchr(d, '.');
}

/* account_from - the account's own sender */
static char *account_from(const struct pn_account *a, const struct pn_identity *id, const char *header_from)
{
	if (a->auto_from)
		return a->maildomain && *a->maildomain ? pn_xasprintf("%s@%s", id->login, a->maildomain)
							 : pn_xstrdup(id->login);
	if (a->from && !strpbrk(a->from, "*?["))
		return substitute(a->from, id, true, header_from);
	return pn_xasprintf("%s@%s", id->login, hostname(id));
}

char *pn_account_from(const struct pn_account *a, const char *cli_from, const struct pn_identity *id)
{
	return pn_account_sender(a, cli_from, id, NULL);
}

/* pn_account_sender - see account.h */
char *pn_account_sender(const struct pn_account *a, const char *cli_from, const struct pn_identity *id,
			const char *header_from)
{
	if (!cli_from || !a->allow_from_override)
		return account_from(a, id, header_from);
	if (strcmp(cli_from, "<>") == 0 || !*cli_from)
		return pn_xstrdup(""); /* the null sender of bounces (RFC 5321 4.5.5) */
	if (!is_local(cli_from) || a->local_senders == PN_LOCAL_KEEP)
		return pn_xstrdup(cli_from);
	if (a->local_senders == PN_LOCAL_REPLACE)
		return account_from(a, id, header_from);
	const char *at = strrchr(cli_from, '@');
	int local = at ? (int)(at - cli_from) : (int)strlen(cli_from);
	return pn_xasprintf("%.*s@%s", local, cli_from, pn_account_maildomain(a, id));
}

void pn_account_qualify(const struct pn_account *a, struct pn_addrlist *rcpt)
{
	for (size_t i = 0; i < rcpt->n; i++) {
		if (strchr(rcpt->addr[i], '@') || !a->maildomain)
			continue; /* without maildomain it goes as written (as in msmtp) */
		char *q = pn_xasprintf("%s@%s", rcpt->addr[i], a->maildomain);
		free(rcpt->addr[i]);
		rcpt->addr[i] = q;
	}
}

/* dotted - a domain name with a dot, not an address literal */
static bool dotted(const char *d)
{
	return d && strchr(d, '.') && d[0] != '[' && !strchr(d, ':');
}

/* pn_account_msgid_domain - see account.h */
const char *pn_account_msgid_domain(const struct pn_account *a, const char *from)
{
	const char *d = from ? pn_address_domain(from) : NULL;
	if (dotted(a->domain))
		return a->domain;
	if (dotted(d))
		return d;
	return a->host && !strchr(a->host, ':') ? a->host : "localhost";
}

void pn_account_params(const struct pn_account *a, const struct pn_identity *id, struct pn_smtp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->host = pn_account_server(a); /* the name of the server in messages */
	p->port = pn_account_port(a);
	p->helo = a->domain ? a->domain : hostname(id);
	p->timeout = a->timeout;
	p->tls = !pn_account_tls(a) ? PN_TLS_OFF : a->tls_starttls ? PN_TLS_STARTTLS : PN_TLS_IMPLICIT;
	p->route = (struct pn_route){a->socket, a->source_ip, a->proxy_host, a->proxy_port};
	p->tlsp.hostname = a->tls_host_override ? a->tls_host_override : p->host;
	p->tlsp.trust_file = a->tls_trust_file;
	p->tlsp.session_cache = a->tls_session_cache;
	p->tlsp.port = p->port;
	p->tlsp.certcheck = a->tls_certcheck;
	p->tlsp.fingerprint = a->tls_fingerprint;
	p->tlsp.cert_file = a->tls_cert_file;
	p->tlsp.key_file = a->tls_key_file;
	p->tlsp.crl_file = a->tls_crl_file;
	p->tlsp.priorities = a->tls_priorities;
	p->auth = pn_account_auth(a);
	p->auth_in_clear = pn_account_clear_auth(a);
	p->user = a->user;
	p->oauth = pn_account_oauth(a);
	p->lmtp = a->protocol == PN_PROTO_LMTP;
	p->chunking = a->chunking;
}
