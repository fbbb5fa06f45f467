/* secret.c - password sources (see secret.h). */
#include "secret.h"

#include "command.h"
#include "keyring.h"
#include "net.h"
#include "netrc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#define SECRET_MAX 4096

/* run_eval - the first line of passwordeval's output */
static bool run_eval(const struct pn_account *a, bool clean_env, struct pn_secret *out, struct pn_error *err)
{
	char *buf = pn_xmalloc(SECRET_MAX);
	int status;
	enum pn_command_result r = pn_command_line(a->passwordeval, clean_env, a->timeout, buf, SECRET_MAX, &status);
	bool ok = false;
	if (r == PN_COMMAND_NOT_RUN)
		pn_error_errno(err, EX_OSERR, errno, _("account %s: cannot run passwordeval"), a->name);
	else if (r == PN_COMMAND_TIMEOUT)
		pn_error_set(err, EX_CONFIG, _("account %s: passwordeval did not finish within %d s"), a->name, a->timeout);
	else if (r == PN_COMMAND_FAILED)
		pn_error_set(err, EX_CONFIG, _("account %s: passwordeval failed (exit status %d)"), a->name, status);
	else if (!buf[0])
		pn_error_set(err, EX_CONFIG, _("account %s: passwordeval printed no password"), a->name);
	else {
		pn_secret_copy(out, buf, strlen(buf));
		ok = true;
	}
	pn_wipe(buf, SECRET_MAX);
	free(buf);
	return ok;
}

/* prompt - ask on the terminal with echo off; false without a terminal */
static bool prompt(const struct pn_account *a, struct pn_secret *out)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char *q = pn_xasprintf(_("%s: password for %s at %s: "), pn_progname(), a->user, pn_account_server(a));
	struct termios old, quiet;
	bool echo_off = tcgetattr(fd, &old) == 0;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &quiet);
	bool ok = pn_write_all(fd, q, strlen(q));
	char buf[SECRET_MAX];
	size_t n = 0;
	for (char c; ok && n + 1 < sizeof(buf) && read(fd, &c, 1) == 1 && c != '\n';)
		buf[n++] = c;
	buf[n] = '\0';
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	ok = pn_write_all(fd, "\n", 1) && ok && n > 0;
	if (ok)
		pn_secret_copy(out, buf, n);
	pn_wipe(buf, sizeof(buf));
	free(q);
	close(fd);
	return ok;
}

/* pn_secret_get - see secret.h */
bool pn_secret_get(const struct pn_account *a, const struct pn_secret_ctx *ctx, struct pn_secret *out,
		   struct pn_error *err)
{
	out->p = NULL;
	if (a->password) {
		pn_secret_copy(out, a->password, strlen(a->password));
		return true;
	}
	if (a->passwordeval)
		return run_eval(a, ctx->clean_env, out, err);
	char why[300];
	if (pn_keyring_lookup(pn_account_server(a), a->user, out, why, sizeof(why)) == PN_KEYRING_FOUND)
		return true;
	char *netrc = pn_xasprintf("%s/.netrc", ctx->home ? ctx->home : "/nonexistent");
	bool found = pn_netrc_lookup(netrc, pn_account_server(a), a->user, out, err);
	free(netrc);
	if (found)
		return true;
	if (pn_error_isset(err))
		return false;
	if (prompt(a, out))
		return true;
	pn_error_set(err, EX_CONFIG,
		     _("account %s: no password for %s at %s: none in the rc file, %s, none in ~/.netrc, and no terminal to ask on"),
		     a->name, a->user, pn_account_server(a), why);
	return false;
}

