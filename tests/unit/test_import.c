/* test_import.c - --import's readers (import_postfix.c, import_ssmtp.c)
 * and its writer (import.c): main.cf syntax, relayhost forms, the password
 * table's key, TLS levels, sender-dependent relays, ssmtp.conf and
 * revaliases; every rc file made is read back by rcfile.c and must give the
 * values it was made from.  Files are served from memory; the rc files read
 * back are written under a mkdtemp() directory removed at the end. */
#include "import.h"
#include "rcfile.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOME "/home/tester"

/* the files the readers may ask for: path, text */
static const char *const *served;

/* serve - a file of served, else ENOENT */
static char *serve(void *ctx, const char *path, int *errnum)
{
	(void)ctx;
	for (size_t i = 0; served && served[i]; i += 2)
		if (strcmp(served[i], path) == 0)
			return strdup(served[i + 1]);
	*errnum = ENOENT;
	return NULL;
}

static char dir[] = "/tmp/postern-test-import.XXXXXX";

/* load - the rc text read back by rcfile.c into cfg; false if it fails */
static bool load(const char *rc, struct pn_config *cfg)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/rc", dir);
	mode_t old = umask(077); /* it holds passwords: rcfile.c wants 600 */
	FILE *f = fopen(path, "w");
	umask(old);
	if (!f || fputs(rc, f) < 0 || fclose(f) != 0)
		return false;
	struct pn_error err;
	pn_error_init(&err);
	pn_config_init(cfg, HOME);
	bool ok = pn_config_load(cfg, path, false, &err);
	if (!ok)
		printf("#   %s\n#   in:\n%s\n", err.msg, rc);
	unlink(path);
	return ok;
}

/* postfix - import main.cf (dir /etc/postfix) with the files given */
static bool postfix(struct pn_import *im, const char *maincf, const char *const *files)
{
	served = files;
	pn_import_init(im, serve, NULL);
	return pn_import_postfix(im, "/etc/postfix", maincf);
}

/* has - the rc text holds this text */
static bool has(const struct pn_import *im, const char *text)
{
	bool yes = im->out.data && strstr(im->out.data, text);
	if (!yes)
		printf("#   '%s' not in:\n%s\n", text, im->out.data ? im->out.data : "");
	return yes;
}

/* str - a setting or "(null)" */
static const char *str(const char *s)
{
	return s ? s : "(null)";
}

/* ses - the setup most postern users come from: SES on 587, encrypt,
 * a hash table of passwords */
static void ses(void)
{
	static const char *const files[] = {
	    "/etc/postfix/sasl_passwd",
	    "# SES SMTP credentials\n[email-smtp.eu-west-1.amazonaws.com]:587 "
	    "AKIAEXAMPLE:Secret/With=Chars:and colon\n",
	    NULL};
	struct pn_import im;
	bool ok = postfix(&im,
	                  "# comment\n"
	                  "relayhost = [email-smtp.eu-west-1.amazonaws.com]:587\n"
	                  "smtp_sasl_auth_enable = yes\n"
	                  "smtp_sasl_security_options = noanonymous\n"
	                  "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n"
	                  "smtp_tls_security_level = encrypt\n"
	                  "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n",
	                  files);
	tap_ok(ok, "SES: imported");
	tap_ok(im.password, "SES: the output is marked as holding a password");
	tap_ok(has(&im, "# smtp_tls_security_level = encrypt: Postfix did not check the certificate"),
	       "SES: encrypt's missing certificate check is a comment");
	tap_ok(has(&im, "the source file of the hash table"), "SES: the table's source file is named");
	struct pn_config cfg;
	if (!load(im.out.data, &cfg)) {
		tap_ok(false, "SES: the output reads back");
		pn_import_free(&im);
		return;
	}
	const struct pn_account *a = pn_config_find(&cfg, "default");
	tap_ok(a != NULL, "SES: account default");
	if (a) {
		tap_is_str(str(a->host), "email-smtp.eu-west-1.amazonaws.com", "SES: host without brackets");
		tap_is_int(a->port, 587, "SES: port");
		tap_is_str(str(a->user), "AKIAEXAMPLE", "SES: user");
		tap_is_str(str(a->password), "Secret/With=Chars:and colon",
		           "SES: password (split at the first ':')");
		tap_is_int(a->tls, 1, "SES: tls on");
		tap_is_int(a->tls_starttls, 1, "SES: STARTTLS");
		tap_is_int(a->tls_certcheck, 1, "SES: certificate checked");
		tap_is_str(str(a->tls_trust_file), "/etc/ssl/certs/ca-certificates.crt", "SES: trust file");
	}
	pn_config_free(&cfg);
	pn_import_free(&im);
}

/* syntax - main.cf: continuation lines, comments inside them, the last
 * definition wins, $name, ${name}, $(name), ${name?x}, ${name:x}, $$ */
static void syntax(void)
{
	static const char *const files[] = {"/etc/postfix/pw", "[relay.example]:2525\tu$$er:p@ss\n", NULL};
	struct pn_import im;
	bool ok = postfix(&im,
	                  "relayhost = [wrong.example]\n"
	                  "relay_name = relay.example\n"
	                  "relayhost =\n"
	                  "# a comment between\n"
	                  "   [${relay_name}]:$(relay_port)\n"
	                  "\n"
	                  "relay_port = 2525\n"
	                  "smtp_sasl_auth_enable = ${relay_name?yes}\n"
	                  "smtp_sasl_password_maps = texthash:/etc/postfix/pw\n"
	                  "smtp_helo_name = ${nosuch:web1.example}\n"
	                  "myorigin = example.com\n"
	                  "loop_a = $loop_b\nloop_b = $loop_a\n",
	                  files);
	tap_ok(ok, "syntax: imported");
	tap_ok(has(&im, "host relay.example\nport 2525\n"), "syntax: continuation and expansion");
	tap_ok(has(&im, "user u$$er\npassword p@ss\n"), "syntax: a table's value is not expanded");
	tap_ok(has(&im, "domain web1.example\n"), "syntax: ${name:text}");
	tap_ok(has(&im, "maildomain example.com\nfrom %U@example.com\n"), "syntax: myorigin");
	tap_ok(!strstr(im.out.data, "source file"), "syntax: texthash is read as it is");
	pn_import_free(&im);
	ok = postfix(&im, "relayhost = [$loop_a]\nloop_a = $loop_b\nloop_b = $loop_a\n", NULL);
	tap_ok(has(&im, "has no value in main.cf"), "syntax: a loop of $ references stops, with a comment");
	pn_import_free(&im);
	char bomb[2048] = "relayhost = [x$p0]\n";
	for (int level = 0; level < 15; level++) {
		size_t len = strlen(bomb);
		snprintf(bomb + len, sizeof(bomb) - len, "p%d = $p%d$p%d$p%d$p%d$p%d$p%d$p%d$p%d\n", level,
		         level + 1, level + 1, level + 1, level + 1, level + 1, level + 1, level + 1,
		         level + 1);
	}
	snprintf(bomb + strlen(bomb), sizeof(bomb) - strlen(bomb),
	         "p15 =\n"); /* defined and empty: no reference fails */
	ok = postfix(&im, bomb, NULL);
	tap_ok(has(&im, "its expansion does not end"), "syntax: 8^15 references stop, with a comment");
	pn_import_free(&im);
	ok = postfix(&im, "myhostname = a.example\n", NULL);
	tap_ok(!ok && has(&im, "names no relayhost"), "syntax: no relayhost: nothing usable, and why");
	pn_import_free(&im);
}

/* relays - the relayhost forms and the password table's key */
static void relays(void)
{
	static const struct {
		const char *rh, *want, *note;
	} t[] = {
	    {"[smtp.example]", "host smtp.example\nport 25\n", NULL},
	    {"[smtp.example]:submission", "host smtp.example\nport 587\n", NULL},
	    {"smtp.example:587", "host smtp.example\nport 587\n", "looked up the MX records of smtp.example"},
	    {"example.com", "host example.com\nport 25\n", "looked up the MX records"},
	    {"[a.example]:587, [b.example]:587", "host a.example\nport 587\n", "the first is used"},
	    {"[smtp.example]:99999", NULL, "not a relay host postern can read"},
	    {"[smtp.example", NULL, "not a relay host postern can read"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pn_import im;
		char *cf = NULL;
		if (asprintf(&cf, "relayhost = %s\n", t[i].rh) < 0)
			abort();
		bool ok = postfix(&im, cf, NULL);
		tap_ok(ok == (t[i].want != NULL), "relayhost %s: %s", t[i].rh,
		       t[i].want ? "read" : "refused");
		if (t[i].want)
			tap_ok(has(&im, t[i].want), "relayhost %s: host and port", t[i].rh);
		if (t[i].note)
			tap_ok(has(&im, t[i].note), "relayhost %s: the comment says so", t[i].rh);
		free(cf);
		pn_import_free(&im);
	}
	static const char *const files[] = {"/etc/postfix/sasl_passwd", "[smtp.example] user:pw\n", NULL};
	static const char *const both[] = {"/etc/postfix/sasl_passwd",
	                                   "[smtp.example]:587 hop:pw1\nsmtp.example host:pw2\n", NULL};
	struct pn_import im;
	static const char cf[] = "relayhost = [smtp.example]:587\nsmtp_sasl_auth_enable = yes\n"
	                         "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n";
	postfix(&im, cf, files);
	tap_ok(!im.password &&
	           has(&im, "# no entry for [smtp.example]:587 (or smtp.example) in the password table"),
	       "sasl_passwd: a key with brackets but without the port is not the relayhost");
	pn_import_free(&im);
	postfix(&im, cf, both);
	tap_ok(has(&im, "user host\npassword pw2\n"),
	       "sasl_passwd: the server's name comes first, as in Postfix");
	pn_import_free(&im);
	static const char *const hop[] = {"/etc/postfix/sasl_passwd", "[smtp.example]:587 hop:pw1\n", NULL};
	postfix(&im, cf, hop);
	tap_ok(has(&im, "user hop\npassword pw1\n"), "sasl_passwd: then the relayhost as written");
	pn_import_free(&im);
}

/* tls_levels - smtp_tls_security_level and smtp_tls_wrappermode */
static void tls_levels(void)
{
	static const struct {
		const char *cf, *want, *note;
	} t[] = {
	    {"", "tls off\n", NULL},
	    {"smtp_tls_security_level = none\n", "tls off\n", NULL},
	    {"smtp_tls_security_level = may\n", "tls on\ntls_certcheck on\n",
	     "sent without TLS when it was not offered"},
	    {"smtp_use_tls = yes\n", "tls on\n", "= may:"},
	    {"smtp_tls_security_level = dane\n", "tls on\ntls_certcheck on\n", "TLSA"},
	    {"smtp_tls_security_level = verify\n", "tls on\ntls_certcheck on\ntls_starttls on\n", NULL},
	    {"smtp_tls_security_level = secure\nsmtp_tls_secure_cert_match = nexthop\n", "tls on\n",
	     "match list nexthop"},
	    {"smtp_tls_security_level = encrypt\nsmtp_tls_wrappermode = yes\n",
	     "tls on\ntls_certcheck on\n# ", NULL},
	    {"smtp_tls_wrappermode = yes\nsmtp_tls_security_level = encrypt\n", "tls_starttls off\n", NULL},
	    {"smtp_tls_CApath = /etc/ssl/certs\nsmtp_tls_security_level = verify\n", "tls on\n",
	     "smtp_tls_CApath"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pn_import im;
		char *cf = NULL;
		if (asprintf(&cf, "relayhost = [smtp.example]:465\n%s", t[i].cf) < 0)
			abort();
		bool ok = postfix(&im, cf, NULL);
		tap_ok(ok && has(&im, t[i].want), "TLS %zu: the settings", i);
		if (t[i].note)
			tap_ok(has(&im, t[i].note), "TLS %zu: the comment says %s", i, t[i].note);
		free(cf);
		pn_import_free(&im);
	}
}

/* tables - sender-dependent relays with their passwords, generic maps,
 * aliases, and tables that cannot be read */
static void tables(void)
{
	static const char *const files[] = {
	    "/etc/postfix/sasl_passwd",
	    "[smtp.example]:587 main:pw1\n@other.example o:pw2\n[smtp.third]:587 t:pw3\n",
	    "/etc/postfix/relay",
	    "@other.example [smtp.other]:587\nbob@third.example\n  [smtp.third]:587\n",
	    "/etc/postfix/generic",
	    "root@web1.example ops@example.com\n@web1.example @example.com\n",
	    NULL};
	struct pn_import im;
	bool ok = postfix(&im,
	                  "relayhost = [smtp.example]:587\nsmtp_sasl_auth_enable = yes\n"
	                  "smtp_sasl_password_maps = lmdb:/etc/postfix/sasl_passwd\n"
	                  "smtp_sender_dependent_authentication = yes\n"
	                  "sender_dependent_relayhost_maps = hash:/etc/postfix/relay\n"
	                  "smtp_generic_maps = hash:/etc/postfix/generic\n"
	                  "alias_maps = hash:/etc/aliases, nis:mail.aliases\n"
	                  "transport_maps = mysql:/etc/postfix/t.cf\n"
	                  "smtp_tls_security_level = encrypt\n",
	                  files);
	tap_ok(ok, "tables: imported");
	tap_ok(has(&im, "the source file of the lmdb table"), "tables: lmdb's source file, said so");
	tap_ok(has(&im, "# transport_maps = mysql:/etc/postfix/t.cf: not carried over"),
	       "tables: transport_maps is a comment");
	tap_ok(has(&im, "# smtp_generic_maps: @web1.example @example.com: not carried over"),
	       "tables: a whole-domain generic mapping is a comment");
	struct pn_config cfg;
	if (!load(im.out.data, &cfg)) {
		tap_ok(false, "tables: the output reads back");
		pn_import_free(&im);
		return;
	}
	const struct pn_account *o = pn_config_find(&cfg, "other.example");
	const struct pn_account *b = pn_config_find(&cfg, "bob@third.example");
	const struct pn_account *r = pn_config_find(&cfg, "root");
	tap_ok(o && b && r, "tables: one account per sender, one for the generic mapping");
	if (o && b && r) {
		tap_is_str(str(o->from), "*@other.example", "@domain: from pattern");
		tap_is_str(str(o->host), "smtp.other", "@domain: its relay");
		tap_is_str(str(o->password), "pw2", "@domain: the sender's password (sender-dependent)");
		tap_is_str(str(b->host), "smtp.third", "continuation line in a table");
		tap_is_str(str(b->password), "pw3", "sender without an entry: the relay's password");
		tap_is_str(str(r->default_for), "root", "generic: default_for the user");
		tap_is_str(str(r->from), "ops@example.com", "generic: from");
		tap_is_str(str(r->host), "smtp.example", "generic: the relayhost (inherited)");
		tap_is_str(str(r->aliases), "/etc/aliases", "aliases: the text file");
	}
	pn_config_free(&cfg);
	pn_import_free(&im);
}

/* ssmtp - ssmtp.conf and revaliases */
static void ssmtp(void)
{
	static const char *const files[] = {
	    "/etc/ssmtp/revaliases",
	    "# local:from:hub\nroot:ops@example.com:smtp.other:2525\nwww-data:web@example.com\nbroken\n",
	    NULL};
	served = files;
	struct pn_import im;
	pn_import_init(&im, serve, NULL);
	bool ok =
	    pn_import_ssmtp(&im, "/etc/ssmtp/ssmtp.conf",
	                    "# ssmtp\nroot=postmaster@example.com\nmailhub=smtp.example:465\n"
	                    "AuthUser = u@example.com\nAuthPass=p#ss word=\nUseTLS=YES\n"
	                    "RewriteDomain=example.com\nhostname=web1.example.com\nFromLineOverride=YES\n"
	                    "TLS_CA_File=/etc/ca.pem\nMystery=1\n");
	tap_ok(ok, "ssmtp: imported");
	tap_ok(im.password, "ssmtp: the output is marked as holding a password");
	tap_ok(has(&im, "# root=postmaster@example.com: mail for root"), "ssmtp: root is a comment");
	tap_ok(has(&im, "# Mystery=1: not carried over"), "ssmtp: an unknown setting is a comment");
	tap_ok(has(&im, "# revaliases: 'broken'"), "ssmtp: a broken revaliases line is a comment");
	struct pn_config cfg;
	if (!load(im.out.data, &cfg)) {
		tap_ok(false, "ssmtp: the output reads back");
		pn_import_free(&im);
		return;
	}
	const struct pn_account *d = pn_config_find(&cfg, "default");
	const struct pn_account *r = pn_config_find(&cfg, "root");
	const struct pn_account *w = pn_config_find(&cfg, "www-data");
	tap_ok(d && r && w, "ssmtp: default and one account per revaliases user");
	if (d && r && w) {
		tap_is_str(str(d->host), "smtp.example", "mailhub host");
		tap_is_int(d->port, 465, "mailhub port");
		tap_is_int(d->tls_starttls, 0, "UseTLS without UseSTARTTLS: implicit TLS");
		tap_is_str(str(d->password), "p#ss word=", "AuthPass as it is");
		tap_is_str(str(d->user), "u@example.com", "AuthUser");
		tap_is_str(str(d->tls_trust_file), "/etc/ca.pem", "TLS_CA_File");
		tap_is_str(str(d->maildomain), "example.com", "RewriteDomain");
		tap_is_str(str(d->domain), "web1.example.com", "hostname");
		tap_is_str(str(r->from), "ops@example.com", "revaliases: from");
		tap_is_str(str(r->host), "smtp.other", "revaliases: its mailhub");
		tap_is_int(r->port, 2525, "revaliases: its port");
		tap_is_str(str(r->default_for), "root", "revaliases: default_for");
		tap_is_str(str(w->host), "smtp.example", "revaliases without a mailhub: the default's");
		tap_is_str(str(w->password), "p#ss word=", "revaliases: the password inherited");
	}
	pn_config_free(&cfg);
	pn_import_free(&im);
	pn_import_init(&im, serve, NULL);
	tap_ok(!pn_import_ssmtp(&im, "/etc/ssmtp/ssmtp.conf", "AuthUser=u\n") && has(&im, "names no mailhub"),
	       "ssmtp: no mailhub: nothing usable, and why");
	pn_import_free(&im);
	/* "Name value" as ssmtp reads it: the password is taken, never quoted
	 * in a comment, and the output is marked as holding one */
	pn_import_init(&im, serve, NULL);
	bool ok2 = pn_import_ssmtp(&im, "/etc/ssmtp/ssmtp.conf",
				   "mailhub smtp.example:587\nAuthUser u\nAuthPass sup3rsecret\nUseSTARTTLS = YES\nLonely\n");
	tap_ok(ok2 && im.password && has(&im, "password sup3rsecret"), "ssmtp: 'AuthPass value' with a blank is the password");
	tap_ok(has(&im, "# Lonely: no value"), "ssmtp: a name without a value is a comment");
	tap_ok(!strstr(im.out.data ? im.out.data : "", "# AuthPass"), "ssmtp: the password is in no comment");
	pn_import_free(&im);
}

/* quoting - any value rcfile.c can hold is read back as it was written */
static void quoting(void)
{
	static const char *const v[] = {
	    "plain", " leading", "trailing ", "\"both\"", "\"",  "\"\"",
	    "a\"b",  "#hash",    "a b\tc",    "\"x",      "x\"", "\t",
	};
	struct pn_import im;
	pn_import_init(&im, serve, NULL);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pn_import_account(&im, "q", NULL);
		pn_import_value(&im, "password", v[i]);
	}
	pn_import_account(&im, "q", NULL);
	pn_import_value(&im, "password", "line\nbreak");
	static char longest[4096 - sizeof("password") - 3 + 1], too_long[5000];
	memset(longest, ' ', sizeof(longest) - 1); /* blanks at both ends: quoted */
	memset(too_long, 'x', sizeof(too_long) - 1);
	pn_import_account(&im, "q", NULL);
	pn_import_value(&im, "password", longest);
	pn_import_account(&im, "q", NULL);
	pn_import_value(&im, "password", too_long);
	tap_ok(has(&im, "# password: the value holds a line break"), "quoting: a line break is a comment");
	tap_ok(has(&im, "# password: the value is longer than an rc line may be"),
	       "quoting: too long a value is a comment");
	struct pn_config cfg;
	if (!load(im.out.data, &cfg)) {
		tap_ok(false, "quoting: the output reads back");
		pn_import_free(&im);
		return;
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), i ? "q_%zu" : "q", i + 1);
		const struct pn_account *a = pn_config_find(&cfg, name);
		tap_is_str(a ? str(a->password) : "(no account)", v[i], name);
	}
	char name[16];
	snprintf(name, sizeof(name), "q_%zu", sizeof(v) / sizeof(v[0]) + 2);
	const struct pn_account *a = pn_config_find(&cfg, name);
	tap_ok(a && a->password && strcmp(a->password, longest) == 0,
	       "quoting: the longest value an rc line holds");
	pn_config_free(&cfg);
	pn_import_free(&im);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	ses();
	syntax();
	relays();
	tls_levels();
	tables();
	ssmtp();
	quoting();
	rmdir(dir);
	return tap_done();
}
