/* net.c - TCP connect with timeouts, buffered I/O over a transport, and
 * the deadlines every wait ends by (see net.h).
 *
 * Every address the host name resolves to is tried in order (IPv6 and IPv4,
 * as getaddrinfo returns them), each with the account's timeout.  Sockets are
 * non-blocking, close-on-exec and TCP_NODELAY: postern writes whole blocks
 * and flushes only at protocol boundaries, so Nagle would only add delay.
 * A connection over given fds (-bs: standard input and output, which may be
 * blocking pipes shared with the caller) is left in its mode: it is read and
 * written only as far as poll() says it is ready.
 * Errors: 68 for a name that does not exist, 75 for everything transient.
 *
 * The other routes (struct pn_route): a Unix-domain socket (socket), a
 * source address bound before connect (source_ip), and a SOCKS5 proxy
 * (RFC 1928, method "no authentication") that is given the server's name
 * as written and resolves it, as msmtp does.  The proxy's handshake runs
 * over the connection itself, so its waits have the same bounds (one
 * timeout for the whole of it), and bytes the server sends right after
 * the proxy's answer stay buffered for smtp.c.  A send without them does
 * nothing more than a direct connect.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define RBUF_SIZE 16384
#define WBUF_SIZE 65536
#define POLL_MAX_MS 3600000 /* one poll() at most; the deadline is checked again */
#define FD_WRITE_MAX 4096   /* what a pipe that poll() called writable takes */
#define CALL_UNSET (-2)     /* a call's own deadline, set at its first wait */

struct pn_conn {
	int fd, wfd;              /* read and write ends: one socket, or two fds (-bs) */
	bool tcp, owned;          /* a socket postern connected, closed with the conn */
	bool wpipe;               /* wfd is no socket (send said ENOTSOCK): write(2) */
	int timeout_ms;           /* -1: no timeout */
	struct pn_deadline armed; /* see net.h */
	int turn;                 /* 0, POLLIN or POLLOUT: the way bytes went since armed */
	enum pn_conn_failure failure;
	char name[300]; /* host:port */
	const char *phase;
	struct pn_transport plain;
	struct pn_transport t;
	size_t rpos, rlen, rmax; /* rmax, wmax: how much of each buffer was used */
	size_t wlen, wmax;
	char rbuf[RBUF_SIZE];    /* the buffers last: not cleared when allocated */
	char wbuf[WBUF_SIZE];
};

/* pn_now_ms - see net.h */
long long pn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pn_deadline_in - see net.h */
struct pn_deadline pn_deadline_in(long long ms)
{
	return ms < 0 ? PN_NEVER : (struct pn_deadline){pn_now_ms() + ms, ms};
}

/* pn_deadline_first - see net.h */
struct pn_deadline pn_deadline_first(struct pn_deadline a, struct pn_deadline b)
{
	if (a.at < 0)
		return b;
	return b.at >= 0 && b.at < a.at ? b : a;
}

/* pn_deadline_passed - see net.h */
bool pn_deadline_passed(struct pn_deadline d)
{
	return d.at >= 0 && pn_now_ms() >= d.at;
}

/* quickack - acknowledge what arrives at once.  The server's replies come
 * as small segments (often two in a row, say a TLS record and the reply
 * after it); a delayed ACK would hold the server's second one for 40 ms
 * under Nagle's algorithm.  The kernel turns this off again after a while,
 * so it is set before every wait for input. */
static void quickack(const struct pn_conn *c)
{
	int one = 1;
	if (c->tcp)
		setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/* plain_read - the socket itself as a transport */
static ssize_t plain_read(void *ctx, void *buf, size_t n, int *want)
{
	struct pn_conn *c = ctx;
	ssize_t r = read(c->fd, buf, n);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		*want = POLLIN;
		return PN_IO_AGAIN;
	}
	return r;
}

/* plain_write - send on the socket, never raising SIGPIPE */
static ssize_t plain_write(void *ctx, const void *buf, size_t n, int *want)
{
	struct pn_conn *c = ctx;
	ssize_t r = send(c->wfd, buf, n, MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		*want = POLLOUT;
		return PN_IO_AGAIN;
	}
	return r;
}

/* plain_error - errno text */
static const char *plain_error(void *ctx, ssize_t rc)
{
	return PN_FOREIGN(strerror(errno));
}

/* ready - whether fd is ready for events now (or in error: the read or
 * write that follows reports it) */
static bool ready(int fd, int events)
{
	struct pollfd p = {.fd = fd, .events = (short)events};
	return poll(&p, 1, 0) != 0;
}

/* fd_read - an fd that may be blocking (standard input): read only what
 * poll() says is there */
static ssize_t fd_read(void *ctx, void *buf, size_t n, int *want)
{
	struct pn_conn *c = ctx;
	*want = POLLIN;
	if (!ready(c->fd, POLLIN))
		return PN_IO_AGAIN;
	return plain_read(ctx, buf, n, want);
}

/* fd_write - an fd that may be blocking: a socket takes what it can
 * without blocking, a pipe that poll() called writable takes a page */
static ssize_t fd_write(void *ctx, const void *buf, size_t n, int *want)
{
	struct pn_conn *c = ctx;
	*want = POLLOUT;
	if (!ready(c->wfd, POLLOUT))
		return PN_IO_AGAIN;
	ssize_t r = -1;
	if (!c->wpipe) /* a socket: no SIGPIPE, never blocking */
		r = send(c->wfd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (c->wpipe || (r < 0 && errno == ENOTSOCK)) {
		c->wpipe = true; /* not asked again */
		r = write(c->wfd, buf, n < FD_WRITE_MAX ? n : FD_WRITE_MAX);
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return PN_IO_AGAIN;
	return r;
}

/* the signals a send holds (net.h) */
static volatile sig_atomic_t caught;
static sigset_t open_mask; /* the mask to wait with while they are held */
static bool holding;

/* on_signal - remember which came; the wait it ended reports it */
static void on_signal(int sig)
{
	caught = sig;
}

/* pn_signals_hold - see net.h */
void pn_signals_hold(void)
{
	static const int sigs[] = {SIGTERM, SIGHUP, SIGINT};
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < PN_ARRAY_LEN(sigs); i++) {
		struct sigaction was;
		if (sigaction(sigs[i], NULL, &was) == 0 && was.sa_handler == SIG_IGN)
			continue; /* ignored by whoever started postern (a background job's SIGINT) */
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &set, &open_mask);
	holding = true;
}

/* pn_signals_release - see net.h */
void pn_signals_release(void)
{
	if (holding)
		sigprocmask(SIG_SETMASK, &open_mask, NULL);
	holding = false;
}

/* pn_signal_caught - see net.h */
int pn_signal_caught(void)
{
	return caught;
}

/* wait_poll - poll with the held signals let in: -1 with errno EINTR
 * when one of them came (or had come) */
static int wait_poll(struct pollfd *p, nfds_t n, int ms)
{
	if (caught) {
		errno = EINTR;
		return -1;
	}
	if (!holding)
		return poll(p, n, ms);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	return ppoll(p, n, ms < 0 ? NULL : &ts, &open_mask);
}

/* pn_sleep_ms - see net.h */
bool pn_sleep_ms(long long ms)
{
	struct pn_deadline until = pn_deadline_in(ms);
	while (!pn_deadline_passed(until)) {
		long long left = until.at - pn_now_ms();
		if (wait_poll(NULL, 0, (int)(left > POLL_MAX_MS ? POLL_MAX_MS : left)) < 0 && caught)
			return false;
	}
	return !caught;
}

/* wait_fd - poll one fd for events until the deadline; 1 ready, 0 timeout,
 * -1 a held signal came */
static int wait_fd(int fd, int events, struct pn_deadline until)
{
	for (;;) {
		int ms = -1;
		if (until.at >= 0) {
			long long left = until.at - pn_now_ms();
			ms = left > 0 ? (int)(left > POLL_MAX_MS ? POLL_MAX_MS : left) : 0;
		}
		struct pollfd p = {.fd = fd, .events = (short)events};
		int r = wait_poll(&p, 1, ms);
		if (r > 0)
			return 1;
		if (r == 0 && pn_deadline_passed(until))
			return 0;
		if (r < 0 && errno == EINTR && caught)
			return -1;
		if (r < 0 && errno != EINTR)
			return 1; /* let the following read or write report it */
	}
}

/* bind_source - bind fd to the address literal ip; 0, or the errno */
static int bind_source(int fd, const char *ip)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	int r;
	if (inet_pton(AF_INET6, ip, &s6.sin6_addr) == 1)
		r = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	else if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1)
		r = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	else
		return EINVAL;
	return r < 0 ? errno : 0;
}

/* connect_one - non-blocking connect to one address within timeout_ms,
 * bound to source first when one is given (*at_bind: binding failed, not
 * the connect) */
static int connect_one(const struct addrinfo *ai, const char *source, int timeout_ms, int *err,
		       bool *at_bind)
{
	*at_bind = false;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (source && (*err = bind_source(fd, source)) != 0) {
		*at_bind = true;
		close(fd);
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*err = errno;
			close(fd);
			return -1;
		}
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		int w = wait_fd(fd, POLLOUT, pn_deadline_in(timeout_ms));
		if (w <= 0)
			soerr = w < 0 ? EINTR : ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr) {
			*err = soerr;
			close(fd);
			return -1;
		}
	}
	if (ai->ai_family != AF_UNIX) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

/* resolve - getaddrinfo with errors mapped to exit codes */
static struct addrinfo *resolve(const char *host, int port, struct pn_error *err)
{
	char service[16];
	snprintf(service, sizeof(service), "%d", port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
	struct addrinfo *res = NULL;
	int r = getaddrinfo(host, service, &hints, &res);
	if (r == 0)
		return res;
	int code = (r == EAI_AGAIN) ? EX_TEMPFAIL : (r == EAI_SYSTEM || r == EAI_MEMORY) ? EX_OSERR : EX_NOHOST;
	pn_error_set(err, code, _("cannot resolve host name %s: %s"), host,
		     PN_FOREIGN(r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r)));
	return NULL;
}

/* conn_new - a connection over fds, with the given transport */
static struct pn_conn *conn_new(int in, int out, const char *name, int timeout_ms,
				ssize_t (*rd)(void *, void *, size_t, int *),
				ssize_t (*wr)(void *, const void *, size_t, int *))
{
	struct pn_conn *c = pn_xmalloc(sizeof(*c));
	memset(c, 0, offsetof(struct pn_conn, rbuf));
	c->fd = in;
	c->wfd = out;
	c->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	c->armed = PN_NEVER;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->plain = (struct pn_transport){rd, wr, plain_error, c};
	c->t = c->plain;
	c->phase = "";
	return c;
}

/* source_ok - a source_ip is an address literal (78 if not) */
static bool source_ok(const char *ip, struct pn_error *err)
{
	unsigned char a[sizeof(struct in6_addr)];
	if (!ip || inet_pton(AF_INET6, ip, a) == 1 || inet_pton(AF_INET, ip, a) == 1)
		return true;
	pn_error_set(err, EX_CONFIG, _("source_ip: '%s' is not an IPv4 or IPv6 address"), ip);
	return false;
}

/* tcp_connect - a socket connected to host:port, trying every address;
 * -1 with err set.  proxy: host is the SOCKS proxy, for the message. */
static int tcp_connect(const char *host, int port, const char *source, int timeout_ms, bool proxy,
		       struct pn_error *err)
{
	if (source && !source_ok(source, err))
		return -1;
	struct addrinfo *res = resolve(host, port, err);
	if (!res)
		return -1;
	int fd = -1, last = ECONNREFUSED;
	bool at_bind = false;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, source, timeout_ms, &last, &at_bind);
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (at_bind)
		pn_error_set(err, EX_TEMPFAIL, _("cannot connect to %s:%d from source address %s: %s"), host,
			     port, source, PN_FOREIGN(strerror(last)));
	else if (proxy)
		pn_error_set(err, EX_TEMPFAIL, _("cannot connect to the SOCKS proxy %s:%d: %s"), host, port,
			     PN_FOREIGN(strerror(last)));
	else {
		bool fresh = !pn_error_isset(err);
		pn_error_set(err, EX_TEMPFAIL, _("cannot connect to %s:%d: %s"), host, port,
			     PN_FOREIGN(strerror(last)));
		if (fresh && last == ETIMEDOUT) /* nothing answered: a firewall drops it (hint.c) */
			pn_error_cause(err, PN_CAUSE_CONNECT_TIMEOUT, NULL);
	}
	return -1;
}

/* tcp_conn - the connection over a connected TCP socket */
static struct pn_conn *tcp_conn(int fd, const char *host, int port, int timeout_ms)
{
	char name[300];
	snprintf(name, sizeof(name), "%s:%d", host, port);
	struct pn_conn *c = conn_new(fd, fd, name, timeout_ms, plain_read, plain_write);
	c->tcp = c->owned = true;
	quickack(c);
	return c;
}

/* unix_open - connect to a Unix-domain socket; it names the connection */
static struct pn_conn *unix_open(const char *path, int timeout_ms, struct pn_error *err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(sun.sun_path)) {
		pn_error_set(err, EX_CONFIG, _("socket: the path %s is longer than %zu bytes"), path,
			     sizeof(sun.sun_path) - 1);
		return NULL;
	}
	memcpy(sun.sun_path, path, n + 1);
	struct addrinfo ai = {.ai_family = AF_UNIX, .ai_socktype = SOCK_STREAM,
			      .ai_addr = (struct sockaddr *)&sun, .ai_addrlen = sizeof(sun)};
	int e = 0;
	bool at_bind = false;
	int fd = connect_one(&ai, NULL, timeout_ms, &e, &at_bind);
	if (fd < 0) {
		pn_error_set(err, EX_TEMPFAIL, _("cannot connect to %s: %s"), path, PN_FOREIGN(strerror(e)));
		return NULL;
	}
	struct pn_conn *c = conn_new(fd, fd, path, timeout_ms, plain_read, plain_write);
	c->owned = true;
	return c;
}

static struct pn_conn *proxy_open(const char *host, int port, const struct pn_route *via, int timeout_ms,
				  struct pn_error *err);

/* pn_conn_open - see net.h */
struct pn_conn *pn_conn_open(const char *host, int port, const struct pn_route *via, int timeout_s,
			     struct pn_error *err)
{
	int timeout_ms = timeout_s > 0 ? timeout_s * 1000 : -1;
	if (via && via->socket)
		return unix_open(via->socket, timeout_ms, err);
	if (via && via->proxy_host)
		return proxy_open(host, port, via, timeout_ms, err);
	int fd = tcp_connect(host, port, via ? via->source_ip : NULL, timeout_ms, false, err);
	return fd < 0 ? NULL : tcp_conn(fd, host, port, timeout_ms);
}

/* pn_host_is_local - see net.h */
bool pn_host_is_local(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!host)
		return false;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) != 1)
		return false;
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return a[12] == 127;
	return memcmp(a, &in6addr_loopback, sizeof(in6addr_loopback)) == 0;
}

/* pn_conn_fds - see net.h */
struct pn_conn *pn_conn_fds(int in, int out, const char *name, int timeout_ms)
{
	return conn_new(in, out, name, timeout_ms, fd_read, fd_write);
}

/* pn_conn_close - close the socket and free the connection */
void pn_conn_close(struct pn_conn *c)
{
	if (!c)
		return;
	if (c->owned)
		close(c->fd);
	pn_wipe(c->wbuf, c->wmax); /* the write buffer held the AUTH lines */
	pn_wipe(c->rbuf, c->rmax);
	pn_wipe(c, offsetof(struct pn_conn, rbuf));
	free(c);
}

int pn_conn_fd(const struct pn_conn *c)
{
	return c->fd;
}

const char *pn_conn_name(const struct pn_conn *c)
{
	return c->name;
}

int pn_conn_timeout_ms(const struct pn_conn *c)
{
	return c->timeout_ms;
}

/* pn_conn_deadline - see net.h */
void pn_conn_deadline(struct pn_conn *c, struct pn_deadline d)
{
	c->armed = d;
	c->turn = 0;
}

/* pn_conn_reply_deadline - see net.h */
void pn_conn_reply_deadline(struct pn_conn *c)
{
	pn_conn_deadline(c, pn_deadline_in(c->timeout_ms));
}

/* pn_conn_bulk_ms - see net.h; whole seconds first, so n cannot overflow */
long long pn_conn_bulk_ms(const struct pn_conn *c, unsigned long long n)
{
	if (c->timeout_ms < 0)
		return -1;
	return c->timeout_ms + (long long)(n / PN_BULK_RATE * 1000 + n % PN_BULK_RATE * 1000 / PN_BULK_RATE);
}

/* pn_conn_failure - see net.h */
enum pn_conn_failure pn_conn_failure(const struct pn_conn *c)
{
	return c->failure;
}

void pn_conn_phase(struct pn_conn *c, const char *phase)
{
	c->phase = phase;
}

/* phase - the phase in the messages' language ("" is no msgid: gettext
 * would give the catalogue's header for it) */
static const char *phase(const struct pn_conn *c)
{
	return *c->phase ? _(c->phase) : "";
}

void pn_conn_transport(struct pn_conn *c, const struct pn_transport *t)
{
	c->t = t ? *t : c->plain;
}

size_t pn_conn_unread(const struct pn_conn *c)
{
	return c->rlen - c->rpos;
}

/* pn_conn_pending - see net.h */
bool pn_conn_pending(struct pn_conn *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	return c->rpos < c->rlen || poll(&p, 1, 0) > 0;
}

/* begin - a call that reads (POLLIN) or writes (POLLOUT) starts: the
 * deadline it must end by.  A turn of the connection ends the armed
 * deadline; without one the call gets the timeout of its own. */
static struct pn_deadline begin(struct pn_conn *c, int way)
{
	c->failure = PN_CONN_OK;
	if (c->turn && c->turn != way)
		c->armed = PN_NEVER;
	c->turn = way;
	return c->armed.at >= 0 ? c->armed : (struct pn_deadline){CALL_UNSET, -1};
}

/* await - one wait for want within the call's deadline and the timeout;
 * false with err set when either runs out */
static bool await(struct pn_conn *c, int want, struct pn_deadline *call, struct pn_error *err)
{
	if (call->at == CALL_UNSET) /* no clock read for calls that never wait */
		*call = pn_deadline_in(c->timeout_ms);
	struct pn_deadline until = pn_deadline_first(*call, pn_deadline_in(c->timeout_ms));
	if (want & POLLIN)
		quickack(c);
	int w = wait_fd(want & POLLOUT ? c->wfd : c->fd, want, until);
	if (w > 0)
		return true;
	c->failure = w < 0 ? PN_CONN_SIGNAL : PN_CONN_TIMEOUT;
	if (w < 0)
		pn_error_set(err, EX_TEMPFAIL, _("%s: interrupted by signal %s %s"), c->name,
			     PN_FOREIGN(strsignal(caught)), phase(c));
	else
		pn_error_set(err, EX_TEMPFAIL, _("%s: timed out after %lld s %s"), c->name,
			     (until.ms + 500) / 1000, phase(c));
	return false;
}

/* pn_conn_wait - see net.h */
bool pn_conn_wait(struct pn_conn *c, int want, struct pn_error *err)
{
	struct pn_deadline call = begin(c, want & POLLOUT ? POLLOUT : POLLIN);
	return await(c, want, &call, err);
}

/* lost - the transport failed (rc) or the peer closed (rc == 0) */
static bool lost(struct pn_conn *c, ssize_t rc, bool reading, struct pn_error *err)
{
	c->failure = rc == 0 && reading ? PN_CONN_EOF : PN_CONN_ERROR;
	if (rc == 0 && reading)
		pn_error_set(err, EX_TEMPFAIL, _("%s: connection closed by the server %s"), c->name, phase(c));
	else
		pn_error_set(err, EX_TEMPFAIL, _("%s: connection lost %s: %s"), c->name, phase(c),
			     rc == 0 ? _("nothing written") : c->t.error(c->t.ctx, rc));
	return false;
}

/* fill - read more bytes after the unread ones, by the call's deadline */
static bool fill(struct pn_conn *c, struct pn_deadline *call, struct pn_error *err)
{
	memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
	c->rlen -= c->rpos;
	c->rpos = 0;
	if (c->rlen == sizeof(c->rbuf)) {
		c->failure = PN_CONN_ERROR;
		pn_error_set(err, EX_SOFTWARE, _("%s: the input buffer is full"), c->name);
		return false;
	}
	for (;;) {
		int want = POLLIN;
		ssize_t r = c->t.read(c->t.ctx, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, &want);
		if (r > 0) {
			c->rlen += (size_t)r;
			if (c->rlen > c->rmax)
				c->rmax = c->rlen;
			return true;
		}
		if (r != PN_IO_AGAIN)
			return lost(c, r, true, err);
		if (!await(c, want, call, err))
			return false;
	}
}

/* pn_conn_readline - see net.h */
bool pn_conn_readline(struct pn_conn *c, struct pn_buf *line, struct pn_error *err)
{
	struct pn_deadline call = begin(c, POLLIN);
	pn_buf_reset(line);
	for (;;) {
		if (c->rpos == c->rlen && !fill(c, &call, err))
			return false;
		char *start = c->rbuf + c->rpos;
		size_t avail = c->rlen - c->rpos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) : avail;
		if (!pn_buf_append(line, start, take)) {
			pn_error_set(err, EX_PROTOCOL, _("%s: the server sent a line longer than %zu bytes %s"),
				     c->name, line->max, phase(c));
			return false;
		}
		c->rpos += take + (nl ? 1 : 0);
		if (nl) {
			if (line->len && line->data[line->len - 1] == '\r')
				line->data[--line->len] = '\0';
			return true;
		}
	}
}

/* pn_conn_peek - see net.h */
const char *pn_conn_peek(const struct pn_conn *c, size_t *n)
{
	*n = c->rlen - c->rpos;
	return c->rbuf + c->rpos;
}

/* pn_conn_consume - see net.h; never past what is there */
void pn_conn_consume(struct pn_conn *c, size_t n)
{
	c->rpos += n < c->rlen - c->rpos ? n : c->rlen - c->rpos;
}

/* pn_conn_more - see net.h */
bool pn_conn_more(struct pn_conn *c, struct pn_error *err)
{
	struct pn_deadline call = begin(c, POLLIN);
	return fill(c, &call, err);
}

/* send_all - push n bytes through the transport by the call's deadline */
static bool send_all(struct pn_conn *c, const char *p, size_t n, struct pn_deadline *call,
		     struct pn_error *err)
{
	while (n) {
		int want = POLLOUT;
		ssize_t r = c->t.write(c->t.ctx, p, n, &want);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r != PN_IO_AGAIN)
			return lost(c, r, false, err);
		if (!await(c, want, call, err))
			return false;
	}
	return true;
}

/* flush - send everything queued */
static bool flush(struct pn_conn *c, struct pn_deadline *call, struct pn_error *err)
{
	size_t n = c->wlen;
	c->wlen = 0;
	return send_all(c, c->wbuf, n, call, err);
}

/* pn_conn_flush - send everything queued */
bool pn_conn_flush(struct pn_conn *c, struct pn_error *err)
{
	struct pn_deadline call = begin(c, POLLOUT);
	return flush(c, &call, err);
}

/* pn_conn_write - queue bytes, sending each block as it fills */
bool pn_conn_write(struct pn_conn *c, const void *p, size_t n, struct pn_error *err)
{
	struct pn_deadline call = begin(c, POLLOUT);
	const char *s = p;
	while (n) {
		size_t room = sizeof(c->wbuf) - c->wlen;
		size_t take = n < room ? n : room;
		memcpy(c->wbuf + c->wlen, s, take);
		c->wlen += take;
		if (c->wlen > c->wmax)
			c->wmax = c->wlen;
		s += take;
		n -= take;
		if (c->wlen == sizeof(c->wbuf) && !flush(c, &call, err))
			return false;
	}
	return true;
}

/* SOCKS5 (RFC 1928): "no authentication" is the one method offered, and
 * the server is asked for by name (address type 3), so that the proxy
 * resolves it, as msmtp does. */

/* the reply codes of RFC 1928 section 6: their text and the exit code, as
 * for the same failure of a direct connect */
static const struct {
	const char *text;
	int code;
} socks_replies[] = {
	{"", 0},
	{N_("general SOCKS server failure"), EX_TEMPFAIL},
	{N_("connection not allowed by ruleset"), EX_UNAVAILABLE},
	{N_("network unreachable"), EX_TEMPFAIL},
	{N_("host unreachable"), EX_TEMPFAIL},
	{N_("connection refused"), EX_TEMPFAIL},
	{N_("TTL expired"), EX_TEMPFAIL},
	{N_("command not supported"), EX_PROTOCOL},
	{N_("address type not supported"), EX_PROTOCOL},
};

/* pn_socks_answer - see net.h */
int pn_socks_answer(const unsigned char r[5], size_t *len)
{
	/* an address: 4 bytes (IPv4), 16 (IPv6), or a name of 1 to 255 */
	*len = r[3] == 1 ? 4 + 4 + 2 : r[3] == 4 ? 4 + 16 + 2 : r[3] == 3 && r[4] ? 4 + 1 + (size_t)r[4] + 2 : 0;
	if (r[0] != 5 || (r[1] == 0 && (r[2] != 0 || !*len)))
		return -1;
	return r[1];
}

/* socks_send - one request to the proxy, by the handshake's deadline */
static bool socks_send(struct pn_conn *c, const unsigned char *p, size_t n, struct pn_deadline until,
		       struct pn_error *err)
{
	pn_conn_deadline(c, until);
	return pn_conn_write(c, p, n, err) && pn_conn_flush(c, err);
}

/* socks_need - the first n bytes of the proxy's answer are there, by the
 * handshake's deadline; what follows them (the server's greeting) stays */
static bool socks_need(struct pn_conn *c, size_t n, struct pn_deadline until, struct pn_error *err)
{
	pn_conn_deadline(c, until);
	while (pn_conn_unread(c) < n)
		if (!pn_conn_more(c, err))
			return false;
	return true;
}

/* socks_bad - the proxy answered something that is no SOCKS5 answer */
static bool socks_bad(const struct pn_conn *c, struct pn_error *err)
{
	pn_error_set(err, EX_PROTOCOL, _("%s: the answer is not SOCKS version 5"), c->name);
	return false;
}

/* socks_hello - version 5 with the one method "no authentication" */
static bool socks_hello(struct pn_conn *c, struct pn_deadline until, struct pn_error *err)
{
	static const unsigned char hello[] = {5, 1, 0};
	if (!socks_send(c, hello, sizeof(hello), until, err) || !socks_need(c, 2, until, err))
		return false;
	size_t n;
	const unsigned char *r = (const unsigned char *)pn_conn_peek(c, &n);
	if (r[0] != 5)
		return socks_bad(c, err);
	if (r[1] != 0) {
		pn_error_set(err, EX_UNAVAILABLE,
			     _("%s: the proxy requires authentication, which postern does not offer"), c->name);
		return false;
	}
	pn_conn_consume(c, 2);
	return true;
}

/* socks_connect - CONNECT to host by name and port; the whole answer,
 * with the address the proxy bound, is consumed */
static bool socks_connect(struct pn_conn *c, const char *host, int port, struct pn_deadline until,
			  struct pn_error *err)
{
	unsigned char req[4 + 1 + 255 + 2] = {5, 1, 0, 3};
	size_t n = strlen(host), have; /* at most 255: see proxy_open */
	req[4] = (unsigned char)n;
	memcpy(req + 5, host, n);
	req[5 + n] = (unsigned char)(port >> 8);
	req[6 + n] = (unsigned char)(port & 0xff);
	if (!socks_send(c, req, 7 + n, until, err) || !socks_need(c, 5, until, err))
		return false;
	const unsigned char *r = (const unsigned char *)pn_conn_peek(c, &have);
	size_t len;
	if (pn_socks_answer(r, &len) < 0)
		return socks_bad(c, err);
	if (r[1] != 0) {
		bool known = r[1] < PN_ARRAY_LEN(socks_replies);
		pn_error_set(err, known ? socks_replies[r[1]].code : EX_PROTOCOL,
			     _("%s: cannot connect to %s:%d: %s"), c->name, host, port,
			     known ? _(socks_replies[r[1]].text) : _("unknown SOCKS reply code"));
		return false;
	}
	if (!socks_need(c, len, until, err))
		return false;
	pn_conn_consume(c, len);
	return true;
}

/* proxy_open - connect to the proxy, then through it to host:port; the
 * handshake as a whole within one timeout */
static struct pn_conn *proxy_open(const char *host, int port, const struct pn_route *via, int timeout_ms,
				  struct pn_error *err)
{
	if (strlen(host) > 255) {
		pn_error_set(err, EX_CONFIG, _("host: %.64s... is longer than 255 bytes, more than SOCKS5 can carry"),
			     host);
		return NULL;
	}
	int pport = via->proxy_port ? via->proxy_port : PN_SOCKS_PORT;
	int fd = tcp_connect(via->proxy_host, pport, via->source_ip, timeout_ms, true, err);
	if (fd < 0)
		return NULL;
	struct pn_conn *c = tcp_conn(fd, via->proxy_host, pport, timeout_ms);
	snprintf(c->name, sizeof(c->name), _("SOCKS proxy %s:%d"), via->proxy_host, pport);
	c->phase = N_("during the SOCKS5 handshake");
	struct pn_deadline until = pn_deadline_in(timeout_ms);
	if (!socks_hello(c, until, err) || !socks_connect(c, host, port, until, err)) {
		pn_conn_close(c);
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s:%d", host, port);
	c->phase = "";
	pn_conn_deadline(c, PN_NEVER);
	return c;
}
