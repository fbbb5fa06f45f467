/* serve.h - SMTP on standard input and output (-bs): one ESMTP session.
 *
 * For applications that speak SMTP to a child process (Symfony Mailer,
 * Laravel) or to localhost:25 through inetd or a systemd socket with
 * Accept=yes.  The client is untrusted: command lines are bounded (512
 * octets), so are recipients, message size and time (idle and total); no
 * AUTH, no STARTTLS.  Only the validated addresses and the message text
 * leave this module: each message is handed, un-dot-stuffed in a temporary
 * file, to the relay callbacks (relay.c), whose verdict answers the final
 * dot.  The command parser, the DATA un-stuffer and the replies are pure
 * functions (serve_parse.h), for unit tests and fuzzing.
 * SMTP reply texts are protocol (ASCII, RFC 5321 4.2): never translated.
 */
#ifndef POSTERN_SERVE_H
#define POSTERN_SERVE_H

#include "serve_parse.h"

/* what a session calls for each transaction; each sets the reply */
struct pn_serve_ops {
	void *ctx;
	/* MAIL FROM accepted by the parser (c->addr "" is <>; its SIZE and
	 * SMTPUTF8): choose the account */
	void (*mail)(void *ctx, const struct pn_cmd *c, struct pn_serve_reply *r);
	/* RCPT TO, after a MAIL that was accepted */
	void (*rcpt)(void *ctx, const char *from, const char *rcpt, struct pn_serve_reply *r);
	/* the message in fd (un-stuffed, at offset 0): relay it */
	void (*data)(void *ctx, const char *from, const struct pn_addrlist *rcpt, int fd,
		     struct pn_serve_reply *r);
	/* the transaction MAIL began ended without its data (RSET, HELO,
	 * EHLO, a refused DATA, the end of the session); NULL: nothing to do */
	void (*reset)(void *ctx);
};

struct pn_serve_limits {
	unsigned long long max_size; /* octets of one message */
	size_t max_rcpt;             /* recipients of one message */
	int idle_s;                  /* waiting for a command or for data */
	int session_s;               /* the whole session */
};

/* pn_serve_stdio - under inetd, standard error is the client's socket:
 * then it is pointed at /dev/null, so that no diagnostic reaches the client */
void pn_serve_stdio(void);

/* pn_serve_refuse - a 421 greeting when no session can be offered */
void pn_serve_refuse(int out, const char *why);

/* pn_serve_run - the session on fds in and out; the exit code: 0 after
 * QUIT or the end of the input between commands, 75 after an idle or
 * session timeout (answered 421 4.4.2) or an input that ended inside DATA,
 * 76 when the client was dropped for breaking the protocol (an HTTP
 * request, too many errors; answered 421), 74 when the client's input or
 * output failed */
int pn_serve_run(const struct pn_serve_limits *lim, const struct pn_serve_ops *ops, int in, int out);

#endif
