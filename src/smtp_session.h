/* smtp_session.h - what smtp.c, smtp_tx.c, smtp_bdat.c and smtp_auth.c
 * share: one session's state and the few helpers of the dialogue; private
 * to the SMTP client (smtp.h is its interface).
 * SECURITY: struct session points at the account's password (p->password);
 * smtp_write_line shows a command only as the caller says (redacted for
 * credentials, by smtp_auth.c's send_secret).
 */
#ifndef POSTERN_SMTP_SESSION_H
#define POSTERN_SMTP_SESSION_H

#include "canon.h"
#include "reply.h"
#include "smtp.h"

#define CMD_MAX 512      /* RFC 5321 4.5.3.1.4, with CRLF */

/* S_READY: the session can take a transaction (after AUTH, or after one) */
enum state { S_CONNECT, S_GREETING, S_EHLO, S_STARTTLS, S_AUTH, S_ENVELOPE, S_BODY, S_ETRN, S_QUIT, S_READY, S_DONE, S_FAIL };

/* recipients by their index in the envelope */
struct idxlist {
	size_t *i, n, cap;
};

struct caps {
	bool starttls, pipelining, eightbit, dsn, size, smtputf8, etrn;
	bool chunking, binarymime; /* RFC 3030 */
	unsigned long size_max;
	char auth[512];
};

struct session {
	const struct pn_smtp_params *p;
	const struct pn_envelope *env;
	const char *from;               /* the forms used in this session */
	const struct pn_addrlist *rcpt;
	const struct pn_message *msg;
	struct pn_message *seven;  /* msg converted to 7 bits (mime.h), or NULL */
	const char *etrn;          /* --rmqs: the ETRN argument; NULL: a message */
	struct idxlist tx;         /* the recipients of this transaction; after
				    * the envelope, those it accepted */
	struct idxlist later;      /* deferred with 452 4.5.3: the next one's */
	size_t tx_ok;              /* accepted so far, while the RCPTs are read */
	size_t rcpt_cap;           /* recipients the server takes in a transaction,
				    * learned from its 452 4.5.3; 0: unknown */
	size_t sent;               /* recipients that have the message */
	bool rset;                 /* a transaction went before: RSET first */
	bool stepwise;             /* -bs: the transaction a command at a time */
	bool step_mail;            /* ... a MAIL was accepted, it is open */
	unsigned long long step_size; /* ... the client's SIZE=, 0: none */
	struct pn_conn *c;
	struct pn_tls *tls;
	bool tls_on, broken, data_open;
	enum pn_phase phase;       /* what the reply being waited for answers */
	char cur[512];             /* the last reply on one line */
	struct refusal {           /* the recipient refusal that decides */
		int code;
		char enhanced[16], line[512];
	} refusal, deferral;       /* ... and the first 452 4.5.3 */
	bool bare_refused;         /* a refused recipient has no domain */
	struct caps caps;
	bool bdat;                 /* the message goes in BDAT chunks (smtp_bdat.c) */
	bool bdat_ahead;           /* ... in one chunk pipelined behind the envelope */
	struct pn_bdat frame;      /* its chunks so far */
	unsigned long answered;    /* chunks whose reply was read */
	char *greeting;            /* -S: the greeting's text */
	struct pn_reply r;
	struct pn_buf line;
	struct pn_error *err;      /* the outcome of the session */
};

/* smtp_trace - one transcript line on stderr with -v */
PN_PRINTF(2, 3) void smtp_trace(const struct session *s, const char *fmt, ...);
/* smtp_write_line - queue one command line of max bytes at most, CRLF
 * included; shown is what the transcript says; false with s->err set */
bool smtp_write_line(struct session *s, const char *cmd, const char *shown, size_t max);
/* smtp_send_cmd - queue a command that may be shown as it is */
PN_PRINTF(2, 3) bool smtp_send_cmd(struct session *s, const char *fmt, ...);
/* smtp_flush - send what is queued */
bool smtp_flush(struct session *s);
/* smtp_read_reply - one whole reply into s->r (and s->cur) */
bool smtp_read_reply(struct session *s);
/* smtp_reply_error - the current reply is the failure; S_FAIL */
enum state smtp_reply_error(struct session *s, const char *what);
/* smtp_transaction - the state after the greetings and AUTH */
enum state smtp_transaction(const struct session *s);
/* smtp_command - send one command, flush, read its reply */
bool smtp_command(struct session *s, const char *cmd);
/* smtp_drive - run the states from st until the session is ready for a
 * transaction, done, or failed (the error then says where) */
enum state smtp_drive(struct session *s, enum state st);

/* an open session (smtp.h); the -bs transaction's own envelope */
struct pn_smtp {
	struct session s;
	char *from;
	struct pn_addrlist rcpt; /* what RCPT sent: accepted or deferred */
	struct pn_envelope env;
};

/* smtp_tx.c: the mail transaction */

/* smtp_st_envelope - the ENVELOPE state: MAIL, RCPTs, DATA, up to 354 */
enum state smtp_st_envelope(struct session *s);
/* smtp_st_body - the BODY state: the message, the end of data, the verdict */
enum state smtp_st_body(struct session *s);
/* smtp_size_refused - the message is over the server's SIZE (the error
 * set, as the server's 552 would be) */
bool smtp_size_refused(struct session *s);
/* smtp_begin_tx - a message's first transaction: all of its recipients */
enum state smtp_begin_tx(struct session *s);
/* smtp_partial - after a failure: the error says which recipients have
 * the message from an earlier transaction */
void smtp_partial(struct session *s);
/* smtp_step_reset - forget a kept session's last transaction */
void smtp_step_reset(struct pn_smtp *c);

/* smtp_choose_body - DATA or BDAT for the message (s->bdat); a part in
 * binary needs BDAT and BODY=BINARYMIME: false (65) when the server
 * cannot take it */
bool smtp_choose_body(struct session *s);
/* smtp_step_bdat - -bs's data step, the envelope answered already: BDAT
 * (s->bdat) when the chunking setting allows it and it saves DATA's round
 * trip to 354 (auto: a message of one chunk) */
bool smtp_step_bdat(struct session *s);
/* smtp_bdat_ahead - with s->bdat_ahead, the whole message in one chunk
 * queued behind the envelope, before its replies are read */
bool smtp_bdat_ahead(struct session *s);
/* smtp_bdat_drain - after a refused envelope, the reply to a chunk sent
 * ahead of it (it answers a transaction without recipients) is read and
 * dropped, so that no later command takes it for its own */
bool smtp_bdat_drain(struct session *s);
/* smtp_bdat_body - the body with BDAT (smtp_bdat.c): the message in
 * chunks and the replies to all but the LAST one; the caller reads the
 * verdict, as after the final dot.  False with s->err set. */
bool smtp_bdat_body(struct session *s);

/* smtp_st_auth - the AUTH state (smtp_auth.c): choose a mechanism and
 * authenticate; the transaction's state, or S_FAIL with s->err set */
enum state smtp_st_auth(struct session *s);

#endif
