/* sasl.h - SASL mechanisms for AUTH, knowing nothing of SMTP.
 *
 * PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login) and CRAM-MD5
 * (RFC 2195).  Choosing a mechanism is a pure function.  Responses are
 * base64 text in a pn_secret that the caller sends and then wipes.
 * SECURITY: the user name and password pass through here.
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

enum pn_sasl_mech { PN_SASL_NONE, PN_SASL_PLAIN, PN_SASL_LOGIN, PN_SASL_CRAM_MD5 };

/* pn_sasl_choose - the mechanism to use given what the server offers (the
 * words after AUTH in EHLO) and the account's auth setting (enum pn_auth):
 * "on" takes PLAIN, then CRAM-MD5, then LOGIN; a named method only itself. */
enum pn_sasl_mech pn_sasl_choose(const char *offered, int auth);
const char *pn_sasl_name(enum pn_sasl_mech m);

struct pn_sasl {
	enum pn_sasl_mech mech;
	const char *user;
	const struct pn_secret *password;
	int step;
};

/* pn_sasl_initial - the initial response in out; false for a mechanism
 * that has none (the server speaks first) */
bool pn_sasl_initial(struct pn_sasl *s, struct pn_secret *out);
/* pn_sasl_step - the answer to a base64 challenge in out; false when the
 * challenge is malformed or the exchange should have ended */
bool pn_sasl_step(struct pn_sasl *s, const char *challenge, struct pn_secret *out);

#endif
