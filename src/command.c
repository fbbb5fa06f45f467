/* command.c - a shell command's first line of output (see command.h). */
#include "command.h"

#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* script - a sealed-in-memory file holding the command, for the shell to
 * read as fd 3: the command never reaches an argv that ps shows.  It
 * starts by closing fd 3, so the commands it runs do not inherit it. */
static int script(const char *cmd)
{
	int fd = memfd_create("postern-command", MFD_CLOEXEC);
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

/* pn_command_line - see command.h */
enum pn_command_result pn_command_line(const char *cmd, bool clean_env, int timeout_s, char *buf, size_t size,
				       int *status)
{
	int fd;
	*status = 0;
	buf[0] = '\0';
	pid_t pid = spawn(cmd, clean_env, &fd);
	if (pid < 0)
		return PN_COMMAND_NOT_RUN;
	size_t len = 0;
	int rerr = read_output(fd, buf, size, &len, timeout_s);
	close(fd);
	if (rerr != ETIMEDOUT && !reap(pid, status, timeout_s))
		rerr = ETIMEDOUT; /* closed its output but kept running */
	if (rerr == ETIMEDOUT) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (rerr == ETIMEDOUT)
		return PN_COMMAND_TIMEOUT;
	if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
		*status = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
		return PN_COMMAND_FAILED;
	}
	return PN_COMMAND_OK;
}
