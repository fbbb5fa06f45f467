/* net.h - a connection: connect with a timeout, buffered line reads and
 * block writes with deadlines, over a swappable transport; and the one
 * clock and deadline type of postern.
 *
 * The transport starts as the plain socket (or the pair of fds given to
 * pn_conn_fds, for -bs); tls.c installs GnuTLS under the same connection
 * after STARTTLS (or at once for implicit TLS), so smtp.c never knows which
 * one it talks through.
 *
 * Deadlines.  Every wait on a connection ends by a deadline, never later:
 *  - no wait lasts longer than the connection's timeout (no progress for
 *    that long ends the call, whatever else is armed);
 *  - a deadline armed with pn_conn_deadline() bounds every wait from then
 *    on, however the bytes trickle in or out, until it is armed again or
 *    the connection turns: a read after writes, or a write after reads,
 *    ends it (SMTP alternates commands and replies; one deadline covers one
 *    side's turn: the whole of a multi-line reply, the whole message body);
 *  - while none is armed, each call (pn_conn_readline, pn_conn_more,
 *    pn_conn_write, pn_conn_flush, pn_conn_wait) must finish within the
 *    timeout from the moment it starts.
 * A wait that runs out fails with status 75 and "timed out after N s".
 *
 * Signals.  While a send is under way (pn_signals_hold), SIGTERM, SIGHUP
 * and SIGINT are held and taken only inside the waits here: one ends the
 * wait at once (status 75, "interrupted by signal"), so that the caller
 * can keep the message and end; pn_signal_caught() says which came.
 */
#ifndef POSTERN_NET_H
#define POSTERN_NET_H

#include "buf.h"
#include "error.h"

#include <sys/types.h>

/* pn_now_ms - the monotonic clock, in milliseconds: the one clock postern
 * measures time with (timeouts, deadlines, retry budgets) */
long long pn_now_ms(void);

struct pn_deadline {
	long long at; /* pn_now_ms() time; -1: never */
	long long ms; /* how long it was set for, for messages */
};

#define PN_NEVER ((struct pn_deadline){-1, -1})

/* pn_signals_hold - from now on SIGTERM, SIGHUP and SIGINT are caught,
 * held while postern works and taken in its waits (above) */
void pn_signals_hold(void);
/* pn_signals_release - the mask as it was; a signal caught stays known */
void pn_signals_release(void);
/* pn_signal_caught - the signal that interrupted a send, 0: none */
int pn_signal_caught(void);
/* pn_sleep_ms - wait ms milliseconds; false when a held signal came */
bool pn_sleep_ms(long long ms);

/* pn_deadline_in - ms from now; ms < 0: never */
struct pn_deadline pn_deadline_in(long long ms);
/* pn_deadline_first - whichever comes first */
struct pn_deadline pn_deadline_first(struct pn_deadline a, struct pn_deadline b);
bool pn_deadline_passed(struct pn_deadline d);

/* The message body may take longer than one timeout: it must go out at
 * PN_BULK_RATE bytes a second at least, on top of one timeout (see
 * pn_conn_bulk_ms and postern.conf(5), "timeout"). */
#define PN_BULK_RATE 8192

#define PN_IO_AGAIN (-2) /* would block; *want says POLLIN or POLLOUT */

struct pn_transport {
	ssize_t (*read)(void *ctx, void *buf, size_t n, int *want);
	ssize_t (*write)(void *ctx, const void *buf, size_t n, int *want);
	const char *(*error)(void *ctx, ssize_t rc); /* text for rc == -1 */
	void *ctx;
};

/* why the last call on a connection failed */
enum pn_conn_failure { PN_CONN_OK, PN_CONN_EOF, PN_CONN_TIMEOUT, PN_CONN_ERROR, PN_CONN_SIGNAL };

struct pn_conn;

/* how the server is reached when not directly by TCP (NULL or all unset:
 * directly, with no more work than that) */
struct pn_route {
	const char *socket;     /* a Unix-domain socket instead of host and port */
	const char *source_ip;  /* the local address to connect from (TCP only) */
	const char *proxy_host; /* a SOCKS5 proxy (RFC 1928), given host by name */
	int proxy_port;         /* 0: 1080 */
};

#define PN_SOCKS_PORT 1080

/* pn_conn_open - connect to host:port, trying every address it resolves to,
 * each within timeout_s (0: no limit); that timeout then bounds every wait.
 * via (may be NULL): through a Unix socket, from a source address, or
 * through a SOCKS5 proxy, whose handshake the timeout bounds as a whole.
 * Errors: 68 a name that does not exist, 78 a source_ip that is no address
 * or a socket path too long, 69 a proxy that refuses by policy, 76 a proxy
 * that does not speak SOCKS5, 75 anything transient. */
struct pn_conn *pn_conn_open(const char *host, int port, const struct pn_route *via, int timeout_s,
			     struct pn_error *err);

/* pn_host_is_local - host, as written, names this machine: "localhost", or
 * a loopback address literal (127.0.0.0/8, ::1, ::ffff:127.x.y.z).  Decided
 * by the text alone, never by what a name resolves to. */
bool pn_host_is_local(const char *host);
/* pn_conn_fds - a connection over fds that are already open: reads from in,
 * writes to out (the same socket, or two pipes, or a file); they may be
 * blocking, they stay open when the connection is closed.  timeout_ms
 * bounds every wait (< 0: no limit); name is for messages. */
struct pn_conn *pn_conn_fds(int in, int out, const char *name, int timeout_ms);
void pn_conn_close(struct pn_conn *c);
int pn_conn_fd(const struct pn_conn *c);
const char *pn_conn_name(const struct pn_conn *c);
int pn_conn_timeout_ms(const struct pn_conn *c);

/* pn_conn_deadline - arm d for every wait until the connection turns (see
 * above); PN_NEVER disarms */
void pn_conn_deadline(struct pn_conn *c, struct pn_deadline d);
/* pn_conn_reply_deadline - arm one timeout from now: the reply about to be
 * read must have come whole by then */
void pn_conn_reply_deadline(struct pn_conn *c);
/* pn_conn_bulk_ms - what sending n bytes may take: the timeout plus one
 * second per PN_BULK_RATE bytes; -1 without a timeout */
long long pn_conn_bulk_ms(const struct pn_conn *c, unsigned long long n);

/* pn_conn_failure - what ended the last call that failed: the end of the
 * input, a deadline, or an error */
enum pn_conn_failure pn_conn_failure(const struct pn_conn *c);

/* pn_conn_phase - what the connection is doing, for error messages:
 * N_("while sending the message body"), a static text marked, not yet
 * translated: it is translated only when a message uses it */
void pn_conn_phase(struct pn_conn *c, const char *phase);

/* pn_conn_transport - replace the transport (NULL: back to the socket) */
void pn_conn_transport(struct pn_conn *c, const struct pn_transport *t);

/* pn_conn_unread - bytes received and not yet consumed */
size_t pn_conn_unread(const struct pn_conn *c);

/* pn_conn_pending - whether the peer has sent anything not yet consumed,
 * without waiting (bytes buffered, or the socket readable: data, or the
 * end of the connection) */
bool pn_conn_pending(struct pn_conn *c);

/* pn_conn_wait - wait for the fd to become ready for want (POLLIN counts
 * as a read, POLLOUT as a write); false with err set on timeout */
bool pn_conn_wait(struct pn_conn *c, int want, struct pn_error *err) PN_WUR;

/* pn_conn_readline - one line without its CRLF (or LF) into line, whose
 * cap bounds the length: a longer line is a protocol error (76) */
bool pn_conn_readline(struct pn_conn *c, struct pn_buf *line, struct pn_error *err) PN_WUR;

/* pn_conn_peek - the bytes received and not yet consumed (*n of them, maybe
 * none); pn_conn_consume - n of them are used; pn_conn_more - wait for more
 * and append them to the unread ones (false: see pn_conn_failure) */
const char *pn_conn_peek(const struct pn_conn *c, size_t *n);
void pn_conn_consume(struct pn_conn *c, size_t n);
bool pn_conn_more(struct pn_conn *c, struct pn_error *err) PN_WUR;

/* pn_conn_write - queue bytes; full blocks are sent as they fill */
bool pn_conn_write(struct pn_conn *c, const void *p, size_t n, struct pn_error *err) PN_WUR;
bool pn_conn_flush(struct pn_conn *c, struct pn_error *err) PN_WUR;

/* pn_socks_answer - the first 5 bytes of a SOCKS5 proxy's answer to
 * CONNECT (RFC 1928 6): its reply code (0: success), and in *len the length
 * of the whole answer to consume on success; -1 when it is no SOCKS5
 * answer (fuzz target tests/fuzz/fuzz_socks.c) */
int pn_socks_answer(const unsigned char r[5], size_t *len);

#endif
