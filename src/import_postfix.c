/* import_postfix.c - a Postfix relayhost setup into a postern rc file
 * (see import.h).
 *
 * main.cf (postconf(5)): "name = value" lines; a line that begins with a
 * blank continues the one before; a line whose first non-blank is '#' is
 * a comment; a later definition replaces an earlier one; $name, ${name}
 * and $(name) expand to another parameter (${name?text}, ${name:text}:
 * text when name is set, or not).  Lookup tables are read from their
 * source file, the text that postmap compiles ("key value" lines, same
 * continuation and comment rules, keys without regard to case).  What
 * cannot be carried over is a comment in the output, never dropped.
 * SECURITY: the sasl_passwd password passes through here into the rc text.
 */
#include "import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXPAND_DEPTH 20   /* $a -> $b -> ...: deeper is a loop */
#define EXPAND_REFS 10000 /* references expanded for one value: more is a bomb */

/* name = value pairs (main.cf) or key value pairs (a table) */
struct pairs {
	char **key, **value;
	size_t n;
};

/* pairs_free - the values may hold passwords: wiped */
static void pairs_free(struct pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->key[i]);
		pn_free_wiped(p->value[i]);
	}
	free(p->key);
	free(p->value);
	memset(p, 0, sizeof(*p));
}

/* pairs_get - the last value of key (no case, for tables) or NULL */
static const char *pairs_get(const struct pairs *p, const char *key)
{
	for (size_t i = p->n; i-- > 0;)
		if (strcasecmp(p->key[i], key) == 0)
			return p->value[i];
	return NULL;
}

/* pairs_add - one more pair, copied */
static void pairs_add(struct pairs *p, const char *k, size_t kn, const char *v, size_t vn)
{
	p->key = pn_xrealloc(p->key, (p->n + 1) * sizeof(*p->key));
	p->value = pn_xrealloc(p->value, (p->n + 1) * sizeof(*p->value));
	p->key[p->n] = pn_xstrndup(k, kn);
	p->value[p->n++] = pn_xstrndup(v, vn);
}

/* blank - Postfix's whitespace */
static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* logical_line - the next logical line from *p into a fresh string (the
 * physical lines joined by a blank), NULL at the end of the text */
static char *logical_line(const char **p)
{
	const char *s = *p;
	for (;;) { /* skip blank lines and comments */
		if (!*s)
			return NULL;
		size_t len = strcspn(s, "\n");
		size_t lead = strspn(s, " \t\r\v\f");
		if (lead < len && s[lead] != '#' && lead == 0)
			break;
		/* a comment, a blank line, or a continuation with nothing to continue */
		s += len + (s[len] == '\n');
	}
	struct pn_buf b;
	pn_buf_init_secret(&b, 1 << 20);
	bool ok = true;
	do {
		size_t len = strcspn(s, "\n"), lead = strspn(s, " \t\r\v\f");
		if (lead < len && s[lead] != '#')
			ok = ok && pn_buf_append(&b, " ", b.len ? 1 : 0) &&
			     pn_buf_append(&b, s + lead, len - lead);
		s += len + (s[len] == '\n');
	} while (*s && (blank(*s) || *s == '#'));
	*p = s;
	char *line = pn_xstrdup(ok ? b.data ? b.data : "" : "");
	pn_buf_free(&b);
	return line;
}

/* trim_end - the length of s without trailing blanks */
static size_t trim_end(const char *s, size_t n)
{
	while (n && blank(s[n - 1]))
		n--;
	return n;
}

/* parse_text - main.cf ("name = value") or a table ("key value") */
static void parse_text(const char *text, bool maincf, struct pairs *out)
{
	const char *p = text;
	char *line;
	while ((line = logical_line(&p))) {
		size_t kn = maincf ? strcspn(line, "= \t") : strcspn(line, " \t\r\v\f");
		const char *v = line + kn;
		v += strspn(v, " \t\r\v\f");
		if (maincf && *v == '=')
			v++;
		else if (maincf)
			kn = 0; /* not "name = value": Postfix refuses it, so do we */
		v += strspn(v, " \t\r\v\f");
		if (kn)
			pairs_add(out, line, kn, v, trim_end(v, strlen(v)));
		pn_free_wiped(line);
	}
}

/* what one import of a Postfix setup works on */
struct pf {
	struct pn_import *im;
	struct pairs conf; /* main.cf */
	const char *dir;
	struct pairs sasl;    /* smtp_sasl_password_maps' table */
	bool sasl_read;       /* that table was read */
	struct pairs senders; /* sender_dependent_relayhost_maps' table */
	struct pairs generic; /* smtp_generic_maps' table */
	bool auth;            /* smtp_sasl_auth_enable */
	bool by_sender;       /* smtp_sender_dependent_authentication */
};

/* one value being expanded */
struct expansion {
	struct pn_buf b;
	int refs;     /* references expanded so far */
	bool unknown; /* a reference without a value, a loop, too much: the value is left out */
};

static void expand_into(const struct pf *pf, const char *v, int depth, struct expansion *x);

/* expand_name - $name / ${name} / ${name?text} / ${name:text} at *pv
 * (after the '$'); advances *pv */
static void expand_name(const struct pf *pf, const char **pv, int depth, struct expansion *x)
{
	const char *v = *pv;
	char close = *v == '{' ? '}' : *v == '(' ? ')' : 0;
	v += close != 0;
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	char *name = pn_xstrndup(v, n);
	const char *val = pairs_get(&pf->conf, name);
	v += n;
	const char *alt = NULL;
	size_t altn = 0;
	char how = 0;
	if (close && (*v == '?' || *v == ':')) {
		how = *v++;
		alt = v;
		altn = strcspn(v, close == '}' ? "}" : ")");
		v += altn;
	}
	if (close && *v == close)
		v++;
	if (!n || depth >= EXPAND_DEPTH || ++x->refs > EXPAND_REFS) {
		x->unknown = true;
	} else if (how) {
		bool set = val && *val;
		if ((how == '?') == set) {
			char *text = pn_xstrndup(alt, altn);
			expand_into(pf, text, depth + 1, x);
			free(text);
		}
	} else if (val) {
		expand_into(pf, val, depth + 1, x);
	} else {
		x->unknown = true; /* a built-in default: not known here */
	}
	free(name);
	*pv = v;
}

/* expand_into - v with every $ expanded ("$$" is one '$') */
static void expand_into(const struct pf *pf, const char *v, int depth, struct expansion *x)
{
	while (*v && !x->unknown) {
		size_t n = strcspn(v, "$");
		if (!pn_buf_append(&x->b, v, n))
			x->unknown = true;
		v += n;
		if (!*v)
			break;
		v++;
		if (*v == '$') {
			if (!pn_buf_append(&x->b, "$", 1))
				x->unknown = true;
			v++;
			continue;
		}
		expand_name(pf, &v, depth, x);
	}
}

/* get - the expanded value of a main.cf parameter, or NULL when it is not
 * set (or empty); a reference that cannot be expanded is a comment */
static char *get(struct pf *pf, const char *name)
{
	const char *raw = pairs_get(&pf->conf, name);
	if (!raw || !*raw)
		return NULL;
	struct expansion x = {.refs = 0};
	pn_buf_init_secret(&x.b, 1 << 16);
	expand_into(pf, raw, 0, &x);
	if (x.unknown)
		pn_import_note(
		    pf->im,
		    _("%s = %s: a $parameter in it has no value in main.cf (Postfix's built-in "
		      "defaults are not known here), or its expansion does not end; it was left out"),
		    name, raw);
	char *v = pn_xstrdup(!x.unknown && x.b.data ? x.b.data : "");
	pn_buf_free(&x.b);
	if (!*v) {
		free(v);
		return NULL;
	}
	return v;
}

/* yes - a Postfix boolean */
static bool yes(struct pf *pf, const char *name)
{
	char *v = get(pf, name);
	bool y = v && strcasecmp(v, "yes") == 0;
	free(v);
	return y;
}

/* source_of - the file to read for a table "type:name": the text that
 * postmap compiles for the indexed types, the file itself for texthash;
 * NULL (and a comment) for a type whose data is elsewhere */
static const char *source_of(struct pf *pf, const char *param, const char *spec)
{
	static const char *const indexed[] = {"hash", "btree", "dbm", "sdbm", "cdb", "lmdb"};
	const char *colon = strchr(spec, ':');
	size_t tn = colon ? (size_t)(colon - spec) : 0;
	if (colon && tn == 8 && strncmp(spec, "texthash", 8) == 0)
		return colon + 1;
	for (size_t i = 0; colon && i < PN_ARRAY_LEN(indexed); i++) {
		if (strlen(indexed[i]) != tn || strncmp(spec, indexed[i], tn) != 0)
			continue;
		pn_import_note(pf->im,
		               _("%s: read from %s, the source file of the %.*s table (postmap compiles it): "
		                 "if the compiled table was changed since, check the result"),
		               param, colon + 1, (int)tn, spec);
		return colon + 1;
	}
	pn_import_note(pf->im,
	               _("%s = %s: a table of type '%.*s' cannot be read here (only the source files of "
	                 "hash, btree, cdb, lmdb, dbm and texthash tables); not carried over"),
	               param, spec, (int)(colon ? tn : strlen(spec)), spec);
	return NULL;
}

/* read_table - the first table named by the main.cf parameter into out;
 * false (with a comment) when it is not set or cannot be read */
static bool read_table(struct pf *pf, const char *param, struct pairs *out)
{
	char *spec = get(pf, param);
	if (!spec)
		return false;
	size_t n = strcspn(spec, ", \t");
	if (spec[n + strspn(spec + n, ", \t")])
		pn_import_note(pf->im, _("%s: only its first table, %.*s, was read"), param, (int)n, spec);
	spec[n] = '\0';
	const char *path = source_of(pf, param, spec);
	int errnum = 0;
	char *text = path ? pf->im->read(pf->im->ctx, path, &errnum) : NULL;
	if (path && !text)
		pn_import_note(pf->im, _("%s: cannot read %s: %s; not carried over"), param, path,
		               PN_FOREIGN(strerror(errnum)));
	if (text)
		parse_text(text, false, out);
	pn_free_wiped(text);
	free(spec);
	return text != NULL;
}

/* relay - a relayhost or a next hop: "[host]:port" and "[host]" (no MX
 * lookup), "host:port" and "host" (MX lookup), a port by number or by
 * one of the usual service names; false when it cannot be read */
static bool relay(const char *r, char **host, int *port, bool *mx)
{
	static const struct {
		const char *name;
		int port;
	} svc[] = {
	    {"smtp", 25},
	    {"submission", 587},
	    {"smtps", 465},
	    {"submissions", 465},
	};
	*mx = *r != '[';
	const char *end = *mx ? r + strcspn(r, ":") : strchr(r, ']');
	if (!end || end == r + !*mx)
		return false;
	*host = pn_xstrndup(r + !*mx, (size_t)(end - r) - !*mx);
	const char *p = end + !*mx;
	*port = 25;
	if (*p == ':' && p[1] >= '0' && p[1] <= '9') {
		char *e;
		long v = strtol(p + 1, &e, 10);
		*port = *e || v < 1 || v > 65535 ? -1 : (int)v;
	} else if (*p == ':') {
		*port = -1;
		for (size_t i = 0; i < PN_ARRAY_LEN(svc); i++)
			if (strcmp(p + 1, svc[i].name) == 0)
				*port = svc[i].port;
	} else if (*p) {
		*port = -1;
	}
	if (*port < 0 || !pn_import_host_ok(*host)) {
		free(*host);
		*host = NULL;
		return false;
	}
	return true;
}

/* lookup - the password table's entry for the hop, in Postfix's order:
 * the sender (address, then @domain) when it looks senders up, the
 * server's host name, then the next hop as written (brackets and port) */
static const char *lookup(const struct pf *pf, const char *hop, const char *host, const char *sender)
{
	const char *v = NULL;
	if (pf->by_sender && sender) {
		v = pairs_get(&pf->sasl, sender);
		const char *at = strrchr(sender, '@');
		if (!v && at && at != sender)
			v = pairs_get(&pf->sasl, at);
	}
	if (!v)
		v = pairs_get(&pf->sasl, host);
	return v ? v : pairs_get(&pf->sasl, hop);
}

/* credentials - user and password for the hop (and sender) from the
 * password table, split at the first ':' as Postfix splits them */
static void credentials(struct pf *pf, const char *hop, const char *host, const char *sender)
{
	if (!pf->auth || !pf->sasl_read)
		return;
	const char *v = lookup(pf, hop, host, sender);
	if (!v) {
		pn_import_note(
		    pf->im,
		    _("no entry for %s (or %s) in the password table (Postfix looks it up by the "
		      "server's name, then by the relayhost as written, brackets and port included): "
		      "add user and password"),
		    hop, host);
		return;
	}
	const char *colon = strchr(v, ':');
	char *user = pn_xstrndup(v, colon ? (size_t)(colon - v) : strlen(v));
	pn_import_value(pf->im, "user", user);
	free(user);
	if (colon)
		pn_import_value(pf->im, "password", colon + 1);
	else
		pn_import_note(pf->im, _("the password table's entry for %s has no ':password': add it"),
		               hop);
}

/* write_hop - host and port of a relayhost, and its credentials */
static bool write_hop(struct pf *pf, const char *what, const char *hop, const char *sender)
{
	char *host;
	int port;
	bool mx;
	if (!relay(hop, &host, &port, &mx)) {
		pn_import_note(pf->im, _("%s = %s: not a relay host postern can read; not carried over"),
		               what, hop);
		return false;
	}
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%d", port);
	pn_import_value(pf->im, "host", host);
	pn_import_value(pf->im, "port", portstr);
	if (mx)
		pn_import_note(pf->im,
		               _("%s = %s: Postfix looked up the MX records of %s (it is not in brackets); "
		                 "postern connects to the host itself: check that it is the smarthost"),
		               what, hop, host);
	credentials(pf, hop, host, sender);
	free(host);
	return true;
}

/* tls_level - smtp_tls_security_level, or what the obsolete
 * smtp_enforce_tls and smtp_use_tls meant */
static char *tls_level(struct pf *pf)
{
	char *level = get(pf, "smtp_tls_security_level");
	if (level)
		return level;
	if (yes(pf, "smtp_enforce_tls"))
		return pn_xstrdup("encrypt");
	return pn_xstrdup(yes(pf, "smtp_use_tls") ? "may" : "none");
}

/* tls_checked - the levels above "none": TLS on, the certificate checked,
 * and what Postfix did differently */
static void tls_checked(struct pf *pf, const char *level)
{
	pn_import_value(pf->im, "tls", "on");
	pn_import_value(pf->im, "tls_certcheck", "on");
	if (strcmp(level, "may") == 0 || strcmp(level, "encrypt") == 0)
		pn_import_note(
		    pf->im,
		    _("smtp_tls_security_level = %s: Postfix did not check the certificate%s; postern "
		      "requires TLS and checks it (if it does not verify, pin it with tls_fingerprint, "
		      "which postern -S shows, rather than turning tls_certcheck off)"),
		    level,
		    strcmp(level, "may") == 0 ? _(" and sent without TLS when it was not offered") : "");
	else if (strncmp(level, "dane", 4) == 0)
		pn_import_note(
		    pf->im,
		    _("smtp_tls_security_level = %s: postern does not look up TLSA records (DANE); "
		      "the certificate is checked against the trusted authorities instead"),
		    level);
	else if (strcmp(level, "fingerprint") == 0)
		pn_import_note(
		    pf->im,
		    _("smtp_tls_security_level = fingerprint: set tls_fingerprint to the SHA-256 "
		      "fingerprint of the certificate (postern -S shows it); smtp_tls_fingerprint_cert_match "
		      "is not carried over"));
	else if (strcmp(level, "verify") != 0 && strcmp(level, "secure") != 0)
		pn_import_note(
		    pf->im,
		    _("smtp_tls_security_level = %s: not a level postern knows; TLS is required and "
		      "the certificate checked"),
		    level);
	char *match = get(pf, strcmp(level, "secure") == 0 ? "smtp_tls_secure_cert_match"
	                                                   : "smtp_tls_verify_cert_match");
	if (match && (strcmp(level, "verify") == 0 || strcmp(level, "secure") == 0))
		pn_import_note(
		    pf->im,
		    _("the certificate's name is checked against the host name; the match list %s is "
		      "not carried over (tls_host_override names one other name)"),
		    match);
	free(match);
}

/* tls_settings - smtp_tls_security_level, smtp_tls_wrappermode and the
 * trust and client certificate files */
static void tls_settings(struct pf *pf)
{
	char *level = tls_level(pf);
	bool wrapper = yes(pf, "smtp_tls_wrappermode");
	if (strcmp(level, "none") == 0 && !wrapper) {
		pn_import_value(pf->im, "tls", "off");
		if (pf->auth)
			pn_import_note(
			    pf->im,
			    _("smtp_tls_security_level = none: Postfix sent the password without TLS; "
			      "postern refuses to (see insecure_auth_without_tls): turn tls on if the "
			      "smarthost offers it"));
	} else {
		tls_checked(pf, strcmp(level, "none") == 0 ? "encrypt" : level);
		pn_import_value(pf->im, "tls_starttls", wrapper ? "off" : "on");
	}
	free(level);
	static const struct {
		const char *param, *cmd;
	} files[] = {
	    {"smtp_tls_CAfile", "tls_trust_file"},
	    {"smtp_tls_cert_file", "tls_cert_file"},
	    {"smtp_tls_key_file", "tls_key_file"},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(files); i++) {
		char *v = get(pf, files[i].param);
		if (v)
			pn_import_value(pf->im, files[i].cmd, v);
		free(v);
	}
	char *capath = get(pf, "smtp_tls_CApath");
	if (capath)
		pn_import_note(
		    pf->im,
		    _("smtp_tls_CApath = %s: postern reads one file of certificates (tls_trust_file) or "
		      "the system's trusted authorities; not carried over"),
		    capath);
	free(capath);
}

/* auth_settings - smtp_sasl_auth_enable and smtp_sasl_security_options */
static void auth_settings(struct pf *pf)
{
	pn_import_value(pf->im, "auth", pf->auth ? "on" : "off");
	char *opts = get(pf, "smtp_sasl_security_options");
	if (pf->auth && opts && strcmp(opts, "noanonymous") != 0)
		pn_import_note(
		    pf->im,
		    _("smtp_sasl_security_options = %s: not carried over; postern chooses the "
		      "strongest mechanism the server offers and sends a password only over TLS (to "
		      "require one mechanism, set auth to it)"),
		    opts);
	free(opts);
}

/* origin_settings - myorigin (the domain of local senders) and
 * smtp_helo_name, smtp_bind_address */
static void origin_settings(struct pf *pf)
{
	char *origin = get(pf, "myorigin");
	if (origin && origin[0] == '/') {
		pn_import_value(pf->im, "from", "%U@%M");
		if (strcmp(origin, "/etc/mailname") != 0)
			pn_import_note(pf->im,
			               _("myorigin = %s: postern's %%M is the first word of /etc/mailname"),
			               origin);
	} else if (origin) {
		pn_import_value(pf->im, "maildomain", origin);
		char *from = pn_xasprintf("%%U@%s", origin);
		pn_import_value(pf->im, "from", from);
		free(from);
	}
	free(origin);
	static const struct {
		const char *param, *cmd;
	} same[] = {
	    {"smtp_helo_name", "domain"},
	    {"smtp_bind_address", "source_ip"},
	    {"smtp_bind_address6", "source_ip"},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(same); i++) {
		char *v = get(pf, same[i].param);
		if (v)
			pn_import_value(pf->im, same[i].cmd, v);
		free(v);
	}
}

/* alias_settings - alias_maps: postern reads the text file itself */
static void alias_settings(struct pf *pf)
{
	char *spec = get(pf, "alias_maps");
	if (!spec)
		return;
	size_t n = strcspn(spec, ", \t");
	spec[n] = '\0';
	const char *colon = strchr(spec, ':');
	static const char *const ok[] = {"hash:", "btree:", "dbm:", "cdb:", "lmdb:", "texthash:"};
	bool known = false;
	for (size_t i = 0; colon && i < PN_ARRAY_LEN(ok); i++)
		known = known || strncmp(spec, ok[i], strlen(ok[i])) == 0;
	if (known) {
		pn_import_value(pf->im, "aliases", colon + 1);
		pn_import_note(
		    pf->im,
		    _("aliases: postern reads the text file %s at each message (newaliases only checks "
		      "it); entries that deliver to a |command, a /file or an :include: are not supported"),
		    colon + 1);
	} else {
		pn_import_note(pf->im, _("alias_maps = %s: not a table postern can read; not carried over"),
		               spec);
	}
	free(spec);
}

/* sender_accounts - sender_dependent_relayhost_maps: one account per
 * sender (or @domain), chosen by its from */
static void sender_accounts(struct pf *pf)
{
	const struct pairs t = pf->senders;
	for (size_t i = 0; i < t.n; i++) {
		const char *k = t.key[i];
		if (!strcmp(t.value[i], "DUNNO") || !*k || (k[0] != '@' && !strchr(k, '@'))) {
			pn_import_note(pf->im, _("sender_dependent_relayhost_maps: %s %s: not carried over"),
			               k, t.value[i]);
			continue;
		}
		pn_import_account(pf->im, k[0] == '@' ? k + 1 : k, NULL);
		char *from = k[0] == '@' ? pn_xasprintf("*%s", k) : pn_xstrdup(k);
		pn_import_value(pf->im, "from", from);
		free(from);
		write_hop(pf, "sender_dependent_relayhost_maps", t.value[i], k);
	}
}

/* generic_accounts - smtp_generic_maps: "user@host address" becomes an
 * account for mail that user sends, with that address as sender and From */
static void generic_accounts(struct pf *pf)
{
	const struct pairs t = pf->generic;
	for (size_t i = 0; i < t.n; i++) {
		const char *k = t.key[i], *v = t.value[i];
		size_t local = strcspn(k, "@");
		if (!local || !strchr(v, '@') || v[0] == '@' || strpbrk(v, " \t,")) {
			pn_import_note(pf->im,
			               _("smtp_generic_maps: %s %s: not carried over (postern rewrites the "
			                 "sender of a user's mail, not a whole domain)"),
			               k, v);
			continue;
		}
		char *user = pn_xstrndup(k, local);
		pn_import_account(pf->im, user, "default");
		pn_import_value(pf->im, "default_for", user);
		pn_import_value(pf->im, "from", v);
		pn_import_value(pf->im, "set_from_header", "on");
		pn_import_note(pf->im,
		               _("from smtp_generic_maps (%s): for mail that user %s sends; other addresses "
		                 "in the header are not rewritten"),
		               k, user);
		free(user);
	}
}

/* not_carried - parameters that change how Postfix relays and that have
 * no place in the rc file */
static void not_carried(struct pf *pf)
{
	static const char *const params[] = {
	    "transport_maps",
	    "relay_transport",
	    "default_transport",
	    "smtp_tls_policy_maps",
	    "smtp_sasl_mechanism_filter",
	    "smtp_tls_mandatory_protocols",
	    "smtp_tls_mandatory_ciphers",
	    "smtp_tls_protocols",
	    "sender_canonical_maps",
	    "canonical_maps",
	    "smtp_header_checks",
	    "smtp_sasl_tls_security_options",
	    "inet_protocols",
	    "smtp_fallback_relay",
	    "fallback_relay",
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(params); i++) {
		const char *raw = pairs_get(&pf->conf, params[i]);
		if (raw && *raw)
			pn_import_note(pf->im, _("%s = %s: not carried over"), params[i], raw);
	}
}

/* read_tables - the tables main.cf names, first: what is said about
 * them comes at the top of the output */
static void read_tables(struct pf *pf)
{
	pf->auth = yes(pf, "smtp_sasl_auth_enable");
	pf->by_sender = yes(pf, "smtp_sender_dependent_authentication");
	if (pf->auth)
		pf->sasl_read = read_table(pf, "smtp_sasl_password_maps", &pf->sasl);
	if (pf->auth && !pairs_get(&pf->conf, "smtp_sasl_password_maps"))
		pn_import_note(pf->im, _("smtp_sasl_auth_enable = yes, but no smtp_sasl_password_maps: "
		                         "add user and password"));
	(void)read_table(pf, "sender_dependent_relayhost_maps", &pf->senders);
	(void)read_table(pf, "smtp_generic_maps", &pf->generic);
}

/* pn_import_postfix - see import.h */
bool pn_import_postfix(struct pn_import *im, const char *dir, const char *maincf)
{
	struct pf pf = {.im = im, .dir = dir};
	parse_text(maincf, true, &pf.conf);
	pn_import_note(im, _("postern configuration made by postern --import postfix from %s/main.cf"), dir);
	char *rh = get(&pf, "relayhost");
	bool ok = rh != NULL;
	if (!ok)
		pn_import_note(im,
		               _("main.cf names no relayhost: Postfix delivered directly to each recipient's "
		                 "domain, which postern does not do; nothing to carry over"));
	if (ok) {
		read_tables(&pf);
		pn_import_line(im, "");
		pn_import_line(im, "defaults");
		tls_settings(&pf);
		auth_settings(&pf);
		origin_settings(&pf);
		alias_settings(&pf);
		not_carried(&pf);
		pn_import_account(im, "default", NULL);
		size_t n = strcspn(rh, ", \t");
		if (rh[n + strspn(rh + n, ", \t")])
			pn_import_note(
			    im, _("relayhost = %s: postern has one host per account; the first is used"), rh);
		rh[n] = '\0';
		ok = write_hop(&pf, "relayhost", rh, NULL);
		sender_accounts(&pf);
		generic_accounts(&pf);
	}
	free(rh);
	pairs_free(&pf.conf);
	pairs_free(&pf.sasl);
	pairs_free(&pf.senders);
	pairs_free(&pf.generic);
	return ok && !im->overflow;
}
