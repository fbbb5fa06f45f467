/* secret.c - password sources (see secret.h). */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define SECRET_MAX 4096

/* spawn - start /bin/sh -c cmd with stdin on /dev/null, stdout into a pipe */
static pid_t spawn(const char *cmd, int *out_fd)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
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
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	*len = 0;
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		int left = timeout_s > 0 ? (int)(timeout_s * 1000L - elapsed) : -1;
		if (timeout_s > 0 && left <= 0)
			return ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return errno;
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

/* run_eval - the first line of passwordeval's output */
static bool run_eval(const struct pn_account *a, struct pn_secret *out, struct pn_error *err)
{
	int fd;
	pid_t pid = spawn(a->passwordeval, &fd);
	if (pid < 0) {
		pn_error_errno(err, EX_OSERR, errno, _("account %s: cannot run passwordeval"), a->name);
		return false;
	}
	char *buf = pn_xmalloc(SECRET_MAX);
	size_t len = 0;
	int rerr = read_output(fd, buf, SECRET_MAX, &len, a->timeout);
	close(fd);
	if (rerr == ETIMEDOUT)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
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
		out->value = pn_xstrdup(buf);
		ok = true;
	}
	pn_wipe(buf, SECRET_MAX);
	free(buf);
	return ok;
}

/* pn_secret_get - see secret.h */
bool pn_secret_get(const struct pn_account *a, struct pn_secret *out, struct pn_error *err)
{
	out->value = NULL;
	if (a->password) {
		out->value = pn_xstrdup(a->password);
		return true;
	}
	if (a->passwordeval)
		return run_eval(a, out, err);
	pn_error_set(err, EX_CONFIG, _("account %s: authentication is on but no password is set (use password or passwordeval)"),
		     a->name);
	return false;
}

void pn_secret_wipe(struct pn_secret *s)
{
	pn_free_wiped(s->value);
	s->value = NULL;
}
