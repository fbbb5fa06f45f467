/* net.c - TCP connect with timeouts and buffered I/O over a transport.
 *
 * Every address the host name resolves to is tried in order (IPv6 and IPv4,
 * as getaddrinfo returns them), each with the account's timeout.  Sockets are
 * non-blocking, close-on-exec and TCP_NODELAY: postern writes whole blocks
 * and flushes only at protocol boundaries, so Nagle would only add delay.
 * Errors: 68 for a name that does not exist, 75 for everything transient.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define RBUF_SIZE 16384
#define WBUF_SIZE 65536

struct pn_conn {
	int fd;
	int timeout_ms; /* -1: no timeout */
	char name[300]; /* host:port */
	const char *phase;
	struct pn_transport plain;
	struct pn_transport t;
	size_t rpos, rlen, rmax; /* rmax, wmax: how much of each buffer was used */
	size_t wlen, wmax;
	char rbuf[RBUF_SIZE];    /* the buffers last: not cleared when allocated */
	char wbuf[WBUF_SIZE];
};

/* quickack - acknowledge what arrives at once.  The server's replies come
 * as small segments (often two in a row, say a TLS record and the reply
 * after it); a delayed ACK would hold the server's second one for 40 ms
 * under Nagle's algorithm.  The kernel turns this off again after a while,
 * so it is set before every wait for input. */
static void quickack(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
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
	ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
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

/* now_ms - monotonic clock in milliseconds */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_fd - poll one fd for events until the deadline; 1 ready, 0 timeout */
static int wait_fd(int fd, int events, long long deadline)
{
	for (;;) {
		int ms = -1;
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			ms = left > 0 ? (int)(left > 3600000 ? 3600000 : left) : 0;
		}
		struct pollfd p = {.fd = fd, .events = (short)events};
		int r = poll(&p, 1, ms);
		if (r > 0)
			return 1;
		if (r == 0 && (deadline < 0 || now_ms() >= deadline))
			return 0;
		if (r < 0 && errno != EINTR)
			return 1; /* let the following read or write report it */
	}
}

/* deadline_for - absolute deadline of one operation */
static long long deadline_for(const struct pn_conn *c)
{
	return c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
}

/* connect_one - non-blocking connect to one address within timeout_ms */
static int connect_one(const struct addrinfo *ai, int timeout_ms, int *err)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*err = errno;
			close(fd);
			return -1;
		}
		long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (!wait_fd(fd, POLLOUT, deadline))
			soerr = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr) {
			*err = soerr;
			close(fd);
			return -1;
		}
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	quickack(fd);
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

/* pn_conn_open - connect to host:port trying every address */
struct pn_conn *pn_conn_open(const char *host, int port, int timeout_s, struct pn_error *err)
{
	struct addrinfo *res = resolve(host, port, err);
	if (!res)
		return NULL;
	int timeout_ms = timeout_s > 0 ? timeout_s * 1000 : -1;
	int fd = -1, last = ECONNREFUSED, tried = 0;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next, tried++)
		fd = connect_one(ai, timeout_ms, &last);
	freeaddrinfo(res);
	if (fd < 0) {
		pn_error_set(err, EX_TEMPFAIL, _("cannot connect to %s:%d: %s"), host, port,
			     PN_FOREIGN(strerror(last)));
		return NULL;
	}
	struct pn_conn *c = pn_xmalloc(sizeof(*c));
	memset(c, 0, offsetof(struct pn_conn, rbuf));
	c->fd = fd;
	c->timeout_ms = timeout_ms;
	snprintf(c->name, sizeof(c->name), "%s:%d", host, port);
	c->plain = (struct pn_transport){plain_read, plain_write, plain_error, c};
	c->t = c->plain;
	c->phase = "";
	return c;
}

/* pn_conn_close - close the socket and free the connection */
void pn_conn_close(struct pn_conn *c)
{
	if (!c)
		return;
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

/* pn_conn_wait - see net.h */
bool pn_conn_wait(struct pn_conn *c, int want, struct pn_error *err)
{
	if (want & POLLIN)
		quickack(c->fd);
	if (wait_fd(c->fd, want, deadline_for(c)))
		return true;
	pn_error_set(err, EX_TEMPFAIL, _("%s: timed out after %d s %s"), c->name,
		     c->timeout_ms / 1000, phase(c));
	return false;
}

/* fill - read more bytes into the empty read buffer */
static bool fill(struct pn_conn *c, struct pn_error *err)
{
	for (;;) {
		int want = POLLIN;
		ssize_t r = c->t.read(c->t.ctx, c->rbuf, sizeof(c->rbuf), &want);
		if (r > 0) {
			c->rpos = 0;
			c->rlen = (size_t)r;
			if (c->rlen > c->rmax)
				c->rmax = c->rlen;
			return true;
		}
		if (r == 0) {
			pn_error_set(err, EX_TEMPFAIL, _("%s: connection closed by the server %s"),
				     c->name, phase(c));
			return false;
		}
		if (r != PN_IO_AGAIN) {
			pn_error_set(err, EX_TEMPFAIL, _("%s: connection lost %s: %s"), c->name,
				     phase(c), c->t.error(c->t.ctx, r));
			return false;
		}
		if (!pn_conn_wait(c, want, err))
			return false;
	}
}

/* pn_conn_readline - see net.h */
bool pn_conn_readline(struct pn_conn *c, struct pn_buf *line, struct pn_error *err)
{
	pn_buf_reset(line);
	for (;;) {
		if (c->rpos == c->rlen && !fill(c, err))
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

/* send_all - push n bytes through the transport within the timeout */
static bool send_all(struct pn_conn *c, const char *p, size_t n, struct pn_error *err)
{
	while (n) {
		int want = POLLOUT;
		ssize_t r = c->t.write(c->t.ctx, p, n, &want);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r != PN_IO_AGAIN) {
			pn_error_set(err, EX_TEMPFAIL, _("%s: connection lost %s: %s"), c->name,
				     phase(c), r == 0 ? _("nothing written") : c->t.error(c->t.ctx, r));
			return false;
		}
		if (!pn_conn_wait(c, want, err))
			return false;
	}
	return true;
}

/* pn_conn_flush - send everything queued */
bool pn_conn_flush(struct pn_conn *c, struct pn_error *err)
{
	size_t n = c->wlen;
	c->wlen = 0;
	return send_all(c, c->wbuf, n, err);
}

/* pn_conn_write - queue bytes, sending each block as it fills */
bool pn_conn_write(struct pn_conn *c, const void *p, size_t n, struct pn_error *err)
{
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
		if (c->wlen == sizeof(c->wbuf) && !pn_conn_flush(c, err))
			return false;
	}
	return true;
}
