/* test_loopback.c - the redirect listener of --oauth2-login (loopback.c):
 * a child plays the browser (a spare connection that never sends, a
 * favicon request, then the redirect) while the listener answers; and a
 * wait with no redirect ends at its deadline. */
#include "loopback.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

/* dial - a connection to 127.0.0.1:port */
static int dial(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		_exit(90);
	return fd;
}

/* ask - one request, the whole answer into out (the child's side) */
static void ask(int port, const char *req, char *out, size_t size)
{
	int fd = dial(port);
	if (!pn_write_all(fd, req, strlen(req)))
		_exit(91);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < size && (r = read(fd, out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd);
}

/* browser - the child: exit 0 when every answer was the expected one */
static void browser(int port)
{
	char ans[4096];
	int spare = dial(port); /* as a browser's preconnect: never sends */
	ask(port, "GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n", ans, sizeof(ans));
	if (strncmp(ans, "HTTP/1.1 404 ", 13) != 0)
		_exit(1);
	static char big[20000];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET /?code=", 11);
	ask(port, big, ans, sizeof(ans));
	if (strncmp(ans, "HTTP/1.1 400 ", 13) != 0)
		_exit(3); /* past the cap: 400, and the wait goes on */
	ask(port, "GET /?code=c&state=s HTTP/1.1\r\nHost: x\r\n\r\n", ans, sizeof(ans));
	if (strncmp(ans, "HTTP/1.1 200 ", 13) != 0 || !strstr(ans, "\r\n\r\nsigned in"))
		_exit(2);
	close(spare);
	_exit(0);
}

struct seen {
	int requests;
	char last[256];
};

/* on_line - 404 for anything but the redirect, which ends the wait */
static void on_line(void *ctx, const char *line, size_t n, struct pn_loopback_answer *a)
{
	struct seen *s = ctx;
	s->requests++;
	snprintf(s->last, sizeof(s->last), "%.*s", (int)n, line);
	bool done = n > 6 && strncmp(line, "GET /?", 6) == 0;
	*a = (struct pn_loopback_answer){done ? 200 : 404, done ? "signed in\n" : "no\n", done};
}

int main(void)
{
	struct pn_error err;
	pn_error_init(&err);
	int port = 0;
	int fd = pn_loopback_open(&port, &err);
	tap_ok(fd >= 0 && port > 0, "listening on 127.0.0.1, a port of the kernel's");
	pid_t pid = fork();
	if (pid == 0)
		browser(port);
	struct seen s = {0, ""};
	/* 8 s: less than one request may take (10 s), so a spare connection
	 * that held the others up would make the wait run out */
	bool ok = pn_loopback_serve(fd, pn_deadline_in(8000), on_line, &s, &err);
	tap_ok(ok, "the redirect ended the wait, past a connection that never sent anything");
	tap_is_int(s.requests, 2, "two requests were read");
	tap_is_str(s.last, "GET /?code=c&state=s HTTP/1.1", "the last one's request line, without CRLF");
	int st = -1;
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "the browser had 404 for the favicon, 400 for a request too long, 200 with the page (exit %d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	pn_error_init(&err);
	long long t0 = pn_now_ms();
	ok = pn_loopback_serve(fd, pn_deadline_in(300), on_line, &s, &err);
	tap_ok(!ok && err.code == EX_TEMPFAIL, "no redirect: the wait ends at its deadline with 75");
	tap_ok(pn_now_ms() - t0 < 5000, "... and not much later");
	tap_ok(strstr(err.msg, "--oauth2-login") != NULL, "... saying to run --oauth2-login again: %s",
	       err.msg);
	close(fd);
	return tap_done();
}
