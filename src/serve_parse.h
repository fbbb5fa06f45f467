/* serve_parse.h - the pure parts of -bs (serve.h): the command parser,
 * the DATA un-stuffer and the replies, derived from postern's own failures
 * or from the outcome of a relayed message.  No I/O, for unit tests and
 * fuzzing.
 * SMTP reply texts are protocol (ASCII, RFC 5321 4.2): never translated.
 */
#ifndef POSTERN_SERVE_PARSE_H
#define POSTERN_SERVE_PARSE_H

#include "address.h"
#include "error.h"

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

#endif
