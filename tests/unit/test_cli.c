/* test_cli.c - the command line (cli.c) with the rc table as its long
 * options (rcfile.c: pn_rc_option, pn_config_override, pn_account_print). */
#include "cli.h"
#include "rcfile.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define MAXW 16

/* parse - argv from a NULL-terminated list of words; true if it parsed */
static bool parse(struct pn_request *req, struct pn_error *err, ...)
{
	static char *argv[MAXW];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	for (char *w; argc < MAXW - 1 && (w = va_arg(ap, char *));)
		argv[argc++] = w;
	va_end(ap);
	argv[argc] = NULL;
	pn_error_init(err);
	return pn_cli_parse(argc, argv, pn_rc_option, req, err);
}

/* sendmail's two-word forms and msmtp's ignored flags */
static void test_sendmail_forms(void)
{
	struct pn_request r;
	struct pn_error e;
	tap_ok(parse(&r, &e, "sendmail", "-b", "m", "-o", "em", "a@b.example", NULL) && r.mode == PN_MODE_SEND,
	       "-b m and -o em as two words");
	tap_is_int((long)r.nrcpt, 1, "... the recipient after them stays one");
	tap_ok(parse(&r, &e, "sendmail", "-o", "i", "a@b.example", NULL) && r.ignore_dots, "-o i as two words is -oi");
	tap_ok(parse(&r, &e, "sendmail", "-b", "s", NULL) && r.mode == PN_MODE_SERVE, "-b s is -bs");
	tap_ok(parse(&r, &e, "sendmail", "-A", "c", "-G", "-n", "-ti", "x@y.example", NULL) && r.read_recipients &&
		       r.nrcpt == 1, "-A FILE, -G and -n are accepted (msmtp ignores them too)");
	tap_ok(!parse(&r, &e, "sendmail", "-o", NULL) && e.code == EX_USAGE, "-o at the end wants its letter");
	tap_ok(parse(&r, &e, "msmtp", "-d", "a@b.example", NULL) && r.verbose == 1 && r.mode == PN_MODE_SEND,
	       "-d is -v");
	tap_ok(parse(&r, &e, "sendmail", "-d0.1", NULL) && r.mode == PN_MODE_VERSION, "-d0.1 prints the version");
	tap_ok(parse(&r, &e, "msmtp", "--debug", "--verbose", NULL) && r.verbose == 2, "--debug and --verbose count");
	tap_ok(parse(&r, &e, "msmtp", "-P", NULL) && r.mode == PN_MODE_PRETEND, "-P");
	tap_ok(parse(&r, &e, "msmtp", "--pretend", "-t", NULL) && r.mode == PN_MODE_PRETEND, "--pretend");
	tap_ok(parse(&r, &e, "postern", "--oauth2-login", "-a", "work", NULL) && r.mode == PN_MODE_OAUTH2_LOGIN &&
		       r.account && strcmp(r.account, "work") == 0,
	       "--oauth2-login -a NAME");
	tap_ok(!parse(&r, &e, "postern", "--oauth2-login", "a@b.example", NULL) && e.code == EX_USAGE,
	       "--oauth2-login takes no recipient");
	tap_ok(!parse(&r, &e, "postern", "--oauth2-login", "--host=h.example", NULL) && e.code == EX_USAGE,
	       "--oauth2-login needs a configuration file (no --host)");
	tap_ok(parse(&r, &e, "postern", "--import", "postfix", "/srv/postfix", NULL) && r.mode == PN_MODE_IMPORT &&
		       strcmp(r.import, "postfix") == 0 && r.nrcpt == 1 && strcmp(r.rcpt[0], "/srv/postfix") == 0,
	       "--import postfix DIR");
	tap_ok(parse(&r, &e, "postern", "--import=ssmtp", NULL) && r.mode == PN_MODE_IMPORT && r.nrcpt == 0,
	       "--import=ssmtp, the default file");
	tap_ok(!parse(&r, &e, "postern", "--import", "exim", NULL) && e.code == EX_USAGE, "--import: only postfix or ssmtp");
	tap_ok(!parse(&r, &e, "postern", "--import", "ssmtp", "a", "b", NULL) && e.code == EX_USAGE,
	       "--import: one file at most");
}

/* the rc table as long options */
static void test_rc_options(void)
{
	struct pn_request r;
	struct pn_error e;
	tap_ok(parse(&r, &e, "msmtp", "--host=::1", "--port", "12345", "--auth=plain", "--user=u",
		     "--passwordeval=echo pw", "--from", "f@x.example", "r@x.example", NULL),
	       "msmtp's upstream test command line parses");
	tap_ok(r.config_less, "... --host means no configuration file");
	tap_is_int((long)r.nov, 5, "... five settings (--from is -f)");
	tap_is_str(r.ov[1].value, "12345", "... --port takes the next word");
	tap_is_str(r.from, "f@x.example", "... --from is the envelope sender");
	tap_is_int((long)r.nrcpt, 1, "... one recipient");
	tap_ok(parse(&r, &e, "msmtp", "--tls", "--tls-starttls=off", "r@x.example", NULL) && r.nov == 2,
	       "--tls alone is on; an on/off option never takes the next word");
	tap_is_str(r.ov[0].value, "", "... its value is empty (on)");
	tap_is_int((long)r.nrcpt, 1, "... so r@x.example stays a recipient");
	tap_ok(parse(&r, &e, "msmtp", "--connect-timeout=5", "--keepbcc", "--add-missing-date-header=off",
		     "--tls-min-dh-prime-bits=1024", NULL) && r.nov == 4, "msmtp's older names are options too");
	tap_ok(!parse(&r, &e, "msmtp", "--password=x", NULL) && e.code == EX_USAGE,
	       "--password is no option (argv is visible to every user)");
	tap_ok(!parse(&r, &e, "msmtp", "--hostx=y", NULL) && strstr(e.msg, "--hostx"), "unknown option named");
	tap_ok(!parse(&r, &e, "msmtp", "--port", NULL) && e.code == EX_USAGE, "--port at the end wants a value");
	tap_ok(!parse(&r, &e, "msmtp", "--host=h", "-a", "x", NULL) && e.code == EX_USAGE,
	       "--host and --account together are refused, as in msmtp");
	tap_ok(!parse(&r, &e, "msmtp", "--tls_starttls", NULL), "the rc spelling with '_' is no option");
}

/* apply - the options of argv onto a config of one account */
static bool apply(struct pn_config *cfg, const struct pn_request *r, struct pn_error *e)
{
	for (size_t i = 0; i < r->nov; i++)
		if (!pn_config_override(cfg, r->ov[i].id, r->ov[i].value, e))
			return false;
	return true;
}

/* overrides reach the account and are checked as rc values */
static void test_override(void)
{
	struct pn_request r;
	struct pn_error e;
	struct pn_config cfg;
	pn_config_init(&cfg, "/home/u");
	cfg.tilde = "/env/home";
	struct pn_account *a = pn_config_cmdline(&cfg);
	tap_ok(parse(&r, &e, "msmtp", "--host=smtp.example", "--port=2525", "--tls=off", "--auth", "--user=bob",
		     "--tls-trust-file=~/ca.pem", "--keepbcc", "--timeout=off", NULL) && apply(&cfg, &r, &e),
	       "settings apply to the command line's account");
	tap_is_str(a->host, "smtp.example", "host");
	tap_is_int(a->port, 2525, "port");
	tap_is_int(a->tls, 0, "tls off");
	tap_is_int(pn_account_auth(a), PN_AUTH_ON, "auth on");
	tap_is_str(a->tls_trust_file, "/env/home/ca.pem", "~ is $HOME (cfg->tilde)");
	tap_is_int(a->remove_bcc_headers, 0, "keepbcc");
	tap_is_int(a->timeout, 0, "timeout off");
	tap_is_str(a->name, "default", "the account is called default");
	tap_ok(parse(&r, &e, "msmtp", "--port=x", NULL) && !apply(&cfg, &r, &e) && e.code == EX_USAGE &&
		       strstr(e.msg, "port") && strstr(e.msg, "'x'"),
	       "a bad value is a usage error naming option and value: %s", e.msg);
	tap_ok(parse(&r, &e, "msmtp", "--auth=gssapi", NULL) && !apply(&cfg, &r, &e) && e.code == EX_USAGE,
	       "an unknown auth method is refused");

	tap_ok(parse(&r, &e, "msmtp", "--dsn-notify=failure,delay", "--dsn-return=headers", NULL) && apply(&cfg, &r, &e),
	       "--dsn-notify and --dsn-return with msmtp's values");
	tap_is_str(a->dsn_notify, "FAILURE,DELAY", "... NOTIFY as msmtp sends it");
	tap_is_str(a->dsn_return, "HDRS", "... headers is RET=HDRS");
	tap_ok(parse(&r, &e, "msmtp", "--dsn-notify=off", "--dsn-return=off", NULL) && apply(&cfg, &r, &e) &&
		       !a->dsn_notify && !a->dsn_return,
	       "--dsn-notify=off and --dsn-return=off remove them");

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	a->password = strdup("s3cret-pw");
	pn_account_print(f, a);
	fclose(f);
	tap_ok(strstr(buf, "host = smtp.example\n") && strstr(buf, "port = 2525\n"), "-P prints host and port");
	tap_ok(strstr(buf, "password = *\n") && !strstr(buf, "s3cret"), "-P shows a password as *");
	tap_ok(strstr(buf, "dsn_notify = (not set)\n") != NULL, "-P says what is not set");
	tap_ok(strstr(buf, "tls_trust_file = /env/home/ca.pem\n") != NULL, "-P prints paths");
	free(buf);
	free(a->password); /* written by hand, without its bit in a->set */
	a->password = NULL;
	pn_config_free(&cfg);
}

int main(void)
{
	test_sendmail_forms();
	test_rc_options();
	test_override();
	return tap_done();
}
