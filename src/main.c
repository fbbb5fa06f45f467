/* main.c - postern: wire the flow of DESIGN.md and turn the outcome into
 * an exit code.  The only file that exits (besides the allocator on OOM).
 *   argv -> cli; stdin -> message; rc files -> config -> account -> secret;
 *   smtp delivers; log records; exit code.
 * SECURITY: the password is held here between secret.c and smtp.c and wiped
 * before exit.
 */
#include "common.h"

#include "account.h"
#include "aliases.h"
#include "cli.h"
#include "envelope.h"
#include "log.h"
#include "secret.h"

#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* startup - hygiene for a binary anything may call */
static void startup(void)
{
	umask(077);
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			_exit(EX_OSERR);
	signal(SIGPIPE, SIG_IGN);
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core); /* a core dump could hold the password */
	setlocale(LC_ALL, "");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
#endif
}

/* fail - the one stderr line for an error; its exit code */
static int fail(const struct pn_error *err)
{
	fprintf(stderr, "postern: %s\n", err->msg);
	return err->code ? err->code : EX_SOFTWARE;
}

/* print_verdict - -bv: one line per recipient on stdout */
static void print_verdict(void *ctx, const char *addr, int code, const char *reply)
{
	if (code >= 200 && code < 300)
		printf(_("%s: deliverable (%s)\n"), addr, reply);
	else
		printf(_("%s: refused (%s)\n"), addr, reply);
}

/* load_config - -C FILE alone, or the standard files */
static bool load_config(const struct pn_request *req, struct pn_config *cfg, struct pn_error *err)
{
	if (req->config_file)
		return pn_config_load(cfg, req->config_file, false, err);
	return pn_config_load_standard(cfg, err);
}

/* rewrite - the header commands of the account */
static bool rewrite(const struct pn_request *req, const struct pn_account *a, const char *from,
		    const char *helo, struct pn_message *m, struct pn_error *err)
{
	struct pn_rewrite rw = {from, req->fullname, helo, a->set_from_header, a->set_date_header,
				a->set_msgid_header, a->remove_bcc_headers, a->undisclosed_recipients};
	return pn_message_rewrite(m, &rw, err) && pn_message_prepare(m, err);
}

/* deliver - everything after the account is known; m is NULL for -bv */
static bool deliver(const struct pn_request *req, const struct pn_account *a, struct pn_identity *id,
		    struct pn_message *m, struct pn_envelope_store *env, struct pn_outcome *out,
		    struct pn_error *err)
{
	struct pn_smtp_params p;
	pn_account_params(a, id, &p);
	p.verbose = req->verbose;
	p.dsn_notify = req->dsn_notify ? req->dsn_notify : a->dsn_notify;
	p.dsn_ret = req->dsn_ret ? req->dsn_ret : a->dsn_return;
	p.dsn_envid = req->dsn_envid;
	p.verify = !m;
	p.on_rcpt = m ? NULL : print_verdict;
	struct pn_secret secret = {NULL};
	bool ok = pn_envelope_build(env, req, a, id, m, err) && (!m || rewrite(req, a, env->from, p.helo, m, err)) &&
		  (p.auth == PN_AUTH_OFF || pn_secret_get(a, &secret, err));
	p.password = secret.value;
	ok = ok && pn_smtp_deliver(&p, &env->env, m, out, err);
	pn_secret_wipe(&secret);
	return ok;
}

/* ignore_dots - -i, or the account's rule for a "." line (dot_ends_input) */
static bool ignore_dots(const struct pn_request *req, const struct pn_account *a)
{
	if (req->ignore_dots || !a)
		return true;
	return a->dot_ends_input == PN_DOT_OFF || (a->dot_ends_input == PN_DOT_TTY && !isatty(0));
}

/* send_mode - find the account, read the message, deliver, log (also -bv) */
static int send_mode(const struct pn_request *req, struct pn_error *err)
{
	struct pn_message m;
	struct pn_identity id = {NULL, NULL, NULL, NULL, NULL};
	struct pn_config cfg;
	struct pn_outcome out;
	struct pn_envelope_store env;
	memset(&out, 0, sizeof(out));
	memset(&env, 0, sizeof(env));
	bool ok = pn_identity_get(&id, err);
	pn_config_init(&cfg, id.home);
	ok = ok && load_config(req, &cfg, err);
	const struct pn_account *a = ok ? pn_account_choose(&cfg, req->account, req->from, err) : NULL;
	ok = a && pn_account_check(a, err);
	bool verify = req->mode == PN_MODE_VERIFY;
	/* stdin is read to its end even when nothing can be sent */
	bool have_msg = !verify && pn_message_read(&m, 0, ignore_dots(req, ok ? a : NULL), err);
	ok = ok && (verify || have_msg) && deliver(req, a, &id, verify ? NULL : &m, &env, &out, err);
	int code = ok ? EX_OK : fail(err);
	struct pn_log_entry log = {a, env.from, &env.rcpt, have_msg ? m.size : 0, &out, err};
	struct pn_error logerr;
	pn_error_init(&logerr);
	if (a && !verify &&
	    !pn_log_write(&log, req->logfile ? req->logfile : a->logfile, a->syslog, req->syslog_label, &logerr))
		fail(&logerr);
	pn_envelope_free(&env);
	pn_config_free(&cfg);
	pn_identity_free(&id);
	if (have_msg)
		pn_message_free(&m);
	return code;
}

/* newaliases_mode - check the aliases file of the default account */
static int newaliases_mode(const struct pn_request *req, struct pn_error *err)
{
	struct pn_identity id = {NULL, NULL, NULL, NULL, NULL};
	struct pn_config cfg;
	bool ok = pn_identity_get(&id, err);
	pn_config_init(&cfg, id.home);
	ok = ok && load_config(req, &cfg, err);
	const struct pn_account *a = ok ? pn_account_choose(&cfg, req->account, NULL, err) : NULL;
	struct pn_aliases *al = a && a->aliases ? pn_aliases_load(a->aliases, err) : NULL;
	if (a && !a->aliases)
		printf(_("postern: no aliases file is configured; nothing to check\n"));
	else if (al)
		printf(_("postern: %s is valid\n"), a->aliases);
	int code = a && (!a->aliases || al) ? EX_OK : fail(err);
	pn_aliases_free(al);
	pn_config_free(&cfg);
	pn_identity_free(&id);
	return code;
}

int main(int argc, char **argv)
{
	startup();
	struct pn_request req;
	struct pn_error err;
	pn_error_init(&err);
	if (!pn_cli_parse(argc, argv, &req, &err)) {
		int code = fail(&err);
		if (code == EX_USAGE)
			fputs(_("Try 'postern --help' for more information.\n"), stderr);
		return code;
	}
	switch (req.mode) {
	case PN_MODE_HELP:
		pn_cli_usage();
		return EX_OK;
	case PN_MODE_VERSION:
		printf("postern %s\n", PACKAGE_VERSION);
		return EX_OK;
	case PN_MODE_MAILQ:
		printf(_("postern: there is no mail queue: postern delivers every message at once\n"));
		return EX_OK;
	case PN_MODE_NEWALIASES:
		return newaliases_mode(&req, &err);
	case PN_MODE_SEND:
	case PN_MODE_VERIFY:
		break;
	}
	return send_mode(&req, &err);
}
