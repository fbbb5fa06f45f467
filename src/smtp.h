/* smtp.h - the SMTP submission client: one session, one message.
 *
 * Connects, reads the greeting, EHLO (HELO when EHLO is refused), STARTTLS
 * or implicit TLS, EHLO again, AUTH, then MAIL/RCPT/DATA pipelined when the
 * server offers PIPELINING, the body, and QUIT; or, when the server offers
 * CHUNKING (RFC 3030), MAIL/RCPT and the body in BDAT chunks, the last one
 * standing for the end of DATA.  Succeeds only when the server answered
 * 250 to the end of DATA.  All or nothing: when any
 * recipient is refused nothing is sent, and the error names every refused
 * recipient.  With LMTP (RFC 2033, p->lmtp): LHLO, and after the end of
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
	 * passed to on_rcpt.  With lmtp and a message, on_rcpt gets each
	 * recipient's verdict after the data instead, in recipient order. */
	bool verify;
	void (*on_rcpt)(void *ctx, const char *addr, int code, const char *reply);
	void *on_rcpt_ctx;
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

/* pn_smtp_etrn - --rmqs: connect, EHLO, STARTTLS and AUTH as p says, then
 * "ETRN arg" (RFC 1985: a host, @domain or #queue), and QUIT.  True when
 * the server answered 250 to 253; else out holds the refusal or failure
 * (458 and 459 are temporary, 75; 500 to 504: not supported, 69). */
bool pn_smtp_etrn(const struct pn_smtp_params *p, const char *arg, struct pn_error *out) PN_WUR;

#endif
