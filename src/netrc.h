/* netrc.h - a password from ~/.netrc (machine HOST login USER password P;
 * a "default" entry matches any machine).  The file must not be readable by
 * other users, as ftp(1) requires.
 * SECURITY: the password found passes through here into a pn_secret.
 */
#ifndef POSTERN_NETRC_H
#define POSTERN_NETRC_H

#include "buf.h"
#include "error.h"

/* pn_netrc_lookup - true with *out set when found; false with out->p NULL
 * when there is no entry (or no file); false with err set (78) for a file
 * that is unsafe or unreadable */
bool pn_netrc_lookup(const char *path, const char *host, const char *user, struct pn_secret *out,
		     struct pn_error *err);

#endif
