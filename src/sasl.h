/* sasl.h - SASL mechanisms for AUTH, knowing nothing of SMTP.
 *
 * PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login), CRAM-MD5 (RFC
 * 2195), SCRAM-SHA-1 and SCRAM-SHA-256 with their -PLUS forms (RFC 5802,
 * RFC 7677; channel bindings RFC 5929 tls-unique and RFC 9266
 * tls-exporter; scram.h), XOAUTH2 (Google's and Microsoft's format),
 * OAUTHBEARER (RFC 7628) and EXTERNAL (RFC 4422 appendix A).  Choosing a
 * mechanism is a pure function.  Responses are base64 text in a pn_secret
 * that the caller sends and then wipes.
 * SECURITY: the user name and password (or OAuth token) pass through here;
 * SCRAM's keys and proofs live in struct pn_scram, wiped by pn_sasl_free.
 */
#ifndef POSTERN_SASL_H
#define POSTERN_SASL_H

#include "buf.h"

/* the account's "auth" setting: which mechanisms it allows */
enum pn_auth {
	PN_AUTH_UNSET = -1, PN_AUTH_OFF, PN_AUTH_ON, PN_AUTH_PLAIN, PN_AUTH_LOGIN, PN_AUTH_CRAM_MD5,
	PN_AUTH_SCRAM_SHA_1, PN_AUTH_SCRAM_SHA_256, PN_AUTH_SCRAM_SHA_1_PLUS, PN_AUTH_SCRAM_SHA_256_PLUS,
	PN_AUTH_XOAUTH2, PN_AUTH_OAUTHBEARER, PN_AUTH_EXTERNAL
};

enum pn_sasl_mech {
	PN_SASL_NONE, PN_SASL_PLAIN, PN_SASL_LOGIN, PN_SASL_CRAM_MD5,
	PN_SASL_SCRAM_SHA_1, PN_SASL_SCRAM_SHA_256, PN_SASL_SCRAM_SHA_1_PLUS, PN_SASL_SCRAM_SHA_256_PLUS,
	PN_SASL_XOAUTH2, PN_SASL_OAUTHBEARER, PN_SASL_EXTERNAL
};

/* The largest SCRAM iteration count postern computes (the server chooses
 * it; RFC 7677 asks for 4096 at least, and a lower one is taken).  PBKDF2
 * at this count costs some 0.15 s of CPU (4096: 0.55 ms for the whole
 * exchange, measured); more is refused as an attack on
 * the client's time. */
#define PN_SASL_MAX_ITERATIONS 1000000

/* what the account's credentials and the session allow */
struct pn_sasl_allow {
	bool password; /* a password (or token) is at hand */
	bool oauth;    /* the secret is an OAuth 2.0 access token */
	bool cert;     /* a TLS client certificate was presented */
	bool user;     /* the account has a user name */
	bool binding;  /* the TLS session has a channel binding (-PLUS) */
};

/* pn_sasl_choose - the mechanism to use given what the server offers (the
 * words after AUTH in EHLO), the account's auth setting (enum pn_auth) and
 * what its credentials allow.  "on" takes, of those the server offers:
 * with an OAuth token source OAUTHBEARER then XOAUTH2 only; with a client
 * certificate and no user EXTERNAL only; else SCRAM-SHA-256-PLUS and
 * SCRAM-SHA-1-PLUS (with a channel binding), SCRAM-SHA-256, SCRAM-SHA-1,
 * CRAM-MD5, PLAIN, LOGIN.  A named method only itself (a -PLUS one even
 * without a binding: the caller says why it cannot go on). */
enum pn_sasl_mech pn_sasl_choose(const char *offered, int auth, const struct pn_sasl_allow *allow);
/* pn_sasl_allowed - what pn_sasl_choose would take from a server offering
 * everything, as "SCRAM-SHA-256, SCRAM-SHA-1, ..." in buf */
void pn_sasl_allowed(int auth, const struct pn_sasl_allow *allow, char *buf, size_t size);
/* pn_sasl_offers - the space-separated list offered names the mechanism */
bool pn_sasl_offers(const char *offered, const char *name);
const char *pn_sasl_name(enum pn_sasl_mech m);
/* pn_sasl_plus - a -PLUS mechanism (it needs a channel binding) */
bool pn_sasl_plus(enum pn_sasl_mech m);
/* pn_sasl_plus_offered - offered names the -PLUS form of the SCRAM
 * mechanism m (RFC 5802 6: a client that could bind says "y" unless the
 * server offers "the -PLUS name" of the method used) */
bool pn_sasl_plus_offered(const char *offered, enum pn_sasl_mech m);

/* why an exchange stopped (pn_sasl_initial or pn_sasl_step false) */
enum pn_sasl_failure {
	PN_SASLF_NONE,      /* no failure (no initial response: the server speaks first) */
	PN_SASLF_MALFORMED, /* a challenge that breaks the mechanism's grammar, or one too many */
	PN_SASLF_NONCE,     /* SCRAM: the server's nonce does not start with ours */
	PN_SASLF_ITERATIONS, /* SCRAM: an iteration count past PN_SASL_MAX_ITERATIONS */
	PN_SASLF_FORGED,    /* SCRAM: the server's signature is wrong */
	PN_SASLF_SERVER,    /* SCRAM: the server sent an error (e=), in error */
	PN_SASLF_PREP,      /* the user name or password fails SASLprep */
};

struct pn_scram;

struct pn_sasl {
	enum pn_sasl_mech mech;
	const char *user;                 /* NULL: none (EXTERNAL) */
	const struct pn_secret *password; /* the password, or the OAuth token */
	int step;
	const char *host; /* OAUTHBEARER: the server's name and port */
	int port;
	/* the TLS channel binding (-PLUS, and the "y" flag), cb_type NULL: none */
	const char *cb_type; /* "tls-exporter" or "tls-unique" */
	const unsigned char *cb_data;
	size_t cb_len;
	bool plus_offered; /* the server offers the -PLUS form of mech */
	/* tests only: SCRAM's client nonce (printable, no ','); NULL: 24
	 * random bytes in base64 (production never sets it) */
	const char *nonce;
	/* filled in by the exchange */
	struct pn_scram *scram;
	enum pn_sasl_failure failure;
	bool verified;  /* SCRAM: the server proved it knows the password */
	char error[256]; /* the server's error (SCRAM e=, an OAuth JSON), escaped */
};

/* pn_sasl_initial - the initial response in out; false for a mechanism
 * that has none (failure NONE: the server speaks first) or on a failure */
bool pn_sasl_initial(struct pn_sasl *s, struct pn_secret *out);
/* pn_sasl_step - the answer to a base64 challenge in out; false when the
 * challenge is malformed, fails a check, or the exchange should have
 * ended (s->failure says which) */
bool pn_sasl_step(struct pn_sasl *s, const char *challenge, struct pn_secret *out);
/* pn_sasl_complete - a success reply (235) may be believed: true except
 * for SCRAM before the server's signature was verified */
bool pn_sasl_complete(const struct pn_sasl *s);
/* pn_sasl_free - wipe and free the exchange's state */
void pn_sasl_free(struct pn_sasl *s);

#endif
