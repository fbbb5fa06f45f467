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
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#if HAVE_LIBSECRET
#include <dlfcn.h>
#include <libsecret/secret.h>

typedef gchar *(*lookup_fn)(const SecretSchema *, GCancellable *, GError **, ...);
typedef void (*password_free_fn)(gchar *);
typedef void (*error_free_fn)(GError *);

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

enum pn_keyring_result pn_keyring_lookup(const char *host, const char *user, struct pn_secret *out, char *why,
					 size_t why_size)
{
	out->p = NULL;
	if (getauxval(AT_SECURE)) {
		snprintf(why, why_size, "%s", _("the keyring cannot be used by a set-group-ID postern"));
		return PN_KEYRING_UNAVAILABLE;
	}
	if (!session_bus()) {
		snprintf(why, why_size, "%s", _("the keyring is unavailable: no D-Bus session bus"));
		return PN_KEYRING_UNAVAILABLE;
	}
	void *lib = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL);
	lookup_fn lookup = lib ? (lookup_fn)dlsym(lib, "secret_password_lookup_sync") : NULL;
	password_free_fn pfree = lib ? (password_free_fn)dlsym(lib, "secret_password_free") : NULL;
	error_free_fn efree = lib ? (error_free_fn)dlsym(lib, "g_error_free") : NULL;
	if (!lookup || !pfree || !efree) {
		snprintf(why, why_size, "%s", _("the keyring is unavailable: libsecret-1.so.0 cannot be loaded"));
		return PN_KEYRING_UNAVAILABLE;
	}
	static const SecretSchema schema = {
		"de.marlam.msmtp.password", SECRET_SCHEMA_DONT_MATCH_NAME,
		{{"host", SECRET_SCHEMA_ATTRIBUTE_STRING},
		 {"service", SECRET_SCHEMA_ATTRIBUTE_STRING},
		 {"user", SECRET_SCHEMA_ATTRIBUTE_STRING},
		 {NULL, 0}},
		0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	};
	GError *gerr = NULL;
	pn_locale(); /* a GError's message comes in the messages' language */
	gchar *pw = lookup(&schema, NULL, &gerr, "host", host, "service", "smtp", "user", user, NULL);
	if (gerr) {
		snprintf(why, why_size, _("the keyring is unavailable: %s"), gerr->message);
		efree(gerr);
		return PN_KEYRING_UNAVAILABLE;
	}
	if (!pw) {
		snprintf(why, why_size, "%s", _("not in the keyring"));
		return PN_KEYRING_NOT_FOUND;
	}
	pn_secret_copy(out, pw, strlen(pw));
	pfree(pw); /* libsecret clears it */
	return PN_KEYRING_FOUND;
}

#else

enum pn_keyring_result pn_keyring_lookup(const char *host, const char *user, struct pn_secret *out, char *why,
					 size_t why_size)
{
	out->p = NULL;
	snprintf(why, why_size, "%s", _("this postern was built without keyring support"));
	return PN_KEYRING_UNAVAILABLE;
}

#endif
