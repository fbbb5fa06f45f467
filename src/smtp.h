/* smtp.h - the SMTP submission client: one session, one message.
 *
 * Connects, reads the greeting, EHLO (HELO when EHLO is refused), STARTTLS
 * or implicit TLS, EHLO again, AUTH, then MAIL/RCPT/DATA pipelined when the
 * server offers PIPELINING, the body, and QUIT; or, when the server offers
 * CHUNKING (RFC 3030), MAIL/RCPT and the body in BDAT chunks, the last one
 * standing for the end of DATA.  Succeeds only when the server answered
 * 250 to the end of DATA.  All or nothing: when any
 * recipient is refused nothing is sent, and the error names every refused
 * recipient.  Recipients a server defers with 452 4.5.3 (too many
 * recipients, RFC 5321 4.5.3.1.10) go in further transactions on the same
 * connection once the message reached the others; each recipient gets the
 * message once.  A session can also be kept open for several messages
 * (pn_smtp_open, -bs), with RSET between them.  With LMTP (RFC 2033, p->lmtp): LHLO, and after the end of
 * DATA one reply per recipient; a refusal there is the one case where the
 * message reached some recipients and not others, and the error names each
 * refused one.
 * SECURITY: the password passes through (to sasl.c); AUTH lines are
 * redacted in the -v transcript.
 */
#ifndef POSTERN_SMTP_H
#define POSTERN_SMTP_H

#include "address.h"
#include "message.h"
#include "tls.h"

enum pn_tls_mode { PN_TLS_OFF, PN_TLS_STARTTLS, PN_TLS_IMPLICIT };

/* what -S shows: the server's words and its TLS session */
struct pn_smtp_info {
	const char *greeting; /* the greeting's text, lines joined by '\n' */
	const char *ehlo;     /* the last EHLO (or HELO) reply's text */
	struct pn_tls *tls;   /* the session, NULL without TLS */
};

struct pn_smtp_params {
	const char *host;
	int port;
	const char *helo;
	int timeout; /* seconds, 0: none */
	enum pn_tls_mode tls;
	bool lmtp; /* RFC 2033: LHLO, and one reply per recipient after the data */
	/* RFC 3030, when the server offers CHUNKING (SMTP only): enum
	 * pn_chunking (rcset.h): auto, BDAT where it saves a round trip (one
	 * recipient, one chunk behind the envelope), else DATA; on, BDAT; off,
	 * DATA.  A message with a binary part goes in BDAT whatever this says,
	 * when the server offers BINARYMIME too. */
	int chunking;
	struct pn_tls_params tlsp;
	struct pn_route route; /* Unix socket, source address, SOCKS5 proxy (net.h) */
	int auth; /* enum pn_auth; PN_AUTH_OFF: no AUTH */
	/* AUTH may go without TLS: the server is local (rcfile.h,
	 * pn_account_local), or insecure_auth_without_tls is on */
	bool auth_in_clear;
	const char *user;
	const struct pn_secret *password; /* NULL: none */
	bool oauth; /* the password is an OAuth 2.0 token (pn_account_oauth):
		     * "auth on" takes OAUTHBEARER or XOAUTH2 only */
	const char *sasl_nonce; /* tests only: SCRAM's client nonce; NULL: random */
	const char *dsn_notify, *dsn_ret, *dsn_envid;
	int verbose; /* transcript on stderr */
	/* -bv: MAIL and RCPT only, then RSET; each recipient's verdict is
	 * passed to on_rcpt.  With a message, on_rcpt gets the verdict of each
	 * recipient that has the message (the reply to the end of its
	 * transaction's data; with lmtp, its own reply after the data).  i is
	 * the recipient's index in the envelope. */
	bool verify;
	void (*on_rcpt)(void *ctx, size_t i, const char *addr, int code, const char *reply);
	void *on_rcpt_ctx;
	/* recipients of the message that got it in an earlier attempt (retry),
	 * not in the envelope: a failure says they have it */
	size_t rcpt_had;
	/* -S: after the last EHLO (STARTTLS done when configured) on_info is
	 * called and the session ends with QUIT: no AUTH, no transaction */
	void (*on_info)(void *ctx, const struct pn_smtp_info *info);
	void *on_info_ctx;
};

struct pn_envelope {
	const char *from;               /* as given, possibly UTF-8 */
	const struct pn_addrlist *rcpt;
	const char *from_ascii;         /* domains as A-labels */
	const struct pn_addrlist *rcpt_ascii;
	const char *utf8_addr;          /* an address whose local part is not ASCII */
};

/* pn_smtp_deliver - one session for msg (NULL with p->verify).  True when
 * the server accepted the message (out then holds its 250 reply); else out
 * holds the refusal or failure, the first one of the session. */
bool pn_smtp_deliver(const struct pn_smtp_params *p, const struct pn_envelope *env,
		     const struct pn_message *msg, struct pn_error *out) PN_WUR;

/* an open session, for several messages */
struct pn_smtp;

/* pn_smtp_open - connect, greeting, EHLO, STARTTLS and AUTH as p says (p
 * must outlive the session); NULL with out set when that failed */
struct pn_smtp *pn_smtp_open(const struct pn_smtp_params *p, struct pn_error *out);

/* pn_smtp_send - one message on an open session, as pn_smtp_deliver sends
 * it; RSET goes before MAIL (pipelined when offered) when the session had
 * a transaction before.  True when accepted. */
bool pn_smtp_send(struct pn_smtp *c, const struct pn_envelope *env, const struct pn_message *msg,
		  struct pn_error *out) PN_WUR;

/* the transaction a step at a time, for -bs, which answers each command
 * of its client with the smarthost's own verdict.  pn_smtp_mail: RSET (as
 * above) and MAIL FROM:<from>, with SMTPUTF8 when from needs it, or when
 * *utf8 asks and the server offers it (*utf8 then says whether it is
 * used: an address of a later RCPT that needs it is refused without),
 * SIZE=size when
 * size is not 0 and the server offers SIZE, BODY=8BITMIME when the server
 * offers it (any message may then be sent).  pn_smtp_rcpt: one recipient;
 * a 452 4.5.3 is answered true (*later set): that recipient is sent the
 * message in a further transaction after pn_smtp_data.  pn_smtp_data: the
 * message to the recipients accepted; the verdict.  Each returns true when
 * the server said yes; out holds the reply either way. */
bool pn_smtp_mail(struct pn_smtp *c, const char *from, bool *utf8, unsigned long long size, struct pn_error *out);
bool pn_smtp_rcpt(struct pn_smtp *c, const char *addr, bool *later, struct pn_error *out);
bool pn_smtp_data(struct pn_smtp *c, const struct pn_message *msg, struct pn_error *out);
/* pn_smtp_abort - the client gave up the transaction: RSET goes before
 * the next MAIL */
void pn_smtp_abort(struct pn_smtp *c);

/* pn_smtp_usable - the session can take another transaction: nothing
 * broke it, and the server has not closed the connection (checked without
 * waiting) */
bool pn_smtp_usable(struct pn_smtp *c);

/* pn_smtp_close - QUIT when the session is usable, close, free; NULL is
 * allowed */
void pn_smtp_close(struct pn_smtp *c);

/* pn_smtp_etrn - --rmqs: connect, EHLO, STARTTLS and AUTH as p says, then
 * "ETRN arg" (RFC 1985: a host, @domain or #queue), and QUIT.  True when
 * the server answered 250 to 253; else out holds the refusal or failure
 * (458 and 459 are temporary, 75; 500 to 504: not supported, 69). */
bool pn_smtp_etrn(const struct pn_smtp_params *p, const char *arg, struct pn_error *out) PN_WUR;

#endif
