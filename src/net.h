/* net.h - a connection to the smarthost: connect with a timeout, buffered
 * line reads and block writes with deadlines, over a swappable transport.
 *
 * The transport starts as the plain socket; tls.c installs GnuTLS under the
 * same connection after STARTTLS (or at once for implicit TLS), so smtp.c
 * never knows which one it talks through.
 */
#ifndef POSTERN_NET_H
#define POSTERN_NET_H

#include "buf.h"
#include "error.h"

#include <sys/types.h>

#define PN_IO_AGAIN (-2) /* would block; *want says POLLIN or POLLOUT */

struct pn_transport {
	ssize_t (*read)(void *ctx, void *buf, size_t n, int *want);
	ssize_t (*write)(void *ctx, const void *buf, size_t n, int *want);
	const char *(*error)(void *ctx, ssize_t rc); /* text for rc == -1 */
	void *ctx;
};

struct pn_conn;

struct pn_conn *pn_conn_open(const char *host, int port, int timeout_s, struct pn_error *err);
void pn_conn_close(struct pn_conn *c);
int pn_conn_fd(const struct pn_conn *c);
const char *pn_conn_name(const struct pn_conn *c);
int pn_conn_timeout_ms(const struct pn_conn *c);

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

/* pn_conn_wait - wait for the fd to become ready for want, up to the
 * timeout; false with err set on timeout */
bool pn_conn_wait(struct pn_conn *c, int want, struct pn_error *err) PN_WUR;

/* pn_conn_readline - one line without its CRLF (or LF) into line, whose
 * cap bounds the length: a longer line is a protocol error (76) */
bool pn_conn_readline(struct pn_conn *c, struct pn_buf *line, struct pn_error *err) PN_WUR;

/* pn_conn_write - queue bytes; full blocks are sent as they fill */
bool pn_conn_write(struct pn_conn *c, const void *p, size_t n, struct pn_error *err) PN_WUR;
bool pn_conn_flush(struct pn_conn *c, struct pn_error *err) PN_WUR;

#endif
