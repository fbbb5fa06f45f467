/* sasl.h - SASL mechanisms for AUTH, knowing nothing of SMTP.
 *
 * PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login) and CRAM-MD5
 * (RFC 2195).  Choosing a mechanism is a pure function.  Responses are
 * base64 text that the caller sends and then wipes with pn_free_wiped.
 * SECURITY: the user name and password pass through here.
 */
#ifndef POSTERN_SASL_H
#define POSTERN_SASL_H

#include "common.h"

enum pn_sasl_mech { PN_SASL_NONE, PN_SASL_PLAIN, PN_SASL_LOGIN, PN_SASL_CRAM_MD5 };

/* pn_sasl_choose - the mechanism to use given what the server offers (the
 * words after AUTH in EHLO) and the account's auth setting (enum pn_auth):
 * "on" takes PLAIN, then CRAM-MD5, then LOGIN; a named method only itself. */
enum pn_sasl_mech pn_sasl_choose(const char *offered, int auth);
const char *pn_sasl_name(enum pn_sasl_mech m);

struct pn_sasl {
	enum pn_sasl_mech mech;
	const char *user;
	const char *password;
	int step;
};

/* pn_sasl_initial - the initial response, or NULL for a mechanism that has
 * none (the server speaks first) */
char *pn_sasl_initial(struct pn_sasl *s);
/* pn_sasl_step - the answer to a base64 challenge; NULL when the challenge
 * is malformed or the exchange should have ended */
char *pn_sasl_step(struct pn_sasl *s, const char *challenge);

#endif
