/* keyring.h - the desktop keyring through libsecret, loaded on demand.
 *
 * libsecret (and with it GLib) is dlopen()ed only when an account needs the
 * keyring, so every other send pays nothing for it.  The entry is the one
 * msmtp uses:  secret-tool store --label=... host HOST service smtp user USER
 * SECURITY: the password found passes through here into a pn_secret.
 */
#ifndef POSTERN_KEYRING_H
#define POSTERN_KEYRING_H

#include "buf.h"

enum pn_keyring_result { PN_KEYRING_FOUND, PN_KEYRING_NOT_FOUND, PN_KEYRING_UNAVAILABLE };

/* pn_keyring_lookup - *out is set when found; why (a short reason, static
 * or in why_buf) when not found or unavailable */
enum pn_keyring_result pn_keyring_lookup(const char *host, const char *user, struct pn_secret *out, char *why,
					 size_t why_size);

#endif
