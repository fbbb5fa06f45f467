/* smtp.h - the SMTP submission client: one session, one message.
 *
 * Connects, reads the greeting, EHLO (HELO when EHLO is refused), STARTTLS
 * or implicit TLS, EHLO again, AUTH, then MAIL/RCPT/DATA pipelined when the
 * server offers PIPELINING, the body, and QUIT.  Succeeds only when the
 * server answered 250 to the end of DATA.  All or nothing: when any
 * recipient is refused nothing is sent, and the error names every refused
 * recipient.
 * SECURITY: the password passes through (to sasl.c); AUTH lines are
 * redacted in the -v transcript.
 */
#ifndef POSTERN_SMTP_H
#define POSTERN_SMTP_H

#include "address.h"
#include "message.h"
#include "tls.h"

enum pn_tls_mode { PN_TLS_OFF, PN_TLS_STARTTLS, PN_TLS_IMPLICIT };

struct pn_smtp_params {
	const char *host;
	int port;
	const char *helo;
	int timeout; /* seconds, 0: none */
	enum pn_tls_mode tls;
	struct pn_tls_params tlsp;
	int auth; /* enum pn_auth; PN_AUTH_OFF: no AUTH */
	const char *user;
	const char *password;
	const char *dsn_notify, *dsn_ret, *dsn_envid;
	int verbose; /* transcript on stderr */
};

struct pn_outcome {
	int code;          /* last reply code seen, 0 if none */
	char reply[512];   /* that reply on one line */
	bool tls;          /* TLS was established */
	bool auth;         /* AUTH succeeded */
	bool dot_sent;     /* the end of data went out */
};

bool pn_smtp_deliver(const struct pn_smtp_params *p, const char *from,
		     const struct pn_addrlist *rcpt, const struct pn_message *msg,
		     struct pn_outcome *out, struct pn_error *err) PN_WUR;

#endif
