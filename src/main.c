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
#include "privilege.h"
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
	setlocale(LC_TIME, "C"); /* log times in English, as log parsers expect */
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

/* the resources one send holds, released by release() */
struct run {
	struct pn_identity id;
	struct pn_config cfg;
	struct pn_secret secret;
	int logfd;
	const char *logpath;
};

/* acquire - with the postern group where a system account needs it: its
 * password or passwordeval, and its logfile; then the group is given up for
 * good.  The caller's own sources (keyring, ~/.netrc, the terminal) and -X
 * are only ever used with the caller's rights. */
static bool acquire(const struct pn_request *req, const struct pn_account *a, struct run *r,
		    struct pn_error *err)
{
	bool priv = a->system && pn_priv_active();
	bool auth = pn_account_auth(a) != PN_AUTH_OFF;
	struct pn_secret_ctx sctx = {r->id.home, priv};
	r->logpath = req->logfile ? req->logfile : a->logfile;
	struct pn_error logerr;
	pn_error_init(&logerr);
	bool ok = !priv || pn_priv_raise(err);
	if (ok && priv && auth && (a->password || a->passwordeval))
		ok = pn_secret_get(a, &sctx, &r->secret, err);
	if (ok && priv && r->logpath && !req->logfile)
		r->logfd = pn_log_open(r->logpath, &logerr);
	if (!pn_priv_drop(err))
		return false;
	sctx.clean_env = false;
	if (ok && auth && !r->secret.value)
		ok = pn_secret_get(a, &sctx, &r->secret, err);
	if (ok && r->logpath && r->logfd < 0 && !pn_error_isset(&logerr))
		r->logfd = pn_log_open(r->logpath, &logerr);
	if (pn_error_isset(&logerr))
		fail(&logerr); /* a log that cannot be written does not stop delivery */
	return ok;
}

/* deliver - everything after the account is known; m is NULL for -bv */
static bool deliver(const struct pn_request *req, const struct pn_account *a, struct run *r,
		    struct pn_message *m, struct pn_envelope_store *env, struct pn_outcome *out,
		    struct pn_error *err)
{
	struct pn_smtp_params p;
	pn_account_params(a, &r->id, &p);
	p.verbose = req->verbose;
	p.dsn_notify = req->dsn_notify ? req->dsn_notify : a->dsn_notify;
	p.dsn_ret = req->dsn_ret ? req->dsn_ret : a->dsn_return;
	p.dsn_envid = req->dsn_envid;
	p.verify = !m;
	p.on_rcpt = m ? NULL : print_verdict;
	p.password = r->secret.value;
	return pn_envelope_build(env, req, a, &r->id, m, err) && (!m || rewrite(req, a, env->from, p.helo, m, err)) &&
	       pn_smtp_deliver(&p, &env->env, m, out, err);
}

/* ignore_dots - -i, or the account's rule for a "." line (dot_ends_input) */
static bool ignore_dots(const struct pn_request *req, const struct pn_account *a)
{
	if (req->ignore_dots || !a)
		return true;
	return a->dot_ends_input == PN_DOT_OFF || (a->dot_ends_input == PN_DOT_TTY && !isatty(0));
}

/* choose - identity, configuration, account; -C drops the group first */
static const struct pn_account *choose(const struct pn_request *req, struct run *r, struct pn_error *err)
{
	bool ok = pn_identity_get(&r->id, err) && (!req->config_file || pn_priv_drop(err));
	pn_config_init(&r->cfg, r->id.home);
	ok = ok && load_config(req, &r->cfg, err);
	const struct pn_account *a = ok ? pn_account_choose(&r->cfg, req->account, req->from, r->id.login, err) : NULL;
	return a && pn_account_check(a, err) ? a : NULL;
}

/* send_mode - find the account, read the message, deliver, log (also -bv) */
static int send_mode(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .secret = {NULL}, .logfd = -1};
	struct pn_message m;
	struct pn_outcome out;
	struct pn_envelope_store env;
	memset(&out, 0, sizeof(out));
	memset(&env, 0, sizeof(env));
	const struct pn_account *a = choose(req, &r, err);
	bool ok = a && acquire(req, a, &r, err);
	if (!ok && !pn_priv_drop(err))
		return fail(err);
	bool verify = req->mode == PN_MODE_VERIFY;
	/* stdin is read to its end even when nothing can be sent */
	bool have_msg = !verify && pn_message_read(&m, 0, ignore_dots(req, ok ? a : NULL), err);
	ok = ok && (verify || have_msg) && deliver(req, a, &r, verify ? NULL : &m, &env, &out, err);
	pn_secret_wipe(&r.secret);
	int code = ok ? EX_OK : fail(err);
	struct pn_log_entry log = {a, env.from, &env.rcpt, have_msg ? m.size : 0, &out, err};
	struct pn_error logerr;
	pn_error_init(&logerr);
	if (a && !verify && !pn_log_write(&log, r.logfd, r.logpath, a->syslog, req->syslog_label, &logerr))
		fail(&logerr);
	if (r.logfd > 2)
		close(r.logfd);
	pn_envelope_free(&env);
	pn_config_free(&r.cfg);
	pn_identity_free(&r.id);
	if (have_msg)
		pn_message_free(&m);
	return code;
}

/* newaliases_mode - check the aliases file of the chosen account */
static int newaliases_mode(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .secret = {NULL}, .logfd = -1};
	const struct pn_account *a = choose(req, &r, err);
	bool ok = pn_priv_drop(err) && a;
	struct pn_aliases *al = ok && a->aliases ? pn_aliases_load(a->aliases, err) : NULL;
	if (ok && !a->aliases)
		printf(_("postern: no aliases file is configured; nothing to check\n"));
	else if (al)
		printf(_("postern: %s is valid\n"), a->aliases);
	int code = ok && (!a->aliases || al) ? EX_OK : fail(err);
	pn_aliases_free(al);
	pn_config_free(&r.cfg);
	pn_identity_free(&r.id);
	return code;
}

int main(int argc, char **argv)
{
	struct pn_request req;
	struct pn_error err;
	pn_error_init(&err);
	startup();
	if (!pn_priv_init(&err))
		return fail(&err);
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
