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

/* load_config - -C FILE alone, or the standard files */
static bool load_config(const struct pn_request *req, struct pn_config *cfg, struct pn_error *err)
{
	if (req->config_file)
		return pn_config_load(cfg, req->config_file, false, err);
	return pn_config_load_standard(cfg, err);
}

/* recipients - argv address lists, the headers' with -t, then aliases */
static bool recipients(const struct pn_request *req, const struct pn_account *a, struct pn_message *m,
		       struct pn_addrlist *rcpt, struct pn_error *err)
{
	for (size_t i = 0; i < req->nrcpt; i++)
		if (!pn_address_parse_list(req->rcpt[i], strlen(req->rcpt[i]), rcpt, err))
			return false;
	if (req->read_recipients && !pn_message_recipients(m, rcpt, err))
		return false;
	pn_message_drop(m, "Bcc");
	if (a->aliases) {
		struct pn_aliases *al = pn_aliases_load(a->aliases, err);
		bool ok = al && pn_aliases_expand(al, rcpt, err);
		pn_aliases_free(al);
		if (!ok)
			return false;
	}
	if (rcpt->n == 0)
		pn_error_set(err, EX_USAGE, _("no recipients: give them as arguments or use -t"));
	return rcpt->n > 0;
}

/* deliver - everything after the account is known */
static bool deliver(const struct pn_request *req, const struct pn_account *a, struct pn_identity *id,
		    struct pn_message *m, struct pn_log_entry *log, struct pn_outcome *out, struct pn_error *err)
{
	struct pn_smtp_params p;
	pn_account_params(a, id, &p);
	p.verbose = req->verbose;
	p.dsn_notify = req->dsn_notify;
	p.dsn_ret = req->dsn_ret;
	p.dsn_envid = req->dsn_envid;
	char *from = pn_account_from(a, req->from, id);
	struct pn_addrlist *rcpt = pn_xcalloc(1, sizeof(*rcpt));
	struct pn_secret secret = {NULL};
	log->from = from;
	log->rcpt = rcpt;
	bool ok = pn_address_check(from, _("sender"), err) && recipients(req, a, m, rcpt, err) &&
		  pn_message_complete(m, from, req->fullname, p.helo, err) && pn_message_prepare(m, err) &&
		  (p.auth == PN_AUTH_OFF || pn_secret_get(a, &secret, err));
	p.password = secret.value;
	ok = ok && pn_smtp_deliver(&p, from, rcpt, m, out, err);
	log->mailsize = m->size;
	pn_secret_wipe(&secret);
	return ok;
}

/* send_mode - read the message, find the account, deliver, log */
static int send_mode(const struct pn_request *req, struct pn_error *err)
{
	struct pn_message m;
	struct pn_identity id = {NULL, NULL, NULL};
	struct pn_config cfg;
	struct pn_outcome out;
	memset(&out, 0, sizeof(out));
	bool have_msg = pn_message_read(&m, 0, req->ignore_dots, err);
	bool ok = have_msg && pn_identity_get(&id, err);
	pn_config_init(&cfg, id.home);
	ok = ok && load_config(req, &cfg, err);
	const struct pn_account *a = ok ? pn_account_choose(&cfg, req->account, req->from, err) : NULL;
	ok = a && pn_account_check(a, err);
	struct pn_log_entry log = {.account = a, .outcome = &out, .err = err};
	if (ok && !deliver(req, a, &id, &m, &log, &out, err))
		ok = false;
	int code = ok ? EX_OK : fail(err);
	struct pn_error logerr;
	pn_error_init(&logerr);
	if (a && !pn_log_write(&log, req->logfile ? req->logfile : a->logfile, a->syslog, req->syslog_label, &logerr))
		fail(&logerr);
	if (log.rcpt) {
		pn_addrlist_free((struct pn_addrlist *)log.rcpt);
		free((void *)log.rcpt);
	}
	free((char *)log.from);
	pn_config_free(&cfg);
	pn_identity_free(&id);
	if (have_msg)
		pn_message_free(&m);
	return code;
}

/* newaliases_mode - check the aliases file of the default account */
static int newaliases_mode(const struct pn_request *req, struct pn_error *err)
{
	struct pn_identity id = {NULL, NULL, NULL};
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
		break;
	}
	return send_mode(&req, &err);
}
