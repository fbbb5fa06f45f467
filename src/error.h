/* error.h - the one outcome value: what happened to a send, from the wire
 * to the exit code.
 *
 * A pn_error carries the sysexits(3) code, and where a reply decided it the
 * reply code, the enhanced status code (RFC 3463), the server's reply on
 * one line, the phase of the dialogue and the host, with one line of text
 * for stderr.  The first refusal wins: once the exit code is set nothing is
 * overwritten, so replies that follow a refusal (a pipelined RCPT answered
 * "503 need MAIL") never replace it.  It also carries the smarthost's
 * acceptance (code 0, reply 250) for the -bs verdict.  send.c hands it to
 * the log line, the dead letter and the -bs reply; only main.c exits.
 */
#ifndef POSTERN_ERROR_H
#define POSTERN_ERROR_H

#include "common.h"

/* where in a send the outcome was decided; PN_PHASE_LOCAL: before any
 * connection (configuration, input, credentials) */
enum pn_phase {
	PN_PHASE_LOCAL, PN_PHASE_CONNECT, PN_PHASE_GREETING, PN_PHASE_EHLO, PN_PHASE_STARTTLS,
	PN_PHASE_AUTH, PN_PHASE_MAIL, PN_PHASE_RCPT, PN_PHASE_DATA,
	PN_PHASE_DOT, /* the end of data went out: the message may have been delivered */
	PN_PHASE_ETRN /* --rmqs: the queue run request (RFC 1985) */
};

/* what postern itself saw of a failure, for the hints of hint.h: set
 * beside the message by the module that saw it (pn_error_cause) */
enum pn_cause {
	PN_CAUSE_NONE,
	PN_CAUSE_CONNECT_TIMEOUT, /* connect(2) timed out: nothing answered */
	PN_CAUSE_SILENT,          /* connected in clear, no greeting in time */
	PN_CAUSE_NOT_TLS,         /* the TLS handshake received something else */
	PN_CAUSE_CERT_ISSUER,     /* certificate checks (detail: its SHA-256) */
	PN_CAUSE_CERT_EXPIRED, PN_CAUSE_CERT_NOT_YET, PN_CAUSE_CERT_NAME, PN_CAUSE_CERT_REVOKED,
	PN_CAUSE_CERT_OTHER,
	PN_CAUSE_FINGERPRINT,     /* not tls_fingerprint's (detail: its SHA-256) */
	PN_CAUSE_CHALLENGE        /* AUTH refused after an error challenge (detail:
				   * the challenge, decoded) */
};

struct pn_error {
	int code;            /* sysexits code, 0 while no error is set */
	int reply;           /* the reply code that decided: the server's, or
			      * the one postern gives for the server (552 for
			      * a message over its SIZE); 0: none */
	char enhanced[16];   /* "5.7.8" with reply, when known */
	char server[512];    /* the server's reply on one line; "" when postern
			      * decided without one */
	enum pn_phase phase;
	char host[300];      /* the smarthost as configured; "" before one was tried */
	char msg[1024];      /* one line, no "postern: " prefix, no newline */
	int port;            /* the smarthost's port, with host */
	enum pn_cause cause; /* PN_CAUSE_NONE unless set with pn_error_cause */
	char detail[640];    /* the cause's detail, one line ("": none) */
};

void pn_error_init(struct pn_error *e);
bool pn_error_isset(const struct pn_error *e);
void pn_error_set(struct pn_error *e, int code, const char *fmt, ...) PN_PRINTF(3, 4);
void pn_error_errno(struct pn_error *e, int code, int errnum, const char *fmt, ...)
	PN_PRINTF(4, 5);

/* pn_error_reply - a refusal that a reply decides: the exit code is
 * pn_exit_for_reply(reply, enhanced); server is the reply on one line
 * ("" when postern answers for the server).  Nothing happens when an
 * outcome is set already. */
void pn_error_reply(struct pn_error *e, enum pn_phase phase, const char *host, int reply, const char *enhanced,
		    const char *server, const char *fmt, ...) PN_PRINTF(7, 8);

/* pn_error_where - the phase, host and port of an error that was set
 * without them (a timeout, a lost connection); fills only what is empty */
void pn_error_where(struct pn_error *e, enum pn_phase phase, const char *host, int port);

/* pn_error_cause - what the error just set means (detail NULL: none);
 * the first cause wins as the first error does.  Call it only when the
 * set just before it took effect (the outcome was empty before). */
void pn_error_cause(struct pn_error *e, enum pn_cause cause, const char *detail);

/* pn_error_accepted - the smarthost's acceptance (code stays 0) */
void pn_error_accepted(struct pn_error *e, const char *host, int reply, const char *enhanced, const char *server);

/* pn_error_phase_name - "MAIL", "end of data", ... for logs and -v */
const char *pn_error_phase_name(enum pn_phase phase);

/* pn_exit_for_reply - the exit code for a server reply: enhanced status code
 * when present, the basic reply code otherwise (see DESIGN.md). */
int pn_exit_for_reply(int reply_code, const char *enhanced);

/* pn_enhanced_parse - the RFC 3463 code "C.SSS.DDD" of class cls in the
 * first n octets of t (C: 2, 4 or 5; cls 0: any), ending at a space or at
 * n; its length, 0 when there is none */
size_t pn_enhanced_parse(const char *t, size_t n, int cls);

/* pn_exit_name - "EX_OK", "EX_TEMPFAIL", ... for log lines */
const char *pn_exit_name(int code);

#endif
