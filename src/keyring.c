/* keyring.c - libsecret lookups through dlopen (see keyring.h).
 *
 * The schema matches msmtp's entries and any item stored by secret-tool with
 * the same attributes: SECRET_SCHEMA_DONT_MATCH_NAME, so the schema name is
 * not compared.  Without a D-Bus session bus (cron, a system service) the
 * keyring is unavailable at once instead of making GLib try to start one.
 * GLib refuses D-Bus in set-group-ID programs; postern says so instead.
 */
#include "keyring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#if HAVE_LIBSECRET
#include <dlfcn.h>
#include <libsecret/secret.h>

typedef gchar *(*lookup_fn)(const SecretSchema *, GCancellable *, GError **, ...);
typedef gboolean (*store_fn)(const SecretSchema *, const gchar *, const gchar *, const gchar *, GCancellable *,
			     GError **, ...);
typedef gboolean (*clear_fn)(const SecretSchema *, GCancellable *, GError **, ...);
typedef void (*password_free_fn)(gchar *);
typedef void (*error_free_fn)(GError *);

/* libsecret's entry points, found once */
static struct {
	void *lib;
	lookup_fn lookup;
	store_fn store;
	clear_fn clear;
	password_free_fn pfree;
	error_free_fn efree;
} ls;

/* session_bus - a session bus to talk to, without starting one */
static bool session_bus(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	if (addr && *addr)
		return true;
	const char *run = getenv("XDG_RUNTIME_DIR");
	if (!run || !*run)
		return false;
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/bus", run);
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* usable - libsecret loaded and a keyring to talk to; why when not */
static bool usable(char *why, size_t why_size)
{
	if (getauxval(AT_SECURE)) {
		snprintf(why, why_size, "%s", _("the keyring cannot be used by a set-group-ID postern"));
		return false;
	}
	if (!session_bus()) {
		snprintf(why, why_size, "%s", _("the keyring is unavailable: no D-Bus session bus"));
		return false;
	}
	if (!ls.lib && (ls.lib = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL)) != NULL) {
		ls.lookup = (lookup_fn)dlsym(ls.lib, "secret_password_lookup_sync");
		ls.store = (store_fn)dlsym(ls.lib, "secret_password_store_sync");
		ls.clear = (clear_fn)dlsym(ls.lib, "secret_password_clear_sync");
		ls.pfree = (password_free_fn)dlsym(ls.lib, "secret_password_free");
		ls.efree = (error_free_fn)dlsym(ls.lib, "g_error_free");
	}
	if (!ls.lookup || !ls.store || !ls.clear || !ls.pfree || !ls.efree) {
		snprintf(why, why_size, "%s", _("the keyring is unavailable: libsecret-1.so.0 cannot be loaded"));
		return false;
	}
	pn_locale(); /* a GError's message comes in the messages' language */
	return true;
}

/* gerror - why from a GError, which is freed; true when there was one */
static bool gerror(GError *gerr, char *why, size_t why_size)
{
	if (!gerr)
		return false;
	snprintf(why, why_size, _("the keyring is unavailable: %s"), gerr->message);
	ls.efree(gerr);
	return true;
}

/* found - a looked-up password into out */
static enum pn_keyring_result found(gchar *pw, struct pn_secret *out, char *why, size_t why_size)
{
	if (!pw) {
		snprintf(why, why_size, "%s", _("not in the keyring"));
		return PN_KEYRING_NOT_FOUND;
	}
	pn_secret_copy(out, pw, strlen(pw));
	ls.pfree(pw); /* libsecret clears it */
	return PN_KEYRING_FOUND;
}

enum pn_keyring_result pn_keyring_lookup(const char *host, const char *user, struct pn_secret *out, char *why,
					 size_t why_size)
{
	out->p = NULL;
	if (!usable(why, why_size))
		return PN_KEYRING_UNAVAILABLE;
	static const SecretSchema schema = {
		"de.marlam.msmtp.password", SECRET_SCHEMA_DONT_MATCH_NAME,
		{{"host", SECRET_SCHEMA_ATTRIBUTE_STRING},
		 {"service", SECRET_SCHEMA_ATTRIBUTE_STRING},
		 {"user", SECRET_SCHEMA_ATTRIBUTE_STRING},
		 {NULL, 0}},
		0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	};
	GError *gerr = NULL;
	gchar *pw = ls.lookup(&schema, NULL, &gerr, "host", host, "service", "smtp", "user", user, NULL);
	if (gerror(gerr, why, why_size))
		return PN_KEYRING_UNAVAILABLE;
	return found(pw, out, why, why_size);
}

/* the schema of postern's OAuth 2.0 items */
static const SecretSchema token_schema = {
	"org.postern.oauth2", SECRET_SCHEMA_NONE,
	{{"service", SECRET_SCHEMA_ATTRIBUTE_STRING},
	 {"account", SECRET_SCHEMA_ATTRIBUTE_STRING},
	 {"client_id", SECRET_SCHEMA_ATTRIBUTE_STRING},
	 {NULL, 0}},
	0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* pn_keyring_token_lookup - see keyring.h */
enum pn_keyring_result pn_keyring_token_lookup(const char *account, const char *client_id, struct pn_secret *out,
					       char *why, size_t why_size)
{
	out->p = NULL;
	if (!usable(why, why_size))
		return PN_KEYRING_UNAVAILABLE;
	GError *gerr = NULL;
	gchar *pw = ls.lookup(&token_schema, NULL, &gerr, "service", "oauth2", "account", account, "client_id",
			      client_id ? client_id : "", NULL);
	if (gerror(gerr, why, why_size))
		return PN_KEYRING_UNAVAILABLE;
	return found(pw, out, why, why_size);
}

/* pn_keyring_token_store - see keyring.h */
bool pn_keyring_token_store(const char *account, const char *client_id, const char *text, char *why,
			    size_t why_size)
{
	if (!usable(why, why_size))
		return false;
	GError *gerr = NULL;
	char *label = pn_xasprintf("postern OAuth 2.0 tokens of account %s", account);
	gboolean ok = ls.store(&token_schema, SECRET_COLLECTION_DEFAULT, label, text, NULL, &gerr, "service",
			       "oauth2", "account", account, "client_id", client_id ? client_id : "", NULL);
	free(label);
	return !gerror(gerr, why, why_size) && ok;
}

/* pn_keyring_token_clear - see keyring.h */
bool pn_keyring_token_clear(const char *account, const char *client_id, char *why, size_t why_size)
{
	if (!usable(why, why_size))
		return false;
	GError *gerr = NULL;
	(void)ls.clear(&token_schema, NULL, &gerr, "service", "oauth2", "account", account, "client_id",
		       client_id ? client_id : "", NULL);
	return !gerror(gerr, why, why_size);
}

#else

enum pn_keyring_result pn_keyring_lookup(const char *host, const char *user, struct pn_secret *out, char *why,
					 size_t why_size)
{
	out->p = NULL;
	snprintf(why, why_size, "%s", _("this postern was built without keyring support"));
	return PN_KEYRING_UNAVAILABLE;
}

/* pn_keyring_token_lookup - see keyring.h */
enum pn_keyring_result pn_keyring_token_lookup(const char *account, const char *client_id, struct pn_secret *out,
					       char *why, size_t why_size)
{
	out->p = NULL;
	snprintf(why, why_size, "%s", _("this postern was built without keyring support"));
	return PN_KEYRING_UNAVAILABLE;
}

/* pn_keyring_token_store - see keyring.h */
bool pn_keyring_token_store(const char *account, const char *client_id, const char *text, char *why,
			    size_t why_size)
{
	snprintf(why, why_size, "%s", _("this postern was built without keyring support"));
	return false;
}

/* pn_keyring_token_clear - see keyring.h */
bool pn_keyring_token_clear(const char *account, const char *client_id, char *why, size_t why_size)
{
	snprintf(why, why_size, "%s", _("this postern was built without keyring support"));
	return false;
}

#endif
