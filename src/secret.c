/* secret.c - password sources (see secret.h). */
#include "secret.h"

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

/* script - a sealed-in-memory file holding the command, for the shell to
 * read as fd 3: the command never reaches an argv that ps shows.  It
 * starts by closing fd 3, so the commands it runs do not inherit it. */
static int script(const char *cmd)
{
	int fd = memfd_create("postern-passwordeval", MFD_CLOEXEC);
	char *text = pn_xasprintf("exec 3<&-\n%s\n", cmd);
	size_t len = strlen(text);
	if (fd >= 0 && !pn_write_all(fd, text, len)) {
		close(fd);
		fd = -1;
	}
	pn_wipe(text, len);
	free(text);
	return fd;
}

/* spawn - start the shell on the command with stdin on /dev/null, stdout
 * into a pipe; clean_env: with a fixed minimal environment.  Its argv is
 * always "sh [-p] -c . /dev/fd/3": the command is read from fd 3. */
static pid_t spawn(const char *cmd, bool clean_env, int *out_fd)
{
	int fds[2];
	int text = script(cmd);
	if (text < 0 || pipe2(fds, O_CLOEXEC) < 0) {
		if (text >= 0)
			close(text);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* its own group, so that a timeout ends its children too */
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC); /* only as fd 0 */
		/* dup2() onto itself would keep close-on-exec: clear it instead */
		bool at3 = text == 3 ? fcntl(3, F_SETFD, 0) == 0 : dup2(text, 3) == 3;
		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || !at3)
			_exit(127);
		static char *const minimal[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
		if (clean_env)
			/* -p: dash and bash otherwise give up the postern group */
			execle("/bin/sh", "sh", "-p", "-c", ". /dev/fd/3", (char *)NULL, minimal);
		else
			execl("/bin/sh", "sh", "-c", ". /dev/fd/3", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	close(text);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	*out_fd = fds[0];
	return pid;
}

/* read_output - the command's output up to EOF or the deadline */
static int read_output(int fd, char *buf, size_t size, size_t *len, int timeout_s)
{
	struct pn_deadline until = pn_deadline_in(timeout_s > 0 ? timeout_s * 1000LL : -1);
	*len = 0;
	for (;;) {
		if (pn_deadline_passed(until))
			return ETIMEDOUT;
		long long left = until.at < 0 ? -1 : until.at - pn_now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, left < 0 ? -1 : left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno != EINTR)
			return errno;
		if (r <= 0)
			continue; /* the deadline is checked above */
		char tmp[512];
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? errno : 0;
		size_t take = (size_t)n < size - 1 - *len ? (size_t)n : size - 1 - *len;
		memcpy(buf + *len, tmp, take);
		*len += take;
		pn_wipe(tmp, sizeof(tmp));
	}
}

/* reap - wait for the command to exit, at most timeout_s (0: no bound) */
static bool reap(pid_t pid, int *status, int timeout_s)
{
	struct pn_deadline until = pn_deadline_in(timeout_s > 0 ? timeout_s * 1000LL : -1);
	for (;;) {
		pid_t r = waitpid(pid, status, timeout_s > 0 ? WNOHANG : 0);
		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (pn_deadline_passed(until))
			return false;
		if (r == 0)
			(void)pn_sleep_ms(10);
	}
}

/* run_eval - the first line of passwordeval's output */
static bool run_eval(const struct pn_account *a, bool clean_env, struct pn_secret *out, struct pn_error *err)
{
	int fd;
	pid_t pid = spawn(a->passwordeval, clean_env, &fd);
	if (pid < 0) {
		pn_error_errno(err, EX_OSERR, errno, _("account %s: cannot run passwordeval"), a->name);
		return false;
	}
	char *buf = pn_xmalloc(SECRET_MAX);
	size_t len = 0;
	int rerr = read_output(fd, buf, SECRET_MAX, &len, a->timeout);
	close(fd);
	int status = 0;
	if (rerr != ETIMEDOUT && !reap(pid, &status, a->timeout))
		rerr = ETIMEDOUT; /* closed its output but kept running */
	if (rerr == ETIMEDOUT) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	bool ok = false;
	if (rerr == ETIMEDOUT)
		pn_error_set(err, EX_CONFIG, _("account %s: passwordeval did not finish within %d s"), a->name, a->timeout);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		pn_error_set(err, EX_CONFIG, _("account %s: passwordeval failed (exit status %d)"), a->name,
			     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
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
	char *q = pn_xasprintf(_("postern: password for %s at %s: "), a->user, pn_account_server(a));
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

