/* secret.h - the account's password, from the sources msmtp uses.
 *
 * In msmtp's order: "password" in the rc file; "passwordeval CMD" (run with
 * /bin/sh -c, the first line of its output; a command that fails or does not
 * answer within the account's timeout is an error naming the account); the
 * keyring (keyring.h); ~/.netrc (netrc.h); a prompt on /dev/tty when there
 * is a terminal (never stdin, which carries the message).
 * SECURITY: the secret lives only in a pn_secret, wiped by pn_secret_wipe;
 * it never reaches a log, argv, the environment or an error message.
 */
#ifndef POSTERN_SECRET_H
#define POSTERN_SECRET_H

#include "buf.h"
#include "rcfile.h"

struct pn_secret_ctx {
	const char *home;  /* for ~/.netrc */
	bool clean_env;    /* run passwordeval with only PATH=/usr/bin:/bin */
};

bool pn_secret_get(const struct pn_account *a, const struct pn_secret_ctx *ctx, struct pn_secret *out,
		   struct pn_error *err) PN_WUR;

#endif
