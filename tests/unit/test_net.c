/* test_net.c - the deadlines of net.c (see net.h), over socketpairs and
 * pipes, without a network: a reply that trickles in ends by its deadline,
 * an unarmed call by the timeout from its start, a turn of the connection
 * ends an armed deadline, and the body's bound. */
#include "net.h"
#include "tap.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_MS 600

/* trickler - a child writing one byte to fd every 100 ms, never a line end,
 * for 5 s at most */
static pid_t trickler(int fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	for (int i = 0; i < 50; i++) {
		if (write(fd, "x", 1) != 1)
			break;
		usleep(100000);
	}
	_exit(0);
}

/* stop - end the child */
static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* trickled - readline on a line that never ends, armed or not: both end
 * about one timeout after the call started, with PN_CONN_TIMEOUT */
static void trickled(bool armed)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		tap_ok(false, "socketpair");
		return;
	}
	pid_t pid = trickler(sv[1]);
	struct pn_conn *c = pn_conn_fds(sv[0], sv[0], "trickle", TIMEOUT_MS);
	struct pn_buf line;
	struct pn_error err;
	pn_buf_init(&line, 4096);
	pn_error_init(&err);
	if (armed)
		pn_conn_reply_deadline(c);
	long long t0 = pn_now_ms();
	bool got = pn_conn_readline(c, &line, &err);
	long long took = pn_now_ms() - t0;
	const char *how = armed ? "armed" : "unarmed";
	tap_ok(!got, "%s: a line trickled in byte by byte is not complete", how);
	tap_is_int(pn_conn_failure(c), PN_CONN_TIMEOUT, "... it ends by a deadline");
	/* the trickle lasts 5 s: a wait that started again with every byte
	 * would end only then (the bound is loose for a loaded machine) */
	tap_ok(took >= TIMEOUT_MS - 100 && took < TIMEOUT_MS + 3000, "%s: ... one timeout after the call began (%lld ms)",
	       how, took);
	tap_ok(strstr(err.msg, "timed out after 1 s") != NULL, "... the message says so: %s", err.msg);
	stop(pid);
	pn_buf_free(&line);
	pn_conn_close(c);
	close(sv[0]);
	close(sv[1]);
}

/* turn - an armed deadline that has passed fails a read at once; a write
 * after it ends it, so the next read has a timeout of its own */
static void turn(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		tap_ok(false, "socketpair");
		return;
	}
	struct pn_conn *c = pn_conn_fds(sv[0], sv[0], "turn", TIMEOUT_MS);
	struct pn_buf line;
	struct pn_error err;
	pn_buf_init(&line, 4096);
	pn_error_init(&err);
	tap_ok(write(sv[1], "250 ok\r\n", 8) == 8, "turn: a reply is waiting");
	pn_conn_deadline(c, pn_deadline_in(0));
	tap_ok(pn_conn_readline(c, &line, &err), "turn: what is there is read after the deadline");
	tap_is_str(line.data, "250 ok", "... the line without CRLF");
	long long t0 = pn_now_ms();
	tap_ok(!pn_conn_readline(c, &line, &err), "turn: a read that must wait past the deadline fails");
	tap_ok(pn_now_ms() - t0 < TIMEOUT_MS - 100, "... at once (%lld ms)", pn_now_ms() - t0);
	pn_error_init(&err);
	tap_ok(pn_conn_write(c, "NOOP\r\n", 6, &err) && pn_conn_flush(c, &err), "turn: a write after reads goes");
	t0 = pn_now_ms();
	tap_ok(!pn_conn_readline(c, &line, &err), "turn: the next read waits again");
	long long took = pn_now_ms() - t0;
	tap_ok(took >= TIMEOUT_MS - 100, "... for its own timeout, the deadline ended with the turn (%lld ms)", took);
	pn_buf_free(&line);
	pn_conn_close(c);
	close(sv[0]);
	close(sv[1]);
}

/* pipes - -bs's case: reads from one pipe, writes to another, both
 * blocking; closing the connection leaves the fds open */
static void pipes(void)
{
	int in[2], out[2];
	if (pipe(in) < 0 || pipe(out) < 0) {
		tap_ok(false, "pipe");
		return;
	}
	struct pn_conn *c = pn_conn_fds(in[0], out[1], "pipes", TIMEOUT_MS);
	struct pn_error err;
	pn_error_init(&err);
	tap_ok(write(in[1], "HELO x\r\nQU", 10) == 10, "pipes: input written");
	tap_ok(pn_conn_more(c, &err), "pipes: more input");
	size_t n;
	const char *p = pn_conn_peek(c, &n);
	tap_is_mem(p, n, "HELO x\r\nQU", 10, "pipes: peek gives what came");
	pn_conn_consume(c, 8);
	tap_ok(write(in[1], "IT\r\n", 4) == 4, "pipes: the rest written");
	tap_ok(pn_conn_more(c, &err), "pipes: more input after the unread bytes");
	p = pn_conn_peek(c, &n);
	tap_is_mem(p, n, "QUIT\r\n", 6, "pipes: the unread bytes come first");
	tap_ok(pn_conn_write(c, "221 bye\r\n", 9, &err) && pn_conn_flush(c, &err), "pipes: a reply written");
	char buf[16] = "";
	tap_is_int(read(out[0], buf, sizeof(buf)), 9, "pipes: the reply arrives");
	close(in[1]);
	tap_ok(!pn_conn_more(c, &err) && pn_conn_failure(c) == PN_CONN_EOF, "pipes: the end of the input is EOF");
	pn_conn_close(c);
	tap_ok(fcntl(in[0], F_GETFD) >= 0 && fcntl(out[1], F_GETFD) >= 0, "pipes: the fds stay open");
	close(in[0]);
	close(out[0]);
	close(out[1]);
}

/* bounds - the deadline helpers and the body's bound */
static void bounds(void)
{
	struct pn_conn *c = pn_conn_fds(0, 1, "bounds", 3000);
	tap_is_int(pn_conn_bulk_ms(c, 0), 3000, "bulk: nothing to send, one timeout");
	tap_is_int(pn_conn_bulk_ms(c, 10 * PN_BULK_RATE), 13000, "bulk: one more second per PN_BULK_RATE bytes");
	tap_is_int(pn_conn_bulk_ms(c, PN_BULK_RATE / 2), 3500, "bulk: and part of one");
	pn_conn_close(c);
	c = pn_conn_fds(0, 1, "bounds", -1);
	tap_is_int(pn_conn_bulk_ms(c, 1000000), -1, "bulk: no timeout, no bound");
	pn_conn_close(c);
	tap_ok(!pn_deadline_passed(PN_NEVER) && pn_deadline_in(-1).at == -1, "never never passes");
	tap_ok(pn_deadline_passed(pn_deadline_in(0)), "a deadline of 0 ms has passed");
	struct pn_deadline a = pn_deadline_in(1000), b = pn_deadline_in(5000);
	tap_ok(pn_deadline_first(a, b).ms == 1000 && pn_deadline_first(b, a).ms == 1000, "first: the earlier one");
	tap_ok(pn_deadline_first(PN_NEVER, b).ms == 5000 && pn_deadline_first(a, PN_NEVER).ms == 1000,
	       "first: never comes last");
}

/* local_hosts - which hosts, as written, are this machine (net.h):
 * decided by the text alone, so a name that merely resolves to 127.0.0.1
 * is not local */
static void local_hosts(void)
{
	static const struct {
		const char *host;
		bool local;
	} cases[] = {
		{"localhost", true},        {"LocalHost", true},      {"127.0.0.1", true},
		{"127.0.0.2", true},        {"127.255.255.254", true}, {"::1", true},
		{"0:0:0:0:0:0:0:1", true},  {"::ffff:127.0.0.1", true}, {"128.0.0.1", false},
		{"126.0.0.1", false},       {"10.0.0.1", false},      {"::2", false},
		{"::", false},              {"0.0.0.0", false},       {"::ffff:10.0.0.1", false},
		{"smtp.postern.test", false}, {"localhost.example.com", false}, {"localhost.", false},
		{"mylocalhost", false},     {"127.0.0.1.nip.io", false}, {"127.1", false},
		{"[::1]", false},           {"[127.0.0.1]", false},   {" 127.0.0.1", false},
		{"", false},                {NULL, false},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++)
		tap_ok(pn_host_is_local(cases[i].host) == cases[i].local, "host '%s' is %slocal",
		       cases[i].host ? cases[i].host : "(null)", cases[i].local ? "" : "not ");
}

/* socks_child - a one-shot SOCKS5 proxy on lfd: checks the client's
 * greeting and CONNECT against want, answers success with a domain-name
 * bound address and the server's greeting in the same write; exits 0 when
 * the client's bytes were as wanted */
static void socks_child(int lfd, const unsigned char *want, size_t wn)
{
	int c = accept(lfd, NULL, NULL);
	unsigned char got[300];
	size_t n = 0;
	ssize_t r;
	while (n < wn && (r = read(c, got + n, sizeof(got) - n)) > 0) {
		n += (size_t)r;
		if (n == 3 && write(c, "\x05\x00", 2) != 2)
			_exit(2);
	}
	static const char reply[] = "\x05\x00\x00\x03\x04mx.x\x00\x19" "220 hi\r\n";
	if (write(c, reply, sizeof(reply) - 1) != (ssize_t)sizeof(reply) - 1)
		_exit(2);
	_exit(n == wn && memcmp(got, want, wn) == 0 ? 0 : 1);
}

/* socks - pn_conn_open through a SOCKS5 proxy: the exact bytes of the
 * handshake (the host by name), and the server's greeting that came in the
 * same segment as the proxy's answer is read after it */
static void socks(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		tap_ok(false, "socks: listen on 127.0.0.1");
		return;
	}
	static const unsigned char want[] = "\x05\x01\x00" "\x05\x01\x00\x03\x10smtp.example.com\x02\x4b";
	pid_t pid = fork();
	if (pid == 0)
		socks_child(lfd, want, sizeof(want) - 1);
	close(lfd);
	struct pn_route via = {NULL, NULL, "127.0.0.1", ntohs(sa.sin_port)};
	struct pn_error err;
	struct pn_buf line;
	pn_error_init(&err);
	pn_buf_init(&line, 4096);
	struct pn_conn *c = pn_conn_open("smtp.example.com", 587, &via, 5, &err);
	tap_ok(c != NULL, "socks: connected through the proxy%s%s", c ? "" : ": ", c ? "" : err.msg);
	tap_is_str(c ? pn_conn_name(c) : NULL, "smtp.example.com:587", "socks: the connection is named after the server");
	tap_ok(c && pn_conn_readline(c, &line, &err), "socks: the server's greeting is read after the proxy's answer");
	tap_is_str(line.data, "220 hi", "... whole");
	int status = -1;
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "socks: the proxy got 05 01 00, then CONNECT with the host by name (type 3) and port 587");
	pn_buf_free(&line);
	pn_conn_close(c);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	local_hosts();
	socks();
	bounds();
	trickled(true);
	trickled(false);
	turn();
	pipes();
	return tap_done();
}
