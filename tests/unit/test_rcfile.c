/* test_rcfile.c - the msmtprc-syntax parser: defaults, inheritance, values,
 * errors with file and line, file permissions, user over system.
 * Every rc file is written under a mkdtemp() directory removed at the end. */
#include "account.h"
#include "message.h"
#include "rcfile.h"
#include "tap.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#define HOME "/home/tester"
#define MAXFILES 64

static char dir[256];
static char *files[MAXFILES];
static size_t nfiles;

/* write_rc - DIR/name holding text with this mode; the path, kept for cleanup */
static const char *write_rc(const char *name, const char *text, mode_t mode)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		tap_ok(false, "create %s", path);
		return "/nonexistent";
	}
	fputs(text, f);
	fclose(f);
	if (chmod(path, mode) < 0)
		tap_ok(false, "chmod %s", path);
	for (size_t i = 0; i < nfiles; i++)
		if (strcmp(files[i], path) == 0)
			return files[i];
	if (nfiles == MAXFILES)
		abort();
	files[nfiles] = strdup(path);
	return files[nfiles++];
}

/* cleanup - remove every file written, then the directory */
static void cleanup(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	if (rmdir(dir) < 0)
		tap_ok(false, "remove the temporary directory %s", dir);
}

/* find - the account, reporting when it is missing */
static const struct pn_account *find(const struct pn_config *cfg, const char *name)
{
	const struct pn_account *a = pn_config_find(cfg, name);
	if (!a)
		tap_ok(false, "account '%s' exists", name);
	return a;
}

static const char main_rc[] =
	"# a comment line\n"
	"   # an indented comment\n"
	"\n"
	"\t\n"
	"defaults\n"
	"host smtp.example.com\n"
	"timeout 30\n"
	"\n"
	"account a\n"
	"user alice\n"
	"port 2525\n"
	"auth login\n"
	"domain a.example\n"
	"\n"
	"account b : a\n"
	"user bob\n"
	"domain \"b example\"\n"
	"\n"
	"account other\n"
	"host other.example\n"
	"\n"
	"account c : a, other\n"
	"from c@example\n"
	"\n"
	"account d : other , a\n"
	"\n"
	"account default : b\n"
	"\n"
	"account quoted\n"
	"from \"John \\\"JD\\\" Doe\"\n"
	"passwordeval \"a\\\\b c\"\n"
	"domain   \"  padded  \"  \n"
	"\n"
	"account bools\n"
	"tls_certcheck off\n"
	"tls_starttls\n"
	"tls on\n"
	"\n"
	"account notls\n"
	"tls off\n"
	"\n"
	"account implicit\n"
	"tls_starttls off\n"
	"\n"
	"account explicit\n"
	"tls off\n"
	"port 465\n"
	"\n"
	"account notimeout\n"
	"timeout off\n"
	"tls_trust_file system\n"
	"logfile ~/x\n"
	"aliases ~/aliases\n"
	"syslog LOG_MAIL\n"
	"\n"
	"account trust\n"
	"tls_trust_file /etc/ssl/ca.pem\n"
	"logfile /var/log/postern.log\n"
	"\n"
	"defaults\n"
	"host late.example\n"
	"\n"
	"account late\n";

/* main_file - defaults, inheritance and values */
static void main_file(void)
{
	struct pn_config cfg;
	struct pn_error err;
	pn_config_init(&cfg, HOME);
	pn_error_init(&err);
	const char *path = write_rc("main.rc", main_rc, 0600);
	bool ok = pn_config_load(&cfg, path, false, &err);
	tap_ok(ok, "main file loads");
	if (!ok) {
		printf("#   %s\n", err.msg);
		pn_config_free(&cfg);
		return;
	}
	tap_is_int((long)cfg.n, 14, "main file: 14 accounts");
	tap_ok(pn_config_find(&cfg, "nosuch") == NULL, "find: an unknown name gives NULL");

	const struct pn_account *a = find(&cfg, "a");
	if (a) {
		tap_is_str(a->host, "smtp.example.com", "a: host inherited from defaults");
		tap_is_int(a->timeout, 30, "a: timeout inherited from defaults");
		tap_is_str(a->user, "alice", "a: own user");
		tap_is_int(pn_account_port(a), 2525, "a: explicit port");
		tap_is_int(pn_account_auth(a), PN_AUTH_LOGIN, "a: auth login");
		tap_is_str(a->domain, "a.example", "a: domain");
		tap_is_str(a->name, "a", "a: name");
		tap_ok(a->file && strcmp(a->file, path) == 0, "a: file recorded");
		tap_is_int(a->line, 9, "a: line of its account command");
	}
	const struct pn_account *b = find(&cfg, "b");
	if (b) {
		tap_is_str(b->host, "smtp.example.com", "b : a: host via a");
		tap_is_int(pn_account_port(b), 2525, "b : a: port copied from a");
		tap_is_int(pn_account_auth(b), PN_AUTH_LOGIN, "b : a: auth copied from a");
		tap_is_str(b->user, "bob", "b : a: own user overrides a's");
		tap_is_str(b->domain, "b example", "b: quoted value with a space");
	}
	if (a)
		tap_is_str(a->user, "alice", "a unchanged after b overrides");
	const struct pn_account *c = find(&cfg, "c");
	if (c) {
		tap_is_str(c->host, "other.example", "c : a, other: the later parent's host wins");
		tap_is_str(c->user, "alice", "c : a, other: user from a (other sets none)");
		tap_is_int(pn_account_port(c), 2525, "c : a, other: port from a");
		tap_is_str(c->from, "c@example", "c: own from");
	}
	const struct pn_account *d = find(&cfg, "d");
	if (d) {
		tap_is_str(d->host, "smtp.example.com", "d : other, a: a's host wins, order matters");
		tap_is_str(d->user, "alice", "d : other, a: user from a");
	}
	const struct pn_account *def = find(&cfg, "default");
	if (def) {
		tap_is_str(def->user, "bob", "account default : b: user from b");
		tap_is_str(def->domain, "b example", "account default : b: domain from b");
	}
	const struct pn_account *q = find(&cfg, "quoted");
	if (q) {
		tap_is_str(q->from, "John \\\"JD\\\" Doe", "quoted: no \\\" escape, as in msmtp");
		tap_is_str(q->passwordeval, "a\\\\b c", "quoted: no \\\\ escape, as in msmtp");
		tap_is_str(q->domain, "  padded  ", "quoted: blanks inside quotes kept");
		tap_is_str(q->user, NULL, "quoted: user unset");
		tap_is_int(pn_account_auth(q), PN_AUTH_OFF, "quoted: unset auth without user is off");
		tap_is_int(pn_account_port(q), 587, "quoted: default port 587");
		tap_is_int(q->timeout, 30, "quoted: timeout from defaults");
		tap_is_int(q->tls_certcheck, 1, "quoted: tls_certcheck defaults to on");
		tap_is_int(q->syslog, -1, "quoted: syslog defaults to off");
	}
	const struct pn_account *bo = find(&cfg, "bools");
	if (bo) {
		tap_is_int(bo->tls_certcheck, 0, "boolean off");
		tap_is_int(bo->tls_starttls, 1, "boolean with no argument is on");
		tap_is_int(bo->tls, 1, "boolean on");
	}
	const struct pn_account *nt = find(&cfg, "notls");
	if (nt) {
		tap_is_int(nt->tls, 0, "tls off");
		tap_is_int(pn_account_port(nt), 25, "tls off: default port 25");
	}
	const struct pn_account *im = find(&cfg, "implicit");
	if (im)
		tap_is_int(pn_account_port(im), 465, "tls_starttls off: default port 465");
	const struct pn_account *ex = find(&cfg, "explicit");
	if (ex)
		tap_is_int(pn_account_port(ex), 465, "explicit port wins over the tls default");
	const struct pn_account *no = find(&cfg, "notimeout");
	if (no) {
		tap_is_int(no->timeout, 0, "timeout off is 0");
		tap_is_str(no->tls_trust_file, NULL, "tls_trust_file system is NULL");
		tap_is_str(no->logfile, HOME "/x", "~/x expands with the configured home");
		tap_is_str(no->aliases, HOME "/aliases", "aliases ~/ expands too");
		tap_is_int(no->syslog, LOG_MAIL, "syslog LOG_MAIL");
	}
	const struct pn_account *tr = find(&cfg, "trust");
	if (tr) {
		tap_is_str(tr->tls_trust_file, "/etc/ssl/ca.pem", "tls_trust_file path kept");
		tap_is_str(tr->logfile, "/var/log/postern.log", "absolute logfile kept");
		tap_is_int(tr->timeout, 30, "trust: timeout 30 from defaults");
	}
	const struct pn_account *late = find(&cfg, "late");
	if (late)
		tap_is_str(late->host, "late.example", "defaults given later fill later accounts");
	if (a)
		tap_is_str(a->host, "smtp.example.com", "... and not the accounts before them");
	pn_config_free(&cfg);
	tap_is_int((long)cfg.n, 0, "free: no accounts left");
}

struct acase {
	const char *line;
	int want;
};

/* auth_values - every auth argument, and unset resolving by user */
static void auth_values(void)
{
	static const struct acase cases[] = {
		{"auth on\n", PN_AUTH_ON},
		{"auth\n", PN_AUTH_ON},
		{"auth off\n", PN_AUTH_OFF},
		{"auth plain\n", PN_AUTH_PLAIN},
		{"auth login\n", PN_AUTH_LOGIN},
		{"auth cram-md5\n", PN_AUTH_CRAM_MD5},
		{"auth CRAM-MD5\n", PN_AUTH_CRAM_MD5},
		{"user u\n", PN_AUTH_ON},         /* unset, with a user: on */
		{"host h\n", PN_AUTH_OFF},        /* unset, no user: off */
		{"user u\nauth off\n", PN_AUTH_OFF},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], label[256];
		snprintf(text, sizeof(text), "account x\n%s", cases[i].line);
		struct pn_config cfg;
		struct pn_error err;
		pn_config_init(&cfg, HOME);
		pn_error_init(&err);
		const char *path = write_rc("auth.rc", text, 0600);
		bool ok = pn_config_load(&cfg, path, false, &err);
		const struct pn_account *a = ok ? pn_config_find(&cfg, "x") : NULL;
		size_t len = strcspn(cases[i].line, "\n");
		snprintf(label, sizeof(label), "auth: \"%.*s%s\" resolves to %d", (int)len,
			 cases[i].line, cases[i].line[len + 1] ? " ..." : "", cases[i].want);
		tap_ok(a && pn_account_auth(a) == cases[i].want, "%s", label);
		if (!ok)
			printf("#   %s\n", err.msg);
		pn_config_free(&cfg);
	}
}

/* load_x - "account x" followed by lines; the account, or NULL (err said) */
static const struct pn_account *load_x(struct pn_config *cfg, const char *lines)
{
	char text[1024];
	struct pn_error err;
	snprintf(text, sizeof(text), "account x\n%s", lines);
	pn_config_init(cfg, HOME);
	pn_error_init(&err);
	if (!pn_config_load(cfg, write_rc("value.rc", text, 0600), false, &err)) {
		printf("#   %s\n", err.msg);
		return NULL;
	}
	return pn_config_find(cfg, "x");
}

struct scase {
	const char *line;
	size_t off;   /* offsetof the char * field in struct pn_account */
	const char *want;
};

#define S(field) offsetof(struct pn_account, field)

/* string_values - each argument as msmtp 1.8 reads it (checked with
 * msmtp -P): a quoted argument loses exactly its outer pair of quotes */
static void string_values(void)
{
	static const struct scase cases[] = {
		{"user \"sp ace\"q#h\\b\"\n", S(user), "sp ace\"q#h\\b"},
		{"password \"sp ace\"q#h\\b\"\n", S(password), "sp ace\"q#h\\b"},
		{"user \"abc\n", S(user), "\"abc"},
		{"user \"\n", S(user), "\""},
		{"user \"\"\"\n", S(user), "\""},
		{"user \"\"\n", S(user), NULL},
		{"user \"x\" trailing\n", S(user), "\"x\" trailing"},
		{"user a\"b\n", S(user), "a\"b"},
		{"user abc\"\n", S(user), "abc\""},
		{"user \"abc\\\"\n", S(user), "abc\\"},
		{"user \"John \\\"JD\\\" Doe\"\n", S(user), "John \\\"JD\\\" Doe"},
		{"user \"a\\\\b c\"\n", S(user), "a\\\\b c"},
		{"user \"#x\"\n", S(user), "#x"},
		{"user x#y\n", S(user), "x#y"},
		{"user \t \"  padded  \" \t\n", S(user), "  padded  "},
		{"host \"smtp.example.com\"\r\n", S(host), "smtp.example.com"},
		{"dsn_return headers\n", S(dsn_return), "HDRS"},
		{"dsn_return full\n", S(dsn_return), "FULL"},
		{"dsn_return hdrs\n", S(dsn_return), "HDRS"},
		{"dsn_return full\ndsn_return off\n", S(dsn_return), NULL},
		{"dsn_notify success,delay\n", S(dsn_notify), "SUCCESS,DELAY"},
		{"dsn_notify never\n", S(dsn_notify), "NEVER"},
		{"dsn_notify never\ndsn_notify off\n", S(dsn_notify), NULL},
		{"tls_fingerprint 84:bf:54:ba:83:ab:2e:d8:af:1e:ed:b1:48:1a:a3:0e:ce:74:e2:d9:7b:cd:49:5b:95:a0:48:04:d8:5d:f9:d1\n",
		 S(tls_fingerprint), "84:bf:54:ba:83:ab:2e:d8:af:1e:ed:b1:48:1a:a3:0e:ce:74:e2:d9:7b:cd:49:5b:95:a0:48:04:d8:5d:f9:d1"},
		{"tls_fingerprint 46:A9:D0:DD:B2:92:24:F2:71:17:31:A8:AA:BA:C8:76:72:B6:F1:4D\n", S(tls_fingerprint),
		 "46:A9:D0:DD:B2:92:24:F2:71:17:31:A8:AA:BA:C8:76:72:B6:F1:4D"},
		{"tls_fingerprint AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\ntls_fingerprint\n", S(tls_fingerprint), NULL},
		{"tls_cert_file ~/c.pem\n", S(tls_cert_file), HOME "/c.pem"},
		{"tls_key_file ~/k.pem\n", S(tls_key_file), HOME "/k.pem"},
		{"tls_crl_file /etc/ssl/crl.pem\n", S(tls_crl_file), "/etc/ssl/crl.pem"},
		{"tls_priorities NORMAL:-VERS-TLS1.3\n", S(tls_priorities), "NORMAL:-VERS-TLS1.3"},
		{"tls_host_override mx.example\n", S(tls_host_override), "mx.example"},
		{"from_full_name Test \xc3\x9cser\n", S(from_full_name), "Test \xc3\x9cser"},
		{"from_full_name \"Doe, John\"\n", S(from_full_name), "Doe, John"},
		{"from_full_name x\nfrom_full_name\n", S(from_full_name), NULL},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++) {
		struct pn_config cfg;
		const struct pn_account *a = load_x(&cfg, cases[i].line);
		const char *got = a ? *(char *const *)((const char *)a + cases[i].off) : "(not loaded)";
		char label[256];
		snprintf(label, sizeof(label), "as msmtp reads it: %.*s", (int)strcspn(cases[i].line, "\r\n"),
			 cases[i].line);
		tap_is_str(got, cases[i].want, label);
		pn_config_free(&cfg);
	}
}

struct icase {
	const char *lines;
	size_t off;   /* offsetof the int field in struct pn_account */
	int want;
};

/* old_names - msmtp's older spellings and obsolete commands, with the
 * values msmtp 1.8 gives them (msmtp -P) */
static void old_names(void)
{
	static const struct icase cases[] = {
		{"tls_nocertcheck\n", S(tls_certcheck), 0},
		{"tls_certcheck off\ntls_certcheck\n", S(tls_certcheck), 1},
		{"tls_nostarttls\n", S(tls_starttls), 0},
		{"tls_nostarttls\n", S(tls), 1},
		{"keepbcc on\n", S(remove_bcc_headers), 0},
		{"keepbcc\n", S(remove_bcc_headers), 0},
		{"keepbcc off\n", S(remove_bcc_headers), 1},
		{"remove_bcc_headers off\nkeepbcc off\n", S(remove_bcc_headers), 1},
		{"connect_timeout 17\n", S(timeout), 17},
		{"connect_timeout off\n", S(timeout), 0},
		{"add_missing_from_header off\n", S(set_from_header), PN_HDR_OFF},
		{"add_missing_date_header on\n", S(set_date_header), PN_HDR_AUTO},
		{"tls_force_sslv3 on\n", S(tls), 1},
		{"tls_force_sslv3\n", S(tls_starttls), 1},
		{"tls_min_dh_prime_bits 1024\n", S(tls), 1},
		{"tls_min_dh_prime_bits\n", S(tls), 1},
		{"ntlmdomain EXAMPLE\n", S(auth), PN_AUTH_UNSET},
		{"set_to_header on\n", S(set_to_header), PN_TO_ON},
		{"set_to_header\n", S(set_to_header), PN_TO_ON},
		{"set_to_header undisclosed_recipients\n", S(set_to_header), PN_TO_UNDISCLOSED},
		{"set_to_header on\nset_to_header off\n", S(set_to_header), PN_TO_OFF},
		{"host h\n", S(set_to_header), PN_TO_OFF},
		{"undisclosed_recipients\n", S(set_to_header), PN_TO_UNDISCLOSED},
		{"undisclosed_recipients on\n", S(set_to_header), PN_TO_UNDISCLOSED},
		{"set_to_header on\nundisclosed_recipients off\n", S(set_to_header), PN_TO_OFF},
		{"undisclosed_recipients on\nset_to_header on\n", S(set_to_header), PN_TO_ON},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++) {
		struct pn_config cfg;
		const struct pn_account *a = load_x(&cfg, cases[i].lines);
		char label[256];
		snprintf(label, sizeof(label), "as msmtp reads it: %s", cases[i].lines);
		*strchr(label, '\n') = '\0';
		tap_ok(a && *(const int *)((const char *)a + cases[i].off) == cases[i].want, "%s", label);
		pn_config_free(&cfg);
	}
	/* inherited like the command it stands for */
	struct pn_config cfg;
	load_x(&cfg, "keepbcc\naccount y : x\n");
	const struct pn_account *y = pn_config_find(&cfg, "y");
	tap_ok(y && y->remove_bcc_headers == 0, "keepbcc is inherited as remove_bcc_headers off");
	pn_config_free(&cfg);
}

/* protocol_values - protocol smtp|lmtp (msmtp's words, exactly); LMTP has
 * no default port, so an account with protocol lmtp needs port (78) */
static void protocol_values(void)
{
	static const struct icase cases[] = {
		{"host h\n", S(protocol), PN_PROTO_SMTP},
		{"protocol lmtp\n", S(protocol), PN_PROTO_LMTP},
		{"protocol lmtp\nprotocol smtp\n", S(protocol), PN_PROTO_SMTP},
		{"protocol lmtp\naccount y : x\nport 24\naccount z\n", S(protocol), PN_PROTO_LMTP},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++) {
		struct pn_config cfg;
		const struct pn_account *a = load_x(&cfg, cases[i].lines);
		tap_ok(a && *(const int *)((const char *)a + cases[i].off) == cases[i].want, "protocol: %.*s",
		       (int)strcspn(cases[i].lines, "\n"), cases[i].lines);
		pn_config_free(&cfg);
	}
	struct pn_config cfg;
	struct pn_error err;
	pn_error_init(&err);
	load_x(&cfg, "host h\nprotocol lmtp\naccount y : x\nport 24\n");
	const struct pn_account *x = pn_config_find(&cfg, "x"), *y = pn_config_find(&cfg, "y");
	tap_ok(y && y->protocol == PN_PROTO_LMTP && pn_account_check(y, &err), "protocol lmtp with port: usable");
	tap_ok(x && !pn_account_check(x, &err) && err.code == EX_CONFIG && strstr(err.msg, "no default port"),
	       "protocol lmtp without port: 78, saying why (%s)", err.msg);
	pn_config_free(&cfg);
}

/* load_text - a file holding text; false with the message printed */
static bool load_text(struct pn_config *cfg, const char *text)
{
	struct pn_error err;
	pn_config_init(cfg, HOME);
	pn_error_init(&err);
	bool ok = pn_config_load(cfg, write_rc("leading.rc", text, 0600), false, &err);
	if (!ok)
		printf("#   %s\n", err.msg);
	return ok;
}

/* host_of - an account's host, "(none)" when the account is missing */
static const char *host_of(const struct pn_config *cfg, const char *name)
{
	const struct pn_account *a = pn_config_find(cfg, name);
	return a ? a->host : "(none)";
}

/* leading_commands - msmtp's rule (msmtp -P): commands before the first
 * account or defaults line are the account "default", not defaults */
static void leading_commands(void)
{
	struct pn_config cfg;
	tap_ok(load_text(&cfg, "# no account line\n\nhost h\nport 26\n"), "a file without account lines loads");
	const struct pn_account *d = pn_config_find(&cfg, "default");
	tap_is_int((long)cfg.n, 1, "... as one account");
	tap_is_str(d ? d->host : "(none)", "h", "... called default, with the file's host");
	tap_ok(d && pn_account_port(d) == 26 && d->line == 3, "... its port, and the line of its first command");
	pn_config_free(&cfg);

	tap_ok(load_text(&cfg, "host h\naccount b\nfrom b@x\n"), "leading commands, then an account");
	tap_is_str(host_of(&cfg, "default"), "h", "... the leading commands are the account default");
	tap_is_str(host_of(&cfg, "b"), NULL, "... and not defaults of the accounts after them");
	pn_config_free(&cfg);

	tap_ok(load_text(&cfg, "defaults\nhost h\n"), "defaults only");
	tap_is_int((long)cfg.n, 0, "... no account (msmtp: account default not found)");
	pn_config_free(&cfg);

	tap_ok(load_text(&cfg, "host h\ndefaults\nport 27\naccount b\n"), "leading commands, defaults, an account");
	d = pn_config_find(&cfg, "default");
	const struct pn_account *b = pn_config_find(&cfg, "b");
	tap_ok(d && d->port == 0 && b && b->port == 27 && !b->host, "... later defaults reach only later accounts");
	pn_config_free(&cfg);

	tap_ok(load_text(&cfg, "host h\naccount c : default\nport 2\n"), "an account may inherit from the leading default");
	tap_is_str(host_of(&cfg, "c"), "h", "... and takes its host");
	pn_config_free(&cfg);
}

struct ecase {
	const char *name;
	const char *text;
	int line;          /* the line the message must name; 0: not checked */
	const char *needle; /* text the message must contain, or NULL */
	const char *needle2;
};

/* the files errors() loads: each must fail */
static const struct ecase error_cases[] = {
	{"unknown command", "account a\nhost h\nfrobnicate yes\n", 3, "frobnicate", "unknown"},
	{"fingerprint too short", "account a\ntls_fingerprint AA:BB\n", 2, "tls_fingerprint", "invalid fingerprint"},
	{"fingerprint not hex", "account a\ntls_fingerprint AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:9G\n", 2,
	 "9G", "invalid fingerprint"},
	{"fingerprint with dashes", "account a\ntls_fingerprint AA-BB-CC-DD-EE-FF-00-11-22-33-44-55-66-77-88-99\n", 2,
	 NULL, "invalid fingerprint"},
	{"fingerprint of 17 bytes", "account a\ntls_fingerprint AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:00\n", 2,
	 NULL, "invalid fingerprint"},
	{"unknown command in defaults", "defaults\nprotocol_x lmtp\naccount a\n", 2,
	 "protocol_x", "unknown command"},
	{"proxy_port 0", "account a\nproxy_port 0\n", 2, "proxy_port", NULL},
	{"proxy_port 65536", "account a\nproxy_port 65536\n", 2, "proxy_port", NULL},
	{"insecure_auth_without_tls maybe", "account a\ninsecure_auth_without_tls maybe\n", 2, "maybe", NULL},
	{"bad boolean", "account a\n\ntls maybe\n", 3, "maybe", NULL},
	{"boolean in capitals", "account a\ntls_certcheck ON\n", 2, NULL, NULL},
	{"port 0", "account a\nport 0\n", 2, NULL, NULL},
	{"port 70000", "account a\nport 70000\n", 2, NULL, NULL},
	{"port abc", "account a\nport abc\n", 2, "abc", NULL},
	{"port with trailing junk", "account a\nport 25x\n", 2, NULL, NULL},
	{"port negative", "account a\nport -25\n", 2, NULL, NULL},
	{"port empty", "account a\nport\n", 2, NULL, NULL},
	{"bad timeout", "account a\ntimeout soon\n", 2, NULL, NULL},
	{"bad auth method", "account a\nauth gssapi\n", 2, "gssapi", NULL},
	{"bad syslog facility", "account a\nsyslog LOG_KERNEL\n", 2, NULL, NULL},
	{"missing parent", "account a\nhost h\naccount b : nosuch\n", 3, "nosuch", NULL},
	{"parent defined later", "account b : a\naccount a\n", 1, NULL, NULL},
	{"account naming itself as parent", "defaults\nhost h\naccount a : a\n", 3, "'a'", NULL},
	{"account naming itself among parents", "account b\naccount a : b, a\n", 2, "'a'", NULL},
	{"account defined twice", "account a\nhost h\naccount a\nhost h2\n", 3, "line 1", "already"},
	{"account default defined twice", "account a\naccount default : a\naccount default : a\n", 3, NULL, NULL},
	{"empty parent name", "account a\naccount b : a,\n", 2, NULL, NULL},
	{"account without a name", "account\n", 1, NULL, NULL},
	{"account name with a blank", "account a b\n", 1, NULL, NULL},
	{"empty tls_trust_file", "account a\ntls_trust_file\n", 2, NULL, NULL},
	{"tls_nocertcheck with an argument", "account a\ntls_nocertcheck off\n", 2, "tls_nocertcheck", "argument"},
	{"tls_nostarttls with an argument", "account a\ntls_nostarttls on\n", 2, "tls_nostarttls", "argument"},
	{"dsn_return empty", "account a\ndsn_return\n", 2, "dsn_return", NULL},
	{"dsn_return HEADERS", "account a\ndsn_return HEADERS\n", 2, "HEADERS", NULL},
	{"dsn_return headers,full", "account a\ndsn_return headers,full\n", 2, NULL, NULL},
	{"dsn_notify empty", "account a\ndsn_notify\n", 2, "dsn_notify", NULL},
	{"dsn_notify bogus", "account a\ndsn_notify success,bogus\n", 2, "bogus", NULL},
	{"account default after leading commands", "host h\naccount default\n", 2, "line 1", "before the first account line"},
	{"defaults with an argument", "defaults x\naccount a\n", 1, "defaults", "argument"},
	{"keepbcc maybe", "account a\nkeepbcc maybe\n", 2, "maybe", NULL},
	{"connect_timeout empty", "account a\nconnect_timeout\n", 2, NULL, NULL},
	{"connect_timeout soon", "account a\nconnect_timeout soon\n", 2, "soon", NULL},
	{"tls_min_dh_prime_bits 0", "account a\ntls_min_dh_prime_bits 0\n", 2, "tls_min_dh_prime_bits", NULL},
	{"tls_min_dh_prime_bits abc", "account a\ntls_min_dh_prime_bits abc\n", 2, "abc", NULL},
	{"protocol LMTP", "account a\nprotocol LMTP\n", 2, "LMTP", NULL},
	{"protocol empty", "account a\nprotocol\n", 2, "protocol", NULL},
	{"protocol esmtp", "account a\nprotocol esmtp\n", 2, "esmtp", NULL},
	{"set_to_header maybe", "account a\nset_to_header maybe\n", 2, "set_to_header", NULL},
	{"undisclosed_recipients undisclosed_recipients", "account a\nundisclosed_recipients undisclosed_recipients\n", 2,
	 "undisclosed_recipients", NULL},
};

/* errors - each file fails with EX_CONFIG naming FILE:LINE: */
static void errors(void)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(error_cases); i++) {
		const struct ecase *t = &error_cases[i];
		struct pn_config cfg;
		struct pn_error err;
		char label[256], where[600];
		pn_config_init(&cfg, HOME);
		pn_error_init(&err);
		const char *path = write_rc("error.rc", t->text, 0600);
		bool ok = pn_config_load(&cfg, path, false, &err);
		snprintf(label, sizeof(label), "%s: refused with EX_CONFIG", t->name);
		tap_ok(!ok && err.code == EX_CONFIG, "%s", label);
		if (t->line) {
			snprintf(where, sizeof(where), "%s:%d: ", path, t->line);
			snprintf(label, sizeof(label), "%s: message starts with FILE:%d:", t->name,
				 t->line);
			tap_ok(strncmp(err.msg, where, strlen(where)) == 0, "%s", label);
			if (strncmp(err.msg, where, strlen(where)) != 0)
				printf("#   message: %s\n", err.msg);
		}
		if (t->needle) {
			snprintf(label, sizeof(label), "%s: message names '%s'", t->name, t->needle);
			tap_ok(strstr(err.msg, t->needle) != NULL, "%s", label);
		}
		if (t->needle2) {
			snprintf(label, sizeof(label), "%s: message says '%s'", t->name, t->needle2);
			tap_ok(strstr(err.msg, t->needle2) != NULL, "%s", label);
		}
		snprintf(label, sizeof(label), "%s: no account is added from the failed file", t->name);
		tap_is_int((long)cfg.n, 0, label);
		pn_config_free(&cfg);
	}

	/* a missing file */
	struct pn_config cfg;
	struct pn_error err;
	char path[512];
	snprintf(path, sizeof(path), "%s/does-not-exist.rc", dir);
	pn_config_init(&cfg, HOME);
	pn_error_init(&err);
	bool ok = pn_config_load(&cfg, path, false, &err);
	tap_ok(!ok && err.code == EX_CONFIG, "missing file: EX_CONFIG");
	tap_ok(strstr(err.msg, path) != NULL, "missing file: the message names it");
	pn_config_free(&cfg);
}

/* load_mode - a file with this text and mode: whether it loads */
static bool load_mode(const char *name, const char *text, mode_t mode, struct pn_config *cfg,
		      struct pn_error *err, const char **pathp)
{
	pn_config_init(cfg, HOME);
	pn_error_init(err);
	*pathp = write_rc(name, text, mode);
	return pn_config_load(cfg, *pathp, false, err);
}

/* permissions - a password in a file others can read is refused */
static void permissions(void)
{
	static const char with_pw[] = "account a\nuser u\npassword \"s3cret pw\"\n";
	static const char without_pw[] = "account a\nuser u\npasswordeval \"pass show mail\"\n";
	struct pn_config cfg;
	struct pn_error err;
	const char *path;
	char needle[600];

	bool ok = load_mode("pw.rc", with_pw, 0644, &cfg, &err, &path);
	tap_ok(!ok && err.code == EX_CONFIG, "password in a 0644 file: EX_CONFIG");
	tap_ok(strstr(err.msg, path) != NULL, "password in a 0644 file: the message names the file");
	snprintf(needle, sizeof(needle), "chmod 600 %s", path);
	tap_ok(strstr(err.msg, needle) != NULL, "password in a 0644 file: the message says chmod 600");
	tap_is_int((long)cfg.n, 0, "password in a 0644 file: no account loaded");
	pn_config_free(&cfg);

	ok = load_mode("pw.rc", with_pw, 0640, &cfg, &err, &path);
	tap_ok(!ok && err.code == EX_CONFIG, "password in a 0640 user file: EX_CONFIG");
	pn_config_free(&cfg);

	ok = load_mode("pw.rc", with_pw, 0604, &cfg, &err, &path);
	tap_ok(!ok && err.code == EX_CONFIG, "password in a 0604 file: EX_CONFIG");
	pn_config_free(&cfg);

	ok = load_mode("pw.rc", with_pw, 0600, &cfg, &err, &path);
	tap_ok(ok, "password in a 0600 file: loads");
	const struct pn_account *a = ok ? pn_config_find(&cfg, "a") : NULL;
	tap_ok(a && a->password && strcmp(a->password, "s3cret pw") == 0,
	       "password in a 0600 file: the quoted password is read");
	pn_config_free(&cfg);

	ok = load_mode("pw.rc", with_pw, 0400, &cfg, &err, &path);
	tap_ok(ok, "password in a 0400 file: loads");
	pn_config_free(&cfg);

	ok = load_mode("nopw.rc", without_pw, 0644, &cfg, &err, &path);
	tap_ok(ok, "no password in a 0644 file: loads");
	a = ok ? pn_config_find(&cfg, "a") : NULL;
	tap_ok(a && a->passwordeval && strcmp(a->passwordeval, "pass show mail") == 0,
	       "no password in a 0644 file: passwordeval read");
	pn_config_free(&cfg);

	/* a password given in defaults counts too */
	ok = load_mode("pwdef.rc", "defaults\npassword x\naccount a\n", 0644, &cfg, &err, &path);
	tap_ok(!ok && err.code == EX_CONFIG, "password in defaults of a 0644 file: EX_CONFIG");
	pn_config_free(&cfg);
}

/* two_files - the later file replaces same-named accounts and keeps others */
static void two_files(void)
{
	static const char system_rc[] = "defaults\n"
					"timeout 45\n"
					"account shared\n"
					"host system.example\n"
					"user sysuser\n"
					"account keep\n"
					"host keep.example\n";
	static const char user_rc[] = "account shared\n"
				      "host user.example\n"
				      "account solo\n";
	struct pn_config cfg;
	struct pn_error err;
	pn_config_init(&cfg, HOME);
	pn_error_init(&err);
	const char *sys = write_rc("system.rc", system_rc, 0644);
	const char *usr = write_rc("user.rc", user_rc, 0600);
	bool ok = pn_config_load(&cfg, sys, true, &err);
	tap_ok(ok, "system file loads");
	ok = ok && pn_config_load(&cfg, usr, false, &err);
	tap_ok(ok, "user file loads after it");
	if (!ok)
		printf("#   %s\n", err.msg);
	tap_is_int((long)cfg.n, 3, "two files: shared, keep, solo");
	const struct pn_account *s = pn_config_find(&cfg, "shared");
	tap_ok(s && s->host && strcmp(s->host, "user.example") == 0,
	       "the user file's account replaces the system one");
	tap_ok(s && s->user == NULL, "... entirely: the system account's user is gone");
	tap_ok(s && s->timeout == 60, "... and the system file's defaults do not apply to it");
	tap_ok(s && s->file && strcmp(s->file, usr) == 0, "... and it records the user file");
	const struct pn_account *k = pn_config_find(&cfg, "keep");
	tap_ok(k && k->host && strcmp(k->host, "keep.example") == 0,
	       "an account only in the system file is kept");
	tap_ok(k && k->timeout == 45, "... with its own file's defaults");
	/* a system account's password must not follow a user-chosen host */
	const char *child = write_rc("child.rc", "account child : keep\nhost evil.example\n", 0600);
	pn_error_init(&err);
	tap_ok(!pn_config_load(&cfg, child, false, &err) && err.code == EX_CONFIG,
	       "a user account may not inherit from a system account");
	tap_ok(strstr(err.msg, "child.rc:1:") != NULL, "... the error names file and line");
	tap_ok(pn_config_find(&cfg, "child") == NULL, "... and the account is not added");
	const struct pn_account *so = pn_config_find(&cfg, "solo");
	tap_ok(so && so->host == NULL, "defaults do not cross files");

	/* a failing third file leaves what was loaded alone */
	const char *bad = write_rc("bad.rc", "account shared\nhost bad.example\nnonsense\n", 0600);
	pn_error_init(&err);
	ok = pn_config_load(&cfg, bad, false, &err);
	tap_ok(!ok && err.code == EX_CONFIG, "a bad third file fails");
	s = pn_config_find(&cfg, "shared");
	tap_ok(s && s->host && strcmp(s->host, "user.example") == 0,
	       "... and does not replace accounts already loaded");
	tap_is_int((long)cfg.n, 3, "... nor add any");
	pn_config_free(&cfg);
}

/* crlf_file - a file with CRLF line ends reads like one with LF */
static void crlf_file(void)
{
	struct pn_config cfg;
	struct pn_error err;
	const char *path;
	bool ok = load_mode("crlf.rc", "# dos\r\n\r\naccount a\r\nhost h.example\r\n"
				       "from \"x y\"\r\ntls off\r\n",
			    0600, &cfg, &err, &path);
	tap_ok(ok, "CRLF file: loads");
	const struct pn_account *a = ok ? pn_config_find(&cfg, "a") : NULL;
	tap_ok(a && a->host && strcmp(a->host, "h.example") == 0, "CRLF file: no CR in the value");
	tap_ok(a && a->from && strcmp(a->from, "x y") == 0, "CRLF file: quoted value");
	tap_ok(a && a->tls == 0, "CRLF file: boolean");
	pn_config_free(&cfg);
}

/* long_line - a line beyond the rc line bound is an error, not truncated */
static void long_line(void)
{
	size_t n = 5000;
	char *text = malloc(n + 32);
	memcpy(text, "account a\nhost ", 15);
	memset(text + 15, 'h', n);
	memcpy(text + 15 + n, "\n", 2);
	struct pn_config cfg;
	struct pn_error err;
	const char *path;
	bool ok = load_mode("long.rc", text, 0600, &cfg, &err, &path);
	tap_ok(!ok && err.code == EX_CONFIG, "a 5000-byte line: EX_CONFIG");
	pn_config_free(&cfg);
	free(text);
}

/* eval_lines - msmtp's eval: the line is the command's first output line */
static void eval_lines(void)
{
	struct pn_config cfg;
	struct pn_error err;
	tap_ok(load_text(&cfg, "eval echo account e\neval printf 'host h.example\\nport 99\\n'\n"
			       "eval echo; exit 0\nport 26\n"),
	       "eval lines load");
	tap_is_str(host_of(&cfg, "e"), "h.example", "eval: an account line and its first command line");
	const struct pn_account *e = pn_config_find(&cfg, "e");
	tap_is_int(e ? e->port : -1, 26, "eval: only the first line of the output counts");
	pn_config_free(&cfg);
	tap_ok(load_text(&cfg, "account p\nhost h\neval echo password \"from eval\"\n"), "eval of a password");
	const struct pn_account *p = pn_config_find(&cfg, "p");
	tap_is_str(p ? p->password : NULL, "from eval", "... is read, quotes and all, as a line of the file");
	pn_config_free(&cfg);
	static const struct { const char *text, *msg; } bad[] = {
		{"account a\neval exit 3\n", "exit status 3"},
		{"account a\neval\n", "needs a command"},
		{"account a\neval echo eval echo host x\n", "another eval"},
		{"account a\neval echo frobnicate 1\n", "unknown command 'frobnicate'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pn_config_init(&cfg, HOME);
		pn_error_init(&err);
		bool ok = pn_config_load(&cfg, write_rc("eval.rc", bad[i].text, 0600), false, &err);
		tap_ok(!ok && err.code == EX_CONFIG && strstr(err.msg, bad[i].msg) && strstr(err.msg, ":2:"),
		       "eval refused with line and reason '%s': %s", bad[i].msg, err.msg);
		pn_config_free(&cfg);
	}
	pn_config_init(&cfg, HOME);
	cfg.no_eval = true;
	pn_error_init(&err);
	char *mark = pn_xasprintf("%s/eval-ran", dir);
	char *text = pn_xasprintf("account a\neval touch %s\n", mark);
	bool ok = pn_config_load(&cfg, write_rc("eval.rc", text, 0600), false, &err);
	tap_ok(!ok && access(mark, F_OK) != 0, "no_eval: the command does not run");
	free(text);
	free(mark);
	pn_config_free(&cfg);
}

/* tls_of - the tls setting of account name as postern uses it, -1: no
 * such account */
static int tls_of(const struct pn_config *cfg, const char *name)
{
	const struct pn_account *a = pn_config_find(cfg, name);
	return a ? pn_account_tls(a) : -1;
}

/* local_relays - a server on this machine, as written (host localhost or
 * a loopback literal, or a socket), has tls off unless tls was given, also
 * by defaults or a parent; every other host keeps tls on */
static void local_relays(void)
{
	struct pn_config cfg;
	tap_ok(load_text(&cfg, "account lh\nhost localhost\n"
			       "account v4\nhost 127.0.0.2\n"
			       "account v6\nhost ::1\n"
			       "account sock\nhost smtp.example.com\nsocket /run/smtp.sock\n"
			       "account sockonly\nsocket ~/smtp.sock\n"
			       "account remote\nhost smtp.example.com\n"
			       "account named\nhost localhost.example.com\n"
			       "account on\nhost localhost\ntls on\n"
			       "account proxied\nhost localhost\nproxy_host proxy.example.com\n"
			       "account proxylocal\nhost 127.0.0.1\nproxy_host ::1\nproxy_port 9050\n"
			       "account child : on\nhost 127.0.0.1\n"
			       "defaults\ntls on\naccount dflt\nhost localhost\n"),
	       "accounts for local relays load");
	tap_ok(tls_of(&cfg, "lh") == 0 && tls_of(&cfg, "v4") == 0 && tls_of(&cfg, "v6") == 0,
	       "localhost, 127.0.0.2, ::1: tls off by default");
	tap_ok(tls_of(&cfg, "sock") == 0 && tls_of(&cfg, "sockonly") == 0, "a socket: tls off by default");
	tap_ok(tls_of(&cfg, "remote") == 1 && tls_of(&cfg, "named") == 1, "any other host: tls on by default");
	tap_ok(tls_of(&cfg, "on") == 1, "tls on given for a local host stays on");
	tap_ok(tls_of(&cfg, "child") == 1, "tls on inherited from a parent account stays on");
	tap_ok(tls_of(&cfg, "dflt") == 1, "tls on from defaults stays on");
	tap_ok(tls_of(&cfg, "proxied") == 1, "localhost through a remote proxy is not local: tls on");
	tap_ok(tls_of(&cfg, "proxylocal") == 0, "a local host through a local proxy is local");
	const struct pn_account *a = pn_config_find(&cfg, "lh");
	tap_ok(a && pn_account_port(a) == 25, "a local host with tls off: port 25");
	a = pn_config_find(&cfg, "on");
	tap_ok(a && pn_account_port(a) == 587, "a local host with tls on: port 587");
	a = pn_config_find(&cfg, "sockonly");
	tap_is_str(a ? a->socket : NULL, HOME "/smtp.sock", "socket: ~ is the home directory");
	a = pn_config_find(&cfg, "proxylocal");
	tap_ok(a && a->proxy_port == 9050 && a->proxy_host && strcmp(a->proxy_host, "::1") == 0,
	       "proxy_host and proxy_port are read");
	pn_config_free(&cfg);

	tap_ok(load_text(&cfg, "account p\nproxy_port 9050\nproxy_port\nsource_ip 127.0.0.2\n"
			       "insecure_auth_without_tls on\n"
			       "account q\nsource_ip 127.0.0.2\nsource_ip\n"),
	       "proxy_port and source_ip may be emptied");
	a = pn_config_find(&cfg, "p");
	tap_ok(a && a->proxy_port == 0 && a->source_ip && strcmp(a->source_ip, "127.0.0.2") == 0 &&
		       a->insecure_auth_without_tls == 1,
	       "empty proxy_port: the default (1080); source_ip and insecure_auth_without_tls are read");
	a = pn_config_find(&cfg, "q");
	tap_ok(a && !a->source_ip, "empty source_ip: off");
	pn_config_free(&cfg);
}

/* what the check mode's hooks saw */
struct seen {
	char msgs[8][600];
	int nmsg;
	int trust_line; /* the line on_set saw tls_trust_file at */
};

static void seen_report(void *ctx, const char *msg)
{
	struct seen *s = ctx;
	if (s->nmsg < 8)
		snprintf(s->msgs[s->nmsg++], sizeof(s->msgs[0]), "%s", msg);
}

static void seen_set(void *ctx, const struct pn_rcpos *pos, const struct pn_account *a, const char *cmd)
{
	struct seen *s = ctx;
	if (strcmp(cmd, "tls_trust_file") == 0 && a->tls_trust_file && strcmp(a->tls_trust_file, "/t.pem") == 0)
		s->trust_line = pos->line;
}

/* check_mode - --check-config's reading: every problem reported with its
 * line, the reading goes on, obsolete commands are problems, and the
 * accounts are still there for the checks that follow */
static void check_mode(void)
{
	static const char text[] = "account a\nhost h\nbogus 1\nport x\nntlmdomain D\n"
				   "account b : nosuch\nhost h2\ntls_trust_file /t.pem\npassword pw\n"
				   "account a\nhost h3\n";
	struct seen seen = {.nmsg = 0, .trust_line = 0};
	struct pn_config_check hooks = {seen_report, seen_set, &seen};
	struct pn_config cfg;
	struct pn_error err;
	const char *path;
	pn_config_init(&cfg, HOME);
	cfg.check = &hooks;
	pn_error_init(&err);
	path = write_rc("check.rc", text, 0644);
	bool ok = pn_config_load(&cfg, path, false, &err);
	tap_ok(ok && !pn_error_isset(&err), "check mode: the load goes on to the end, nothing left in err");
	tap_is_int(seen.nmsg, 6, "check mode: six problems reported");
	for (int i = 0; i < seen.nmsg; i++)
		printf("#   %s\n", seen.msgs[i]);
	static const char *const want[] = {":3: unknown command 'bogus'", ":4: port: invalid number 'x'",
					   ":5: ntlmdomain is obsolete", ":6: account b: no account named 'nosuch'",
					   ":10: account a was already defined at line 1",
					   ":9: a password in a file other users have access to"};
	for (int i = 0; i < 6; i++) {
		char w[700];
		snprintf(w, sizeof(w), "%s%s", path, want[i]);
		tap_ok(strncmp(seen.msgs[i], w, strlen(w)) == 0, "check mode: problem %d is %s (%s)", i + 1, want[i],
		       seen.msgs[i]);
	}
	tap_is_int(seen.trust_line, 8, "check mode: on_set sees tls_trust_file with its line");
	tap_ok(find(&cfg, "a") != NULL, "check mode: the accounts are kept for the checks");
	const struct pn_account *b = find(&cfg, "b");
	tap_ok(b && b->host && strcmp(b->host, "h2") == 0, "check mode: an account whose parent is missing is read on");
	const struct pn_account *a2 = find(&cfg, "a");
	tap_ok(a2 && a2->host && strcmp(a2->host, "h3") == 0 && cfg.n == 2,
	       "check mode: a second account a takes its own lines (and is the one checked)");
	pn_config_free(&cfg);
	/* the same file without the check mode: the first problem stops it */
	pn_config_init(&cfg, HOME);
	pn_error_init(&err);
	ok = pn_config_load(&cfg, path, false, &err);
	tap_ok(!ok && strstr(err.msg, ":3: unknown command") && cfg.n == 0, "without it: the first problem stops the reading");
	pn_config_free(&cfg);
	/* and ntlmdomain alone is read as before */
	pn_config_init(&cfg, HOME);
	pn_error_init(&err);
	ok = pn_config_load(&cfg, write_rc("ntlm.rc", "account a\nhost h\nntlmdomain D\n", 0600), false, &err);
	tap_ok(ok, "without it: an obsolete command is accepted, as msmtp does");
	pn_config_free(&cfg);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_rcfile.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		tap_ok(false, "mkdtemp %s", dir);
		return tap_done();
	}
	main_file();
	auth_values();
	string_values();
	old_names();
	protocol_values();
	leading_commands();
	local_relays();
	errors();
	permissions();
	two_files();
	crlf_file();
	long_line();
	eval_lines();
	check_mode();
	cleanup();
	return tap_done();
}
