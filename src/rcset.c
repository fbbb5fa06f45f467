/* rcset.c - the settings of an account (see rcset.h): the table of rc
 * commands, msmtp's older names, what each argument means, and the table
 * as the command line and -P see it.  The files are rcfile.c's.
 */
#include "rcset.h"

#include "cli.h"
#include "escape.h"
#include "message.h"
#include "net.h"
#include "privilege.h"
#include "trust.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>

#define VALUE_MAX 4096 /* the longest value -P prints: a line of the file */

enum kind { K_STR, K_PATH, K_SECRET, K_TRUST, K_FPR, K_DSN, K_PORT, K_BOOL, K_AUTH, K_TIMEOUT, K_SYSLOG, K_CHOICE, K_COUNT, K_LIMIT };

/* names are arrays, not pointers: a pointer in a table is a relocation
 * that every start of postern pays for */
struct command {
	char name[26];
	enum kind kind;
	size_t off;
	const char *const *words; /* K_CHOICE: the accepted words, value = index */
};

static const char *const w_from[] = {"auto", "on", "off", NULL};
static const char *const w_auto_off[] = {"auto", "", "off", NULL}; /* "" never matches: index 1 unused */
static const char *const w_local[] = {"keep", "qualify", "replace", NULL};
static const char *const w_dot[] = {"tty", "on", "off", NULL};
static const char *const w_protocol[] = {"smtp", "lmtp", NULL};
static const char *const w_to[] = {"off", "on", "undisclosed_recipients", NULL}; /* enum pn_to */
static const char *const w_undisclosed[] = {"off", "", "on", NULL}; /* on: PN_TO_UNDISCLOSED */
static const char *const w_provider[] = {"none", "microsoft", "google", "generic", NULL}; /* enum pn_oauth2_provider */
static const char *const w_grant[] = {"refresh_token", "client_credentials", NULL}; /* enum pn_oauth2_grant */
static const char *const w_log_format[] = {"text", "json", NULL}; /* enum pn_log_format */
static const char *const w_chunking[] = {"auto", "on", "off", NULL}; /* enum pn_chunking */

#define F(field) offsetof(struct pn_account, field), NULL
static const struct command commands[] = {
	{"host", K_STR, F(host)},
	{"port", K_PORT, F(port)},
	{"from", K_STR, F(from)},
	{"domain", K_STR, F(domain)},
	{"auth", K_AUTH, F(auth)},
	{"user", K_STR, F(user)},
	{"password", K_SECRET, F(password)},
	{"passwordeval", K_STR, F(passwordeval)},
	{"tls", K_BOOL, F(tls)},
	{"tls_starttls", K_BOOL, F(tls_starttls)},
	{"tls_certcheck", K_BOOL, F(tls_certcheck)},
	{"tls_trust_file", K_TRUST, F(tls_trust_file)},
	{"tls_session_cache", K_PATH, F(tls_session_cache)},
	{"tls_fingerprint", K_FPR, F(tls_fingerprint)},
	{"tls_cert_file", K_PATH, F(tls_cert_file)},
	{"tls_key_file", K_PATH, F(tls_key_file)},
	{"tls_crl_file", K_PATH, F(tls_crl_file)},
	{"tls_priorities", K_STR, F(tls_priorities)},
	{"tls_host_override", K_STR, F(tls_host_override)},
	{"timeout", K_TIMEOUT, F(timeout)},
	{"logfile", K_PATH, F(logfile)},
	{"syslog", K_SYSLOG, F(syslog)},
	{"aliases", K_PATH, F(aliases)},
	{"set_from_header", K_CHOICE, offsetof(struct pn_account, set_from_header), w_from},
	{"set_date_header", K_CHOICE, offsetof(struct pn_account, set_date_header), w_auto_off},
	{"set_msgid_header", K_CHOICE, offsetof(struct pn_account, set_msgid_header), w_auto_off},
	{"remove_bcc_headers", K_BOOL, F(remove_bcc_headers)},
	{"undisclosed_recipients", K_CHOICE, offsetof(struct pn_account, set_to_header), w_undisclosed},
	{"allow_from_override", K_BOOL, F(allow_from_override)},
	{"auto_from", K_BOOL, F(auto_from)},
	{"maildomain", K_STR, F(maildomain)},
	{"local_senders", K_CHOICE, offsetof(struct pn_account, local_senders), w_local},
	{"dsn_notify", K_DSN, F(dsn_notify)},
	{"dsn_return", K_DSN, F(dsn_return)},
	{"logfile_time_format", K_STR, F(logfile_time_format)},
	{"default_for", K_STR, F(default_for)},
	{"dead_letter", K_PATH, F(dead_letter)},
	{"retry", K_COUNT, F(retry)},
	{"retry_delay", K_COUNT, F(retry_delay)},
	{"retry_max_time", K_COUNT, F(retry_max_time)},
	{"retry_after_data", K_BOOL, F(retry_after_data)},
	{"dot_ends_input", K_CHOICE, offsetof(struct pn_account, dot_ends_input), w_dot},
	{"bs_max_size", K_LIMIT, F(bs_max_size)},
	{"bs_max_recipients", K_LIMIT, F(bs_max_recipients)},
	{"bs_idle_timeout", K_LIMIT, F(bs_idle_timeout)},
	{"bs_session_timeout", K_LIMIT, F(bs_session_timeout)},
	{"source_ip", K_STR, F(source_ip)},
	{"proxy_host", K_STR, F(proxy_host)},
	{"proxy_port", K_PORT, F(proxy_port)},
	{"socket", K_PATH, F(socket)},
	{"insecure_auth_without_tls", K_BOOL, F(insecure_auth_without_tls)},
	{"protocol", K_CHOICE, offsetof(struct pn_account, protocol), w_protocol},
	{"from_full_name", K_STR, F(from_full_name)},
	{"set_to_header", K_CHOICE, offsetof(struct pn_account, set_to_header), w_to},
	{"oauth2_provider", K_CHOICE, offsetof(struct pn_account, oauth2_provider), w_provider},
	{"oauth2_tenant", K_STR, F(oauth2_tenant)},
	{"oauth2_client_id", K_STR, F(oauth2_client_id)},
	{"oauth2_client_secret", K_SECRET, F(oauth2_client_secret)},
	{"oauth2_client_secret_eval", K_STR, F(oauth2_client_secret_eval)},
	{"oauth2_grant", K_CHOICE, offsetof(struct pn_account, oauth2_grant), w_grant},
	{"oauth2_scope", K_STR, F(oauth2_scope)},
	{"oauth2_token_url", K_STR, F(oauth2_token_url)},
	{"oauth2_device_url", K_STR, F(oauth2_device_url)},
	{"oauth2_auth_url", K_STR, F(oauth2_auth_url)},
	{"oauth2_trust_file", K_TRUST, F(oauth2_trust_file)},
	{"oauth2_token_store", K_PATH, F(oauth2_token_store)},
	{"log_format", K_CHOICE, offsetof(struct pn_account, log_format), w_log_format},
	{"chunking", K_CHOICE, offsetof(struct pn_account, chunking), w_chunking},
};
#undef F
/* one bit of struct pn_account.set per command */
_Static_assert(PN_ARRAY_LEN(commands) <= 64 * PN_ARRAY_LEN(((struct pn_account *)0)->set),
	       "more commands than bits in pn_account.set");

/* mark - command i was given on a */
static void mark(struct pn_account *a, size_t i)
{
	a->set[i / 64] |= 1ULL << (i % 64);
}

/* next_set - the first command given on a at or after i, or the table's
 * length: a walk over the set bits only */
static size_t next_set(const struct pn_account *a, size_t i)
{
	for (size_t w = i / 64; w < PN_ARRAY_LEN(a->set); w++, i = w * 64) {
		unsigned long long bits = a->set[w] & (~0ULL << (i % 64));
		if (bits)
			return w * 64 + (size_t)__builtin_ctzll(bits);
	}
	return PN_ARRAY_LEN(commands);
}

/* how an older msmtp spelling maps onto a command of the table */
enum old_how {
	O_SAME,      /* the same argument */
	O_NOARG_OFF, /* takes no argument; the command's "off" */
	O_INVERT,    /* on/off/empty, inverted */
	O_AUTO,      /* on/off/empty; on is "auto" */
	O_ANY,       /* obsolete: any argument, no effect (postern.conf(5)) */
	O_BITS,      /* obsolete: empty or a positive number, no effect */
};

static const struct old_name {
	char name[24];
	char to[20]; /* the command it stands for, "": none */
	enum old_how how;
} old_names[] = {
	{"connect_timeout", "timeout", O_SAME},
	{"tls_nocertcheck", "tls_certcheck", O_NOARG_OFF},
	{"tls_nostarttls", "tls_starttls", O_NOARG_OFF},
	{"keepbcc", "remove_bcc_headers", O_INVERT},
	{"add_missing_from_header", "set_from_header", O_AUTO},
	{"add_missing_date_header", "set_date_header", O_AUTO},
	{"tls_force_sslv3", "", O_ANY},
	{"ntlmdomain", "", O_ANY},
	{"tls_min_dh_prime_bits", "", O_BITS},
};

/* pn_rc_account_new - see rcset.h */
struct pn_account *pn_rc_account_new(const char *name, const char *file, int line)
{
	struct pn_account *a = pn_xcalloc(1, sizeof(*a));
	a->name = pn_xstrdup(name);
	a->auth = PN_AUTH_UNSET;
	a->tls = 1;
	a->tls_starttls = 1;
	a->tls_certcheck = 1;
	a->timeout = 60;
	a->syslog = -1;
	a->remove_bcc_headers = 1;
	a->retry_delay = 2;
	a->retry_max_time = 120;
	a->bs_max_size = PN_BS_MAX_SIZE;
	a->bs_max_recipients = PN_BS_MAX_RECIPIENTS;
	a->bs_idle_timeout = PN_BS_IDLE_TIMEOUT;
	a->bs_session_timeout = PN_BS_SESSION_TIMEOUT;
	a->allow_from_override = 1;
	a->file = pn_xstrdup(file);
	a->line = line;
	return a;
}

/* pn_rc_account_free - see rcset.h */
void pn_rc_account_free(struct pn_account *a)
{
	if (!a)
		return;
	/* a string field is only ever written with its bit set (apply,
	 * pn_rc_inherit): the set bits are all there is to free */
	for (size_t i = next_set(a, 0); i < PN_ARRAY_LEN(commands); i = next_set(a, i + 1)) {
		const struct command *c = &commands[i];
		char **s = (char **)((char *)a + c->off);
		if (c->kind == K_SECRET)
			pn_free_wiped(*s);
		else if (c->kind <= K_DSN)
			free(*s);
	}
	free(a->name);
	free(a->file);
	free(a);
}

/* is_string - commands whose field is a char * */
static bool is_string(enum kind k)
{
	return k <= K_DSN;
}

/* pn_rc_inherit - see rcset.h; only the set bits are looked at, as every
 * account of a file inherits the defaults */
void pn_rc_inherit(struct pn_account *to, const struct pn_account *from)
{
	for (size_t i = next_set(from, 0); i < PN_ARRAY_LEN(commands); i = next_set(from, i + 1)) {
		const char *src = (const char *)from + commands[i].off;
		char *dst = (char *)to + commands[i].off;
		if (is_string(commands[i].kind)) {
			char **d = (char **)dst;
			char *const *s = (char *const *)src;
			if (commands[i].kind == K_SECRET)
				pn_free_wiped(*d);
			else
				free(*d);
			*d = *s ? pn_xstrdup(*s) : NULL;
		} else {
			*(int *)dst = *(const int *)src;
		}
		mark(to, i);
	}
}

/* pn_rc_error - see rcset.h */
bool pn_rc_error(struct pn_rcpos *p, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->line)
		pn_error_set(p->err, EX_CONFIG, "%s:%d: %s", p->path, p->line, what);
	else
		pn_error_set(p->err, EX_USAGE, _("command line: %s"), what);
	return false;
}

/* parse_bool - on, off, or empty (on) */
static bool parse_bool(struct pn_rcpos *p, const char *cmd, const char *arg, int *out)
{
	if (!*arg || strcmp(arg, "on") == 0)
		*out = 1;
	else if (strcmp(arg, "off") == 0)
		*out = 0;
	else
		return pn_rc_error(p, _("%s: expected on or off, not '%s'"), cmd, arg);
	return true;
}

/* parse_number - a decimal number in [lo, hi] */
static bool parse_number(struct pn_rcpos *p, const char *cmd, const char *arg, long lo, long hi,
			 int *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < lo || v > hi)
		return pn_rc_error(p, _("%s: invalid number '%s'"), cmd, arg);
	*out = (int)v;
	return true;
}

struct named {
	char name[20];
	int v;
};
static const struct named auth_names[] = {
	{"on", PN_AUTH_ON}, {"", PN_AUTH_ON}, {"off", PN_AUTH_OFF},
	{"plain", PN_AUTH_PLAIN}, {"login", PN_AUTH_LOGIN}, {"cram-md5", PN_AUTH_CRAM_MD5},
	{"scram-sha-1", PN_AUTH_SCRAM_SHA_1}, {"scram-sha-256", PN_AUTH_SCRAM_SHA_256},
	{"scram-sha-1-plus", PN_AUTH_SCRAM_SHA_1_PLUS}, {"scram-sha-256-plus", PN_AUTH_SCRAM_SHA_256_PLUS},
	{"xoauth2", PN_AUTH_XOAUTH2}, {"oauthbearer", PN_AUTH_OAUTHBEARER}, {"external", PN_AUTH_EXTERNAL},
};
static const struct named syslog_names[] = {
	{"LOG_USER", LOG_USER}, {"", LOG_USER}, {"on", LOG_USER}, {"off", -1},
	{"LOG_MAIL", LOG_MAIL}, {"LOG_LOCAL0", LOG_LOCAL0}, {"LOG_LOCAL1", LOG_LOCAL1},
	{"LOG_LOCAL2", LOG_LOCAL2}, {"LOG_LOCAL3", LOG_LOCAL3}, {"LOG_LOCAL4", LOG_LOCAL4},
	{"LOG_LOCAL5", LOG_LOCAL5}, {"LOG_LOCAL6", LOG_LOCAL6}, {"LOG_LOCAL7", LOG_LOCAL7},
};

/* parse_auth - on, off, empty, or a mechanism name */
static bool parse_auth(struct pn_rcpos *p, const char *arg, int *out)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(auth_names); i++)
		if (strcasecmp(arg, auth_names[i].name) == 0) {
			*out = auth_names[i].v;
			return true;
		}
	return pn_rc_error(p, _("auth: unsupported method '%s' (use on, off, plain, login, cram-md5, scram-sha-1, scram-sha-256, scram-sha-1-plus, scram-sha-256-plus, xoauth2, oauthbearer or external)"), arg);
}

/* parse_syslog - on, off, empty, or LOG_USER/LOG_MAIL/LOG_LOCAL0..7 */
static bool parse_syslog(struct pn_rcpos *p, const char *arg, int *out)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(syslog_names); i++)
		if (strcmp(arg, syslog_names[i].name) == 0) {
			*out = syslog_names[i].v;
			return true;
		}
	return pn_rc_error(p, _("syslog: unknown facility '%s'"), arg);
}

/* parse_choice - one of the command's words; an empty argument is "on" */
static bool parse_choice(struct pn_rcpos *p, const struct command *c, const char *arg, int *out)
{
	const char *word = *arg ? arg : "on";
	for (int i = 0; c->words[i]; i++)
		if (c->words[i][0] && strcmp(word, c->words[i]) == 0) {
			*out = i;
			return true;
		}
	return pn_rc_error(p, _("%s: invalid value '%s'"), c->name, arg);
}

/* expand_path - "~/x" becomes HOME/x; empty stays NULL (off) */
static char *expand_path(const struct pn_rcpos *p, const char *arg)
{
	if (!*arg)
		return NULL;
	/* in the system file "~" is root's home, never the caller's: its
	 * logfile may be opened with the postern group */
	const struct passwd *root = p->system ? getpwuid(0) : NULL;
	const char *home = p->system ? (root ? root->pw_dir : "/root") : p->tilde;
	if (arg[0] == '~' && (arg[1] == '/' || !arg[1]) && home)
		return pn_xasprintf("%s%s", home, arg + 1);
	return pn_xstrdup(arg);
}

/* set_string - replace a string field */
static void set_string(char **field, char *value, bool secret)
{
	if (secret)
		pn_free_wiped(*field);
	else
		free(*field);
	*field = value;
}

/* parse_dsn - dsn_notify or dsn_return: off, or a value for NOTIFY= or
 * RET=, kept in capitals as msmtp sends it.  dsn_return takes msmtp's
 * "headers" and "full", and the RFC's "hdrs". */
static bool parse_dsn(struct pn_rcpos *p, const char *cmd, const char *arg, char **field)
{
	bool notify = strcmp(cmd, "dsn_notify") == 0;
	if (strcmp(arg, "off") == 0) {
		set_string(field, NULL, false);
		return true;
	}
	if (!notify && strcmp(arg, "headers") == 0)
		arg = "hdrs";
	if (!pn_dsn_valid(notify ? 'N' : 'R', arg))
		return pn_rc_error(p, _("%s: invalid value '%s'"), cmd, arg);
	char *v = pn_xstrdup(arg);
	for (char *q = v; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	set_string(field, v, false);
	return true;
}

/* apply - one command with its argument to account a */
static bool apply(struct pn_rcpos *p, struct pn_account *a, size_t i, const char *arg)
{
	const struct command *c = &commands[i];
	char *field = (char *)a + c->off;
	int *num = (int *)field;
	bool ok = true;
	switch (c->kind) {
	case K_STR: set_string((char **)field, *arg ? pn_xstrdup(arg) : NULL, false); break;
	case K_SECRET: set_string((char **)field, *arg ? pn_xstrdup(arg) : NULL, true);
		p->has_password |= *arg != '\0';
		break;
	case K_PATH: set_string((char **)field, expand_path(p, arg), false); break;
	case K_TRUST: set_string((char **)field, strcmp(arg, "system") == 0 ? NULL : expand_path(p, arg), false);
		if (!*arg)
			ok = pn_rc_error(p, _("%s: an empty value (trust nothing) is not supported; use tls_certcheck off"), c->name);
		break;
	case K_FPR: set_string((char **)field, *arg ? pn_xstrdup(arg) : NULL, false);
		if (*arg && !pn_fingerprint_parse(arg, NULL, NULL))
			ok = pn_rc_error(p, _("tls_fingerprint: invalid fingerprint '%s' (expected hex bytes separated by colons: 32 for SHA-256, or 20 for SHA-1, 16 for MD5)"), arg);
		break;
	case K_PORT: /* proxy_port alone may be empty: 1080, as in msmtp */
		if (!*arg && c->off == offsetof(struct pn_account, proxy_port))
			*num = 0;
		else
			ok = parse_number(p, c->name, arg, 1, 65535, num);
		break;
	case K_COUNT: ok = parse_number(p, c->name, arg, 0, 86400, num); break;
	case K_LIMIT: ok = parse_number(p, c->name, arg, 1, INT_MAX, num); break;
	case K_BOOL: ok = parse_bool(p, c->name, arg, num); break;
	case K_AUTH: ok = parse_auth(p, arg, num); break;
	case K_SYSLOG: ok = parse_syslog(p, arg, num); break;
	case K_CHOICE: ok = parse_choice(p, c, arg, num); break;
	case K_DSN: ok = parse_dsn(p, c->name, arg, (char **)field); break;
	case K_TIMEOUT:
		if (strcmp(arg, "off") == 0)
			*num = 0;
		else
			ok = parse_number(p, c->name, arg, 1, 86400, num);
		break;
	}
	if (ok || is_string(c->kind)) /* a string written, even if refused, is freed */
		mark(a, i);
	return ok;
}

/* find_command - index of a command in the table */
static size_t find_command(const char *name)
{
	size_t i = 0;
	while (strcmp(commands[i].name, name) != 0)
		i++;
	return i;
}

/* apply_old - an older msmtp spelling, as msmtp 1.8 reads it */
static bool apply_old(struct pn_rcpos *p, struct pn_account *a, const struct old_name *o, const char *arg)
{
	int v;
	switch (o->how) {
	case O_SAME:
		return apply(p, a, find_command(o->to), arg);
	case O_NOARG_OFF:
		if (*arg)
			return pn_rc_error(p, _("%s does not take an argument (it means: %s off)"), o->name, o->to);
		return apply(p, a, find_command(o->to), "off");
	case O_INVERT:
		return parse_bool(p, o->name, arg, &v) && apply(p, a, find_command(o->to), v ? "off" : "on");
	case O_AUTO:
		return parse_bool(p, o->name, arg, &v) && apply(p, a, find_command(o->to), v ? "auto" : "off");
	case O_BITS:
		return !*arg || parse_number(p, o->name, arg, 1, INT_MAX, &v);
	case O_ANY:
		break;
	}
	return true;
}

/* obsolete - --check-config's view of a command msmtp dropped: it is read
 * and does nothing, which its writer may not know */
static bool obsolete(struct pn_rcpos *p, const struct old_name *o)
{
	if (!p->strict || o->to[0])
		return false;
	return !pn_rc_error(p, _("%s is obsolete and has no effect: remove it"), o->name);
}

/* pn_rc_set - see rcset.h */
int pn_rc_set(struct pn_rcpos *p, struct pn_account *a, const char *name, const char *arg)
{
	/* the first letter first: every line of every file comes here */
	for (size_t i = 0; i < PN_ARRAY_LEN(commands); i++)
		if (commands[i].name[0] == name[0] && strcmp(name, commands[i].name) == 0)
			return apply(p, a, i, arg);
	for (size_t i = 0; i < PN_ARRAY_LEN(old_names); i++)
		if (old_names[i].name[0] == name[0] && strcmp(name, old_names[i].name) == 0)
			return apply_old(p, a, &old_names[i], arg) && !obsolete(p, &old_names[i]);
	return -1;
}

/* pn_account_where - see rcset.h */
const char *pn_account_where(const struct pn_account *a, char *buf, size_t size)
{
	if (!a->line)
		return a->file;
	snprintf(buf, size, "%s:%d", a->file, a->line);
	return buf;
}

/* pn_account_port - see rcset.h */
int pn_account_port(const struct pn_account *a)
{
	if (a->port)
		return a->port;
	if (!pn_account_tls(a))
		return 25;
	return a->tls_starttls ? 587 : 465;
}

/* pn_account_auth - see rcset.h */
int pn_account_auth(const struct pn_account *a)
{
	if (a->auth != PN_AUTH_UNSET)
		return a->auth;
	return a->user ? PN_AUTH_ON : PN_AUTH_OFF;
}

/* pn_account_oauth - see rcset.h */
bool pn_account_oauth(const struct pn_account *a)
{
	return a->oauth2_client_id || a->oauth2_provider != PN_OAUTH2_NONE;
}

/* pn_account_local - see rcfile.h */
bool pn_account_local(const struct pn_account *a)
{
	if (a->socket)
		return true;
	/* through a proxy the bytes go wherever the proxy is */
	return pn_host_is_local(a->host) && (!a->proxy_host || pn_host_is_local(a->proxy_host));
}

/* pn_account_server - see rcfile.h */
const char *pn_account_server(const struct pn_account *a)
{
	return a->host ? a->host : a->socket;
}

/* pn_account_tls - see rcfile.h; a local server only changes the default */
int pn_account_tls(const struct pn_account *a)
{
	static size_t tls_row = PN_ARRAY_LEN(commands); /* found once */
	if (tls_row == PN_ARRAY_LEN(commands))
		tls_row = find_command("tls");
	if (next_set(a, tls_row) == tls_row || !pn_account_local(a))
		return a->tls;
	return 0;
}

/* The command line's view of the table (cli.h, pn_option_find): ids below
 * PN_ARRAY_LEN(commands) are commands, the rest older names. */

/* cli_excluded - commands that are no option: a password on the command
 * line is visible to every user (ps), and the caller's own sender and log
 * file are -f and -X, which cli.c knows itself */
static bool cli_excluded(const struct command *c)
{
	return c->kind == K_SECRET || strcmp(c->name, "default_for") == 0;
}

/* optional_arg - an argument that may be left out ("--tls" is "tls on") */
static bool optional_arg(enum kind k)
{
	return k == K_BOOL || k == K_AUTH || k == K_SYSLOG || k == K_CHOICE;
}

/* dashed_is - name spelt with '-' for '_' (n bytes) is cmd */
static bool dashed_is(const char *name, size_t n, const char *cmd)
{
	if (strlen(cmd) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] != (cmd[i] == '_' ? '-' : cmd[i]))
			return false;
	return true;
}

/* pn_rc_option - see rcfile.h */
int pn_rc_option(const char *name, size_t n, bool *optional)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(commands); i++)
		if (dashed_is(name, n, commands[i].name) && !cli_excluded(&commands[i])) {
			*optional = optional_arg(commands[i].kind);
			return (int)i;
		}
	for (size_t i = 0; i < PN_ARRAY_LEN(old_names); i++)
		if (dashed_is(name, n, old_names[i].name)) {
			const struct old_name *o = &old_names[i];
			*optional = o->how == O_INVERT || o->how == O_AUTO || o->how == O_ANY ||
				    (o->how == O_SAME && optional_arg(commands[find_command(o->to)].kind));
			return (int)(PN_ARRAY_LEN(commands) + i);
		}
	return -1;
}

/* arg_syntax - what a command's argument looks like, for --help */
static const char *arg_syntax(const struct command *c)
{
	switch (c->kind) {
	case K_STR: return "=TEXT";
	case K_PATH: return "=FILE";
	case K_SECRET: case K_CHOICE: break;
	case K_TRUST: return "=FILE|system";
	case K_FPR: return "=FINGERPRINT";
	case K_DSN: return "=VALUE|off";
	case K_PORT: return "=PORT";
	case K_BOOL: return "[=on|off]";
	case K_AUTH: return "[=on|off|METHOD]";
	case K_TIMEOUT: return "=SECONDS|off";
	case K_SYSLOG: return "[=on|off|LOG_MAIL|...]";
	case K_COUNT: case K_LIMIT: return "=N";
	}
	return "";
}

/* usage_line - one command as an option line of --help */
static void usage_line(FILE *f, const struct command *c)
{
	fputs("  --", f);
	for (const char *q = c->name; *q; q++)
		fputc(*q == '_' ? '-' : *q, f);
	if (c->kind != K_CHOICE) {
		fputs(arg_syntax(c), f);
	} else {
		for (int w = 0; c->words[w]; w++)
			if (c->words[w][0])
				fprintf(f, "%s%s", w ? "|" : "[=", c->words[w]);
		fputc(']', f);
	}
	fputc('\n', f);
}

/* the --help groups of the table's options, by task; a command no group
 * names is listed under the last heading, so none is ever left out */
static const struct usage_group {
	const char *heading;
	const char *names; /* " a b c " */
} usage_groups[] = {
	{N_("The server and the connection:"), " host port timeout source_ip proxy_host proxy_port socket protocol"
					       " domain chunking "},
	{N_("TLS:"), " tls tls_starttls tls_certcheck tls_trust_file tls_session_cache tls_fingerprint"
		     " tls_cert_file tls_key_file tls_crl_file tls_priorities tls_host_override "},
	{N_("Authentication:"), " auth user passwordeval insecure_auth_without_tls oauth2_provider oauth2_tenant"
				" oauth2_client_id oauth2_client_secret_eval oauth2_grant oauth2_scope oauth2_token_url"
				" oauth2_device_url oauth2_auth_url oauth2_trust_file oauth2_token_store "},
	{N_("The envelope and the header:"), " set_from_header set_date_header set_msgid_header remove_bcc_headers"
					     " undisclosed_recipients set_to_header allow_from_override auto_from"
					     " maildomain local_senders from_full_name aliases dsn_notify dsn_return"
					     " dot_ends_input "},
	{N_("Logging, retries and dead letters:"), " syslog log_format logfile_time_format retry retry_delay"
						  " retry_max_time retry_after_data dead_letter "},
	{N_("Limits of -bs, and other settings:"), NULL},
};

/* in_group - command name is one of g's, or g is the last group and no
 * other names it */
static bool in_group(const struct usage_group *g, const char *name)
{
	if (!g->names) {
		for (size_t i = 0; i + 1 < PN_ARRAY_LEN(usage_groups); i++)
			if (in_group(&usage_groups[i], name))
				return false;
		return true;
	}
	size_t n = strlen(name);
	for (const char *p = strstr(g->names, name); p; p = strstr(p + 1, name))
		if (p[-1] == ' ' && p[n] == ' ')
			return true;
	return false;
}

/* pn_rc_usage - see rcfile.h */
void pn_rc_usage(FILE *f)
{
	for (size_t g = 0; g < PN_ARRAY_LEN(usage_groups); g++) {
		fprintf(f, "\n%s\n", _(usage_groups[g].heading));
		for (size_t i = 0; i < PN_ARRAY_LEN(commands); i++) {
			const struct command *c = &commands[i];
			if (cli_excluded(c) || strcmp(c->name, "logfile") == 0 || strcmp(c->name, "from") == 0)
				continue;
			if (in_group(&usage_groups[g], c->name))
				usage_line(f, c);
		}
	}
}

/* override_safe - settings a caller may change on an account of the system
 * file when postern runs set-group-ID: none of them decides where the
 * account's password goes, which sender it may use, or which file is
 * written with the postern group */
static bool override_safe(const char *name)
{
	static const char safe[] = " timeout connect_timeout domain set_from_header set_date_header"
				   " set_msgid_header set_to_header remove_bcc_headers keepbcc"
				   " add_missing_from_header add_missing_date_header undisclosed_recipients"
				   " dsn_notify dsn_return logfile_time_format from_full_name"
				   " dot_ends_input retry retry_delay retry_max_time retry_after_data syslog log_format"
				   " tls_force_sslv3 tls_min_dh_prime_bits ntlmdomain chunking ";
	size_t n = strlen(name);
	for (const char *p = strstr(safe, name); p; p = strstr(p + 1, name))
		if (p[-1] == ' ' && p[n] == ' ')
			return true;
	return false;
}

/* pn_rc_override - see rcset.h */
bool pn_rc_override(struct pn_account *a, int id, const char *arg, const char *tilde, struct pn_error *err)
{
	size_t ncmd = PN_ARRAY_LEN(commands);
	if (id < 0 || (size_t)id >= ncmd + PN_ARRAY_LEN(old_names))
		return false;
	const char *name = (size_t)id < ncmd ? commands[id].name : old_names[(size_t)id - ncmd].name;
	if (a->system && pn_priv_active() && !override_safe(name)) {
		if (!a->refused_option)
			a->refused_option = name;
		return true;
	}
	struct pn_rcpos p = {.path = "", .tilde = tilde, .err = err};
	if ((size_t)id < ncmd)
		return apply(&p, a, (size_t)id, arg);
	return apply_old(&p, a, &old_names[(size_t)id - ncmd], arg);
}

/* name_of - the word for v in a table of names */
static const char *name_of(const struct named *t, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return "?";
}

/* value_text - a setting as the rc file would write it; NULL: not set */
static const char *value_text(const struct pn_account *a, const struct command *c, char *num, size_t len)
{
	const char *field = (const char *)a + c->off;
	int v = *(const int *)field;
	switch (c->kind) {
	case K_STR: case K_PATH: case K_FPR: case K_DSN: return *(char *const *)field;
	case K_SECRET: return *(char *const *)field ? "*" : NULL;
	case K_TRUST: return *(char *const *)field ? *(char *const *)field : "system";
	case K_BOOL: /* tls: as the send takes it (off for a local relay) */
		if (c->off == offsetof(struct pn_account, tls))
			v = pn_account_tls(a);
		return v ? "on" : "off";
	case K_AUTH: return name_of(auth_names, PN_ARRAY_LEN(auth_names), pn_account_auth(a));
	case K_SYSLOG: return name_of(syslog_names, PN_ARRAY_LEN(syslog_names), v);
	case K_CHOICE: return c->words[v][0] ? c->words[v] : c->words[0]; /* "": another row's value */
	case K_TIMEOUT: if (!v) return "off"; break;
	case K_PORT: v = pn_account_port(a); break;
	case K_COUNT: case K_LIMIT: break;
	}
	snprintf(num, len, "%d", v);
	return num;
}

/* pn_account_print - see rcfile.h */
void pn_account_print(FILE *f, const struct pn_account *a)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(commands); i++) {
		char num[24];
		const char *v = value_text(a, &commands[i], num, sizeof(num));
		struct pn_buf b;
		pn_buf_init(&b, 4 * VALUE_MAX);
		if (v && pn_escape(&b, v, false))
			fprintf(f, "%s = %.*s\n", commands[i].name, (int)b.len, b.data);
		else
			fprintf(f, "%s = %s\n", commands[i].name, _("(not set)"));
		pn_buf_free(&b);
	}
}
