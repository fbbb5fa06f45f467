/* tokenstore.h - where an account's OAuth 2.0 tokens are kept between
 * sends: a file of its own, or the desktop keyring.
 *
 * The store holds the refresh token, the cached access token with its
 * expiry, and the configuration they were obtained for (client id, token
 * URL, scope), so that a token for another configuration is never used.
 * File format: text lines "key value", one per line, every value written
 * by pn_escape (escape.h) and read back strictly; unknown keys are
 * refused.  Keys: client_id, token_url, scope, refresh_token,
 * access_token, expires (Unix time).  In the keyring the same text is the
 * secret of one item (attributes service=oauth2, account, client_id).
 *
 * A file store must be a regular file of the caller (or, for a system
 * account, of the caller or root with group postern) giving nothing to
 * others, and to the group nothing but a system account's group; anything
 * else is refused.  It is replaced atomically: a temporary file in the
 * same directory, fsync, rename, fsync of the directory.  pn_store_open
 * takes an exclusive lock (flock on "FILE.lock") that serialises
 * read-refresh-write between concurrent sends, waiting a bounded time for
 * it; pn_store_close drops it.
 * SECURITY: tokens pass through here in pn_secrets and secret buffers.
 */
#ifndef POSTERN_TOKENSTORE_H
#define POSTERN_TOKENSTORE_H

#include "buf.h"
#include "error.h"

struct pn_token {
	struct pn_secret refresh; /* p NULL: none */
	struct pn_secret access;  /* p NULL: none */
	long long expires;        /* when access expires, Unix time; 0: unknown */
	char *client_id, *token_url, *scope; /* what they were obtained for; NULL: unknown */
};

void pn_token_free(struct pn_token *t);

/* pn_token_format - t as the store's text, into out (a secret buffer) */
bool pn_token_format(const struct pn_token *t, struct pn_buf *out) PN_WUR;

/* pn_token_parse - the store's text into t (empty before); false with a
 * short reason in why for anything pn_token_format does not write */
bool pn_token_parse(const char *text, size_t n, struct pn_token *t, char *why, size_t why_size) PN_WUR;

struct pn_store {
	char *path;     /* the file; with the keyring, where the lock file goes */
	char *account;  /* the account's name */
	bool keyring;   /* oauth2_token_store keyring */
	bool system;    /* a system account's store: group postern, mode 0660 */
	int lockfd;
};

/* pn_store_default_path - the store of account when oauth2_token_store is
 * not set: $XDG_STATE_HOME/postern/oauth2/ACCOUNT (default
 * HOME/.local/state/...), or /var/lib/postern/oauth2/ACCOUNT for a system
 * account; allocated */
char *pn_store_default_path(const char *account, const char *home, bool system);

/* pn_store_open - s for setting (a path, "keyring" or NULL for the
 * default), locked, waiting at most wait_s seconds for another postern
 * that holds the lock (75 after that); the user's own directories are
 * made (0700) when missing.  78 when the store cannot be used, with the
 * reason. */
bool pn_store_open(struct pn_store *s, const char *setting, const char *account, const char *home, bool system,
		   int wait_s, struct pn_error *err) PN_WUR;

/* pn_store_read - the stored tokens into t (empty before); t stays empty
 * when nothing is stored yet.  78 for a store that is unsafe or broken. */
bool pn_store_read(struct pn_store *s, const char *client_id, struct pn_token *t, struct pn_error *err) PN_WUR;

/* pn_store_write - replace the stored tokens with t, atomically; 73/74
 * (the file cannot be written) or 78 (the keyring is unavailable) */
bool pn_store_write(struct pn_store *s, const struct pn_token *t, struct pn_error *err) PN_WUR;

/* pn_store_close - unlock and free */
void pn_store_close(struct pn_store *s);

#endif
