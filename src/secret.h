/* secret.h - the account's password, from the sources msmtp uses.
 *
 * In order: "password" in the rc file, then "passwordeval CMD" (run with
 * /bin/sh -c, the first line of its output).  A command that fails or does
 * not answer within the account's timeout is an error naming the account.
 * SECURITY: the secret lives only in a pn_secret, wiped by pn_secret_wipe;
 * it never reaches a log, argv, the environment or an error message.
 */
#ifndef POSTERN_SECRET_H
#define POSTERN_SECRET_H

#include "config.h"

struct pn_secret {
	char *value; /* NUL-terminated, NULL when there is none */
};

bool pn_secret_get(const struct pn_account *a, struct pn_secret *out, struct pn_error *err) PN_WUR;
void pn_secret_wipe(struct pn_secret *s);

#endif
