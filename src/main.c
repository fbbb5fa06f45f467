/* main.c - postern: start-up hygiene, the command line, and the mode; the
 * run itself is send.c.  The only file that exits (besides the allocator
 * when memory runs out).
 */
#include "common.h"

#include "checkconfig.h"
#include "cli.h"
#include "migrate.h"
#include "net.h"
#include "oauthlogin.h"
#include "privilege.h"
#include "rcfile.h"
#include "send.h"
#include "serverinfo.h"

#include <errno.h>
#include <fcntl.h>
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
	/* the locale is read when the first message needs it (i18n.c) */
}

/* drain_stdin - a caller still writing the message must not die of SIGPIPE
 * because the command line was wrong; a terminal is not waited on */
static void drain_stdin(void)
{
	char buf[65536];
	while (!isatty(0)) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
}

/* run - everything but the exit */
static int run(int argc, char **argv)
{
	struct pn_request req;
	struct pn_error err;
	pn_error_init(&err);
	pn_progname_set(argc > 0 ? argv[0] : NULL);
	startup();
	if (!pn_priv_init(&err))
		return pn_fail(&err);
	if (!pn_cli_parse(argc, argv, pn_rc_option, &req, &err)) {
		int code = pn_fail(&err);
		drain_stdin();
		if (code == EX_USAGE)
			fprintf(stderr, _("Try '%s --help' for more information.\n"), pn_progname());
		return code;
	}
	switch (req.mode) {
	case PN_MODE_HELP:
		pn_cli_usage();
		pn_rc_usage(stdout);
		return EX_OK;
	case PN_MODE_VERSION:
		printf("postern %s\nsystem file: /etc/postern.conf\nsystem group: %s\n", PACKAGE_VERSION, POSTERN_GROUP);
		return EX_OK;
	case PN_MODE_MAILQ:
		printf(_("postern: there is no mail queue: postern delivers every message at once\n"));
		return EX_OK;
	case PN_MODE_NEWALIASES:
		return pn_newaliases_run(&req, &err);
	case PN_MODE_SERVE:
		return pn_send_serve(&req, &err);
	case PN_MODE_PRETEND:
		return pn_pretend_run(&req, &err);
	case PN_MODE_CONFIGURE:
		return pn_configure_run(&req, &err);
	case PN_MODE_SERVERINFO:
		return pn_serverinfo_run(&req, &err);
	case PN_MODE_RMQS:
		return pn_rmqs_run(&req, &err);
	case PN_MODE_OAUTH2_LOGIN:
		return pn_oauth_login_run(&req, &err);
	case PN_MODE_CHECK_CONFIG:
		return pn_check_config_run(&req, &err);
	case PN_MODE_LIST_ACCOUNTS:
		return pn_accounts_run(&req, &err);
	case PN_MODE_IMPORT:
		return pn_migrate_run(&req, &err);
	case PN_MODE_SEND:
	case PN_MODE_VERIFY:
		break;
	}
	return pn_send_run(&req, &err);
}

/* end_by_signal - a send that SIGTERM, SIGHUP or SIGINT interrupted ends
 * by that signal, once the message is kept and logged, as the sender of the
 * signal expects; a message delivered before it came exits 0 */
static void end_by_signal(int code)
{
	int sig = pn_signal_caught();
	if (!sig || code == EX_OK)
		return;
	fflush(NULL);
	signal(sig, SIG_DFL);
	pn_signals_release();
	raise(sig);
}

/* main - the exit skips the libraries' destructors: GnuTLS would spend more
 * freeing its global state than the kernel does.  Under AddressSanitizer
 * the normal exit stays, for LeakSanitizer. */
int main(int argc, char **argv)
{
	int code = run(argc, argv);
	end_by_signal(code);
#if defined(__SANITIZE_ADDRESS__)
	return code;
#else
	fflush(NULL);
	_exit(code);
#endif
}
