/*
 * bench/rusage.c - run one command, report its own wall time, CPU and peak RSS.
 *
 *   rusage REPORT command [arg...]
 *
 * Forks, execs command (stdin, stdout and stderr are inherited), waits for it
 * with wait4() and writes one line to the file REPORT:
 *
 *   wall_ns user_us sys_us maxrss_kib exit_status
 *
 * exit_status is the exit code, or 128 + the signal number.  The command's
 * CPU is that of the command and the children it waited for, nothing else.
 * Why a separate program: Linux records a child's peak RSS from the address
 * space it had when it called exec, which for a child of the Python driver is
 * the Python interpreter's (about 16 MiB); this program is linked statically
 * and stays far smaller, so ru_maxrss is the command's own.  Exit 0 when the
 * report was written, 1 otherwise.  Not part of postern.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, code;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fputs("usage: rusage REPORT command [arg...]\n", stderr);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 1;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		fprintf(stderr, "rusage: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rusage: wait4");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(argv[1], "w");
	if (out == NULL) {
		perror("rusage: report");
		return 1;
	}
	fprintf(out, "%lld %lld %lld %ld %d\n",
		(long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
		(long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
		(long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec,
		ru.ru_maxrss, code);
	return fclose(out) == 0 ? 0 : 1;
}
