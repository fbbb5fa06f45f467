/* import_ssmtp.c - an ssmtp.conf and its revaliases into a postern rc file
 * (see import.h).
 *
 * ssmtp.conf: "Name=value" lines (names without regard to case), '#'
 * comments.  revaliases, in the same directory: "user:address[:host[:port]]"
 * lines, the From address (and smarthost) of each local user's mail.
 * What cannot be carried over is a comment in the output.
 * SECURITY: AuthPass passes through here into the rc text.
 */
#include "import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the settings of ssmtp.conf that postern has a place for */
enum key {
	K_MAILHUB,
	K_USER,
	K_PASS,
	K_METHOD,
	K_TLS,
	K_STARTTLS,
	K_CAFILE,
	K_CADIR,
	K_CERT,
	K_KEY,
	K_REWRITE,
	K_OVERRIDE,
	K_HOSTNAME,
	K_ROOT,
	K_N
};

static const char *const key_names[K_N] = {
    "mailhub",    "AuthUser",   "AuthPass", "AuthMethod",    "UseTLS",           "UseSTARTTLS", "TLS_CA_File",
    "TLS_CA_Dir", "UseTLSCert", "TLSKey",   "RewriteDomain", "FromLineOverride", "hostname",    "root",
};

/* the import of one ssmtp.conf */
struct ss {
	struct pn_import *im;
	char *v[K_N]; /* the last value of each (NULL: not set) */
	char *cert;   /* TLSCert */
};

/* trim - blanks (and CR) at both ends; a pointer into s */
static char *trim(char *s)
{
	s += strspn(s, " \t");
	size_t n = strlen(s);
	while (n && strchr(" \t\r", s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* set_key - one "Name=value" line */
static void set_key(struct ss *ss, const char *name, const char *value)
{
	char **slot = NULL;
	for (int k = 0; k < K_N && !slot; k++)
		if (strcasecmp(name, key_names[k]) == 0)
			slot = &ss->v[k];
	if (!slot && strcasecmp(name, "TLSCert") == 0)
		slot = &ss->cert;
	if (!slot) {
		if (strcasecmp(name, "Debug") != 0)
			pn_import_note(ss->im, _("%s=%s: not carried over"), name,
			               strcasecmp(name, "AuthPass") ? value : "...");
		return;
	}
	pn_free_wiped(*slot);
	*slot = pn_xstrdup(value);
}

/* parse - every line of the text */
static void parse(struct ss *ss, const char *text)
{
	char *copy = pn_xstrdup(text);
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		/* as ssmtp reads it: the name ends at '=' or a blank, and '='
		 * and blanks separate it from the value ("AuthPass x" too) */
		size_t n = strcspn(s, "= \t");
		char *value = s + n + strspn(s + n, "= \t");
		if (!*value) { /* the name alone: never the line, which may be a secret */
			s[n] = '\0';
			pn_import_note(ss->im, _("%s: no value; not carried over"), s);
			continue;
		}
		s[n] = '\0';
		set_key(ss, s, trim(value));
	}
	pn_wipe(copy, strlen(text));
	free(copy);
}

/* on - an ssmtp yes */
static bool on(const struct ss *ss, enum key k)
{
	return ss->v[k] && strcasecmp(ss->v[k], "yes") == 0;
}

/* hub - "host[:port]" as host and port lines; false when it cannot be read */
static bool hub(struct pn_import *im, const char *what, const char *h)
{
	const char *colon = strrchr(h, ':');
	char *host = pn_xstrndup(h, colon ? (size_t)(colon - h) : strlen(h));
	const char *port = colon ? colon + 1 : "25";
	bool ok = pn_import_host_ok(host) && *port && strlen(port) <= 5 &&
	          port[strspn(port, "0123456789")] == '\0' && atol(port) > 0 && atol(port) < 65536;
	if (ok) {
		pn_import_value(im, "host", host);
		pn_import_value(im, "port", port);
	} else {
		pn_import_note(im, _("%s %s: not a host[:port] postern can read; not carried over"), what, h);
	}
	free(host);
	return ok;
}

/* tls_settings - UseTLS, UseSTARTTLS and the certificate files */
static void tls_settings(struct ss *ss)
{
	struct pn_import *im = ss->im;
	bool tls = on(ss, K_TLS) || on(ss, K_STARTTLS);
	pn_import_value(im, "tls", tls ? "on" : "off");
	if (tls) {
		pn_import_value(im, "tls_starttls", on(ss, K_STARTTLS) ? "on" : "off");
		pn_import_value(im, "tls_certcheck", "on");
		if (!ss->v[K_CAFILE])
			pn_import_note(
			    im, _("ssmtp checked the certificate only with TLS_CA_File; postern checks it "
			          "against "
			          "the system's trusted authorities (if it does not verify, pin it with "
			          "tls_fingerprint, which postern -S shows)"));
	} else if (ss->v[K_USER]) {
		pn_import_note(
		    im,
		    _("UseTLS and UseSTARTTLS are off: ssmtp sent the password without TLS; postern refuses "
		      "to (see insecure_auth_without_tls): turn tls on if the smarthost offers it"));
	}
	if (ss->v[K_CAFILE])
		pn_import_value(im, "tls_trust_file", ss->v[K_CAFILE]);
	if (ss->v[K_CADIR])
		pn_import_note(
		    im,
		    _("TLS_CA_Dir=%s: postern reads one file of certificates (tls_trust_file) or the "
		      "system's trusted authorities; not carried over"),
		    ss->v[K_CADIR]);
	if (on(ss, K_CERT) && ss->cert) {
		pn_import_value(im, "tls_cert_file", ss->cert);
		pn_import_value(im, "tls_key_file", ss->v[K_KEY] ? ss->v[K_KEY] : ss->cert);
	}
}

/* auth_settings - AuthUser, AuthPass, AuthMethod */
static void auth_settings(struct ss *ss)
{
	struct pn_import *im = ss->im;
	if (!ss->v[K_USER]) {
		pn_import_value(im, "auth", "off");
		return;
	}
	const char *m = ss->v[K_METHOD];
	bool cram = m && strcasecmp(m, "cram-md5") == 0;
	pn_import_value(im, "auth", cram ? "cram-md5" : "on");
	if (m && !cram)
		pn_import_note(im, _("AuthMethod=%s: postern chooses the mechanism itself; not carried over"),
		               m);
	pn_import_value(im, "user", ss->v[K_USER]);
	if (ss->v[K_PASS])
		pn_import_value(im, "password", ss->v[K_PASS]);
	else
		pn_import_note(im, _("AuthUser without AuthPass: add the password"));
}

/* sender_settings - RewriteDomain, hostname, FromLineOverride, root */
static void sender_settings(struct ss *ss)
{
	struct pn_import *im = ss->im;
	if (ss->v[K_REWRITE]) {
		pn_import_value(im, "maildomain", ss->v[K_REWRITE]);
		char *from = pn_xasprintf("%%U@%s", ss->v[K_REWRITE]);
		pn_import_value(im, "from", from);
		free(from);
	}
	if (ss->v[K_HOSTNAME])
		pn_import_value(im, "domain", ss->v[K_HOSTNAME]);
	if (on(ss, K_OVERRIDE))
		pn_import_note(
		    im,
		    _("FromLineOverride=YES: the message's From field is kept, as postern does; ssmtp also "
		      "took the envelope sender from it, which postern does with --read-envelope-from"));
	else {
		pn_import_value(im, "set_from_header", "on");
		pn_import_note(
		    im,
		    _("FromLineOverride is off: ssmtp put its own From field in place of the message's, as "
		      "set_from_header on does"));
	}
	if (ss->v[K_ROOT])
		pn_import_note(
		    im,
		    _("root=%s: mail for root went to that address; put \"root: %s\" in an aliases file "
		      "and name it with the aliases command"),
		    ss->v[K_ROOT], ss->v[K_ROOT]);
}

/* revalias - one "user:address[:host[:port]]" line: an account for the
 * mail that user sends */
static void revalias(struct pn_import *im, char *line)
{
	char *user = trim(line), *addr = strchr(user, ':');
	if (addr)
		*addr++ = '\0';
	char *hubs = addr ? strchr(addr, ':') : NULL;
	if (hubs)
		*hubs++ = '\0';
	user = trim(user);
	addr = addr ? trim(addr) : NULL;
	if (!*user || !addr || !*addr || strpbrk(user, " \t,")) {
		pn_import_note(im, _("revaliases: '%s': not user:address[:host[:port]]; not carried over"),
		               line);
		return;
	}
	pn_import_account(im, user, "default");
	pn_import_value(im, "default_for", user);
	pn_import_value(im, "from", addr);
	if (hubs && *trim(hubs))
		(void)hub(im, "revaliases", trim(hubs));
}

/* revaliases - the revaliases file next to ssmtp.conf, if there is one */
static void revaliases(struct pn_import *im, const char *conf_path)
{
	const char *slash = strrchr(conf_path, '/');
	char *path = pn_xasprintf("%.*srevaliases", slash ? (int)(slash - conf_path + 1) : 0, conf_path);
	int errnum = 0;
	char *text = im->read(im->ctx, path, &errnum);
	if (!text && errnum != ENOENT)
		pn_import_note(im, _("cannot read %s: %s; not carried over"), path,
		               PN_FOREIGN(strerror(errnum)));
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *s = trim(line);
		if (*s && *s != '#')
			revalias(im, s);
	}
	pn_free_wiped(text);
	free(path);
}

/* pn_import_ssmtp - see import.h */
bool pn_import_ssmtp(struct pn_import *im, const char *path, const char *conf)
{
	struct ss ss = {.im = im};
	pn_import_note(im, _("postern configuration made by postern --import ssmtp from %s"), path);
	parse(&ss, conf);
	bool ok = ss.v[K_MAILHUB] != NULL;
	if (!ok)
		pn_import_note(im, _("%s names no mailhub; nothing to carry over"), path);
	if (ok) {
		pn_import_line(im, "");
		pn_import_line(im, "defaults");
		tls_settings(&ss);
		auth_settings(&ss);
		sender_settings(&ss);
		pn_import_account(im, "default", NULL);
		ok = hub(im, "mailhub", ss.v[K_MAILHUB]);
		revaliases(im, path);
	}
	for (int k = 0; k < K_N; k++)
		pn_free_wiped(ss.v[k]);
	pn_free_wiped(ss.cert);
	return ok && !im->overflow;
}
