/* loopback.c - the redirect listener of --oauth2-login (see loopback.h).
 * SECURITY: requests (which carry the authorization code) are read into
 * secret buffers, wiped when the connection ends.
 */
#include "loopback.h"

#include "buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#define MAX_CLIENTS 8
#define REQUEST_MAX 16384 /* request line and headers */
#define REQUEST_MS 10000  /* one request must come whole within this */

struct client {
	int fd; /* -1: a free slot */
	struct pn_buf req;
	long long until;
};

/* pn_loopback_open - see loopback.h */
int pn_loopback_open(int *port, struct pn_error *err)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, MAX_CLIENTS) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		pn_error_errno(err, EX_OSERR, errno,
		               _("cannot listen on 127.0.0.1 for the browser's redirect"));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* drop - end a client's connection, its request wiped */
static void drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	pn_buf_free(&c->req);
}

/* reason - the reason phrase of the statuses given */
static const char *reason(int status)
{
	return status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request";
}

/* answer - the status and page, then the end of the connection */
static void answer(struct client *c, const struct pn_loopback_answer *a)
{
	struct pn_buf out;
	pn_buf_init(&out, 4096);
	bool ok = pn_buf_printf(
	    &out,
	    "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n\r\n%s",
	    a->status, reason(a->status), strlen(a->page), a->page);
	if (ok && !pn_write_all(c->fd, out.data, out.len)) {
		/* the browser went away: nothing to tell it */
	}
	pn_buf_free(&out);
	shutdown(c->fd, SHUT_WR);
	drop(c);
}

/* request_done - the request line and headers are in (a blank line) */
static bool request_done(const struct pn_buf *b)
{
	return b->len && (strstr(b->data, "\r\n\r\n") || strstr(b->data, "\n\n"));
}

/* readable - more of a client's request; true when the wait is over */
static bool readable(struct client *c, pn_loopback_fn fn, void *ctx)
{
	char tmp[4096];
	ssize_t n = read(c->fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	bool got = n > 0 && !memchr(tmp, '\0', (size_t)n);
	bool room = got && pn_buf_append(&c->req, tmp, (size_t)n); /* false: too long */
	pn_wipe(tmp, sizeof(tmp));
	if (!got) {
		drop(c); /* the end, an error, or a NUL: no request */
		return false;
	}
	struct pn_loopback_answer a = {400, _("postern: this request is too long.\n"), false};
	if (room && !request_done(&c->req))
		return false;
	if (room) {
		size_t line = strcspn(c->req.data, "\r\n");
		fn(ctx, c->req.data, line, &a);
	}
	bool done = a.done;
	answer(c, &a);
	return done;
}

/* accept_one - a new connection into a free slot */
static void accept_one(int lfd, struct client *cl)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd < 0) {
			cl[i].fd = fd;
			pn_buf_init_secret(&cl[i].req, REQUEST_MAX);
			cl[i].until = pn_now_ms() + REQUEST_MS;
			return;
		}
	close(fd);
}

/* wait_ms - until the first deadline: the whole wait's or a client's */
static int wait_ms(struct pn_deadline until, const struct client *cl)
{
	long long now = pn_now_ms(), at = until.at;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd >= 0 && cl[i].until < at)
			at = cl[i].until;
	return at <= now ? 0 : at - now > 60000 ? 60000 : (int)(at - now);
}

/* one_round - one poll() and what it found; 1: done, 0: go on */
static int one_round(int lfd, struct client *cl, struct pn_deadline until, pn_loopback_fn fn, void *ctx)
{
	struct pollfd p[MAX_CLIENTS + 1];
	p[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
	for (int i = 0; i < MAX_CLIENTS; i++)
		p[i + 1] = (struct pollfd){.fd = cl[i].fd, .events = POLLIN};
	int n = poll(p, MAX_CLIENTS + 1, wait_ms(until, cl));
	if (n < 0)
		return 0;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (cl[i].fd >= 0 && (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    readable(&cl[i], fn, ctx))
			return 1;
		if (cl[i].fd >= 0 && pn_now_ms() >= cl[i].until)
			drop(&cl[i]); /* a spare connection, or one too slow */
	}
	if (p[0].revents & POLLIN)
		accept_one(lfd, cl);
	return 0;
}

/* pn_loopback_serve - see loopback.h */
bool pn_loopback_serve(int fd, struct pn_deadline until, pn_loopback_fn fn, void *ctx, struct pn_error *err)
{
	struct client cl[MAX_CLIENTS];
	for (int i = 0; i < MAX_CLIENTS; i++)
		cl[i].fd = -1;
	int done = 0;
	while (!done && !pn_deadline_passed(until) && !pn_signal_caught())
		done = one_round(fd, cl, until, fn, ctx);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd >= 0)
			drop(&cl[i]);
	if (!done && pn_signal_caught())
		pn_error_set(err, EX_TEMPFAIL,
		             _("interrupted by signal while waiting for the browser's redirect"));
	else if (!done)
		pn_error_set(err, EX_TEMPFAIL,
		             _("no redirect came from the browser within %lld s: run --oauth2-login again"),
		             until.ms / 1000);
	return done;
}
