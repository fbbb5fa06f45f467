/* serve.h - SMTP on standard input and output (-bs): one ESMTP session.
 *
 * For applications that speak SMTP to a child process (Symfony Mailer,
 * Laravel) or to localhost:25 through inetd or a systemd socket with
 * Accept=yes.  The client is untrusted: command lines are bounded (512
 * octets), so are recipients, message size and time (idle and total); no
 * AUTH, no STARTTLS.  Only the validated addresses and the message text
 * leave this module: each message is handed, un-dot-stuffed in a temporary
 * file, to the relay callbacks (send.c), whose verdict answers the final
 * dot.  The command parser and the DATA un-stuffer are pure functions, for
 * unit tests and fuzzing.
 * SMTP reply texts are protocol (ASCII, RFC 5321 4.2): never translated.
 */
#ifndef POSTERN_SERVE_H
#define POSTERN_SERVE_H

#include "address.h"
#include "smtp.h"

#define PN_SERVE_LINE_MAX 512 /* a command line with its CRLF (RFC 5321 4.5.3.1.4) */
#define PN_SERVE_PATH_MAX 256 /* a path with its angle brackets (4.5.3.1.3) */
#define PN_SERVE_TEXT_MAX 480 /* reply text: the line stays within 512 octets */

enum pn_verb {
	PN_VERB_BAD,     /* a known command with bad arguments: reply in cmd */
	PN_VERB_UNKNOWN, /* 500 */
	PN_VERB_HTTP,    /* a web request sent to the SMTP port: close at once */
	PN_VERB_HELO, PN_VERB_EHLO, PN_VERB_MAIL, PN_VERB_RCPT, PN_VERB_DATA,
	PN_VERB_RSET, PN_VERB_NOOP, PN_VERB_QUIT, PN_VERB_VRFY, PN_VERB_HELP,
	PN_VERB_NOTIMPL  /* EXPN, AUTH, STARTTLS, BDAT, ...: 502 */
};

enum pn_body { PN_BODY_NONE, PN_BODY_7BIT, PN_BODY_8BITMIME };

struct pn_cmd {
	enum pn_verb verb;
	int code;               /* PN_VERB_BAD: the reply */
	const char *enhanced;
	const char *text;
	char addr[PN_SERVE_PATH_MAX]; /* MAIL, RCPT: the mailbox; "" for <> */
	bool utf8;              /* addr holds non-ASCII (UTF-8) octets */
	bool has_size, smtputf8; /* MAIL parameters */
	unsigned long long size;
	enum pn_body body;
};

/* pn_serve_parse - one command line of n octets without its line end.
 * Refuses NUL, CR and LF, a line over 510 octets, a path that is not
 * RFC 5321 syntax (local names without a domain are allowed, for aliases;
 * UTF-8 per RFC 6531), and MAIL parameters other than SIZE, BODY and
 * SMTPUTF8 (555); RCPT takes none.  Returns false for PN_VERB_BAD. */
bool pn_serve_parse(const char *line, size_t n, struct pn_cmd *out);

/* the DATA un-stuffer (RFC 5321 4.5.2): only CRLF "." CRLF ends the data;
 * a bare CR or LF never starts a line, so it can neither end the data nor
 * lose a dot (postern canonicalizes and dot-stuffs it again on the way out) */
struct pn_unstuff {
	int st;
	bool done;
};

void pn_unstuff_init(struct pn_unstuff *u);
/* pn_unstuff_feed - n octets of DATA; the message text goes to out (room
 * for n + 1 octets), its length to *outn.  Returns how many octets were
 * used: n, or fewer once the end of data was seen (u->done); what follows
 * belongs to the next command. */
size_t pn_unstuff_feed(struct pn_unstuff *u, const char *p, size_t n, char *out, size_t *outn);

struct pn_serve_reply {
	int code;
	char enhanced[16];
	char text[PN_SERVE_TEXT_MAX];
};

/* pn_serve_reply_set - code, enhanced code and text (made printable ASCII) */
void pn_serve_reply_set(struct pn_serve_reply *r, int code, const char *enhanced, const char *fmt, ...)
	PN_PRINTF(4, 5);

/* pn_serve_local - the reply for a failure postern found itself, from its
 * exit code: 75 451 4.3.0; 65 554 5.6.0 (address: 550 5.1.3); 78 451 4.3.5;
 * 68 451 4.4.3; 71, 74 451 4.3.0; else 554 5.3.0.  The text is
 * "postern: MSG". */
void pn_serve_local(struct pn_serve_reply *r, int exit_code, bool address, const char *msg);

/* pn_serve_verdict - the answer to the final dot, derived from the
 * outcome by one rule: when it holds a reply code (the smarthost's, or the
 * one postern gave in its place, as 552 5.3.4 for a message over SIZE) of
 * the class the outcome calls for (2xx for a delivery, 4xx or 5xx for a
 * refusal), that code (421 becomes 451: the smarthost closing is not this
 * session closing), its enhanced code (else C.0.0) and "HOST said: TEXT"
 * (postern's own text where the server said nothing); otherwise
 * pn_serve_local() from the exit code */
void pn_serve_verdict(struct pn_serve_reply *r, const struct pn_error *o);

/* what a session calls for each transaction; each sets the reply */
struct pn_serve_ops {
	void *ctx;
	/* MAIL FROM accepted by the parser: choose the account ("" is <>) */
	void (*mail)(void *ctx, const char *from, struct pn_serve_reply *r);
	/* RCPT TO, after a MAIL that was accepted */
	void (*rcpt)(void *ctx, const char *from, const char *rcpt, struct pn_serve_reply *r);
	/* the message in fd (un-stuffed, at offset 0): relay it */
	void (*data)(void *ctx, const char *from, const struct pn_addrlist *rcpt, int fd,
		     struct pn_serve_reply *r);
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
