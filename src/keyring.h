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

/* OAuth 2.0 tokens (tokenstore.h): one item per account and client id
 * (schema org.postern.oauth2, attributes service=oauth2, account,
 * client_id) whose secret is the token store's text. */

/* pn_keyring_token_lookup - the text into *out when found */
enum pn_keyring_result pn_keyring_token_lookup(const char *account, const char *client_id, struct pn_secret *out,
					       char *why, size_t why_size);
/* pn_keyring_token_store - replace the item with text; false with why */
bool pn_keyring_token_store(const char *account, const char *client_id, const char *text, char *why,
			    size_t why_size) PN_WUR;
/* pn_keyring_token_clear - remove the item (none is no error) */
bool pn_keyring_token_clear(const char *account, const char *client_id, char *why, size_t why_size) PN_WUR;

#endif
