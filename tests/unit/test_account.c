/* test_account.c - msmtp's patterns in from and domain, the Message-ID
 * domain, recipients without a domain, and what each authentication
 * method needs (account.c). */
#include "account.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/postern-account.XXXXXX";

/* load - the accounts of an rc file holding text; NULL on a load error */
static struct pn_account *load(struct pn_config *cfg, const char *text, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/rc", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	struct pn_error err;
	pn_error_init(&err);
	pn_config_init(cfg, dir);
	if (!pn_config_load(cfg, path, false, &err)) {
		printf("#   %s\n", err.msg);
		return NULL;
	}
	return pn_config_find(cfg, name);
}

/* msgid_domains - msmtp's rule, without this host's unqualified name */
static void msgid_domains(void)
{
	static const struct {
		const char *rc, *from, *want, *name;
	} cases[] = {
		{"host smtp.example.com\ndomain mail.example.org\n", "a@example.com", "mail.example.org",
		 "a domain with a dot is taken"},
		{"host smtp.example.com\ndomain localhost\n", "a@example.com", "example.com",
		 "domain localhost: the sender's domain"},
		{"host smtp.example.com\ndomain myhost\n", "a@example.com", "example.com",
		 "a bare host name: the sender's domain"},
		{"host smtp.example.com\n", "a@example.com", "example.com", "no domain: the sender's domain"},
		{"host smtp.example.com\ndomain [192.0.2.1]\n", "a@example.com", "example.com",
		 "an address literal: the sender's domain"},
		{"host smtp.example.com\n", "root@vm", "smtp.example.com",
		 "a sender's domain without a dot: the smarthost's name"},
		{"host smtp.example.com\n", "", "smtp.example.com", "the null sender: the smarthost's name"},
		{"host ::1\n", "root", "localhost", "an IPv6 host and no domain anywhere: localhost"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_config cfg;
		char rc[256];
		snprintf(rc, sizeof(rc), "account x\n%s", cases[i].rc);
		const struct pn_account *a = load(&cfg, rc, "x");
		tap_is_str(a ? pn_account_msgid_domain(a, cases[i].from) : NULL, cases[i].want, cases[i].name);
		pn_config_free(&cfg);
	}
}

/* senders - %F, %U and -f in pn_account_sender */
static void senders(const struct pn_identity *id)
{
	struct pn_config cfg;
	const struct pn_account *a = load(&cfg, "account x\nhost h\nfrom %F\n", "x");
	char *s = a ? pn_account_sender(a, NULL, id, "carol@example.com") : NULL;
	tap_is_str(s, "carol@example.com", "from %F: the From header's address");
	free(s);
	s = a ? pn_account_sender(a, NULL, id, NULL) : NULL;
	tap_is_str(s, "%F", "from %F without a From header: %F stays (the caller refuses it)");
	free(s);
	s = a ? pn_account_sender(a, "dave@example.com", id, "carol@example.com") : NULL;
	tap_is_str(s, "dave@example.com", "from %F: -f wins, as over any from");
	free(s);
	pn_config_free(&cfg);
	a = load(&cfg, "account x\nhost h\nfrom %U+%%@example.com\n", "x");
	char want[300];
	snprintf(want, sizeof(want), "%s+%%@example.com", id->login);
	s = a ? pn_account_sender(a, NULL, id, "carol@example.com") : NULL;
	tap_is_str(s, want, "from %U+%%: the login name and a single %");
	free(s);
	pn_config_free(&cfg);
}

/* domains - %H in domain is expanded once after loading; %U and %F are not
 * domain patterns (msmtp) */
static void domains(const struct pn_identity *id)
{
	struct pn_config cfg;
	struct pn_account *a = load(&cfg, "account x\nhost h\ndomain %H.example\naccount y\nhost h\ndomain %U%F\n", "x");
	pn_account_expand_domains(&cfg, id);
	char host[256] = "", want[300];
	gethostname(host, sizeof(host) - 1);
	snprintf(want, sizeof(want), "%s.example", host);
	tap_is_str(a ? a->domain : NULL, want, "domain %H.example: this host's name");
	struct pn_account *y = pn_config_find(&cfg, "y");
	tap_is_str(y ? y->domain : NULL, "%U%F", "domain %U%F: left as written, as msmtp does");
	struct pn_smtp_params p;
	if (a)
		pn_account_params(a, id, &p);
	tap_is_str(a ? p.helo : NULL, want, "EHLO takes the expanded domain");
	pn_config_free(&cfg);
}

/* bare - a recipient without a domain */
static void bare(void)
{
	struct pn_config cfg;
	const struct pn_account *a = load(&cfg, "account x\nhost h\naccount y\nhost h\nmaildomain example.org\n", "x");
	char *list[] = {strdup("bob"), strdup("carol@example.com")};
	struct pn_addrlist l = {.addr = list, .n = 2, .cap = 2};
	if (a)
		pn_account_qualify(a, &l);
	tap_ok(a && strcmp(l.addr[0], "bob") == 0, "without maildomain a bare recipient is kept as written (msmtp)");
	const struct pn_account *y = pn_config_find(&cfg, "y");
	if (y)
		pn_account_qualify(y, &l);
	tap_ok(y && strcmp(l.addr[0], "bob@example.org") == 0 &&
		       strcmp(l.addr[1], "carol@example.com") == 0,
	       "maildomain qualifies it");
	free(l.addr[0]);
	free(l.addr[1]);
	pn_config_free(&cfg);
}

/* auth_checks - what each authentication method needs (pn_account_check):
 * want NULL passes, else the error's message contains want */
static void auth_checks(void)
{
	static const struct {
		const char *rc, *want, *name;
	} cases[] = {
		{"host smtp.example.com\nauth external\ntls_cert_file /c.pem\ntls_key_file /k.pem\n", NULL,
		 "auth external with a client certificate and no user"},
		{"host smtp.example.com\nauth external\n", "auth external needs a client certificate",
		 "auth external without a client certificate"},
		{"host localhost\ntls off\nauth external\ntls_cert_file /c.pem\ntls_key_file /k.pem\n",
		 "auth external needs TLS", "auth external without TLS, even to a local relay"},
		{"host localhost\ntls off\nuser u\nauth scram-sha-256-plus\n", "auth scram-sha-256-plus needs TLS",
		 "a -plus method without TLS"},
		{"host localhost\ntls off\nuser u\nauth scram-sha-256\n", NULL, "SCRAM to a local relay in clear"},
		{"host smtp.example.com\nauth xoauth2\n", "no user", "auth xoauth2 needs a user"},
		{"host smtp.example.com\nauth oauthbearer\ntls_cert_file /c.pem\ntls_key_file /k.pem\n", "no user",
		 "auth oauthbearer needs a user, certificate or not"},
		{"host smtp.example.com\nauth on\ntls_cert_file /c.pem\ntls_key_file /k.pem\n", NULL,
		 "auth on with a client certificate and no user (EXTERNAL)"},
		{"host smtp.example.com\nauth on\noauth2_provider google\ntls_cert_file /c.pem\ntls_key_file /k.pem\n",
		 "no user", "auth on with a token source needs a user, certificate or not"},
		{"host smtp.example.com\nauth on\n", "no user", "auth on without a user or certificate"},
		{"host localhost\ntls off\nauth on\ntls_cert_file /c.pem\ntls_key_file /k.pem\n", "no user",
		 "auth on with a certificate and no user, without TLS: no EXTERNAL (the certificate goes in TLS only)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_config cfg;
		char rc[300];
		snprintf(rc, sizeof(rc), "account x\n%s", cases[i].rc);
		const struct pn_account *a = load(&cfg, rc, "x");
		struct pn_error err;
		pn_error_init(&err);
		bool ok = a && pn_account_check(a, &err);
		if (cases[i].want)
			tap_ok(a && !ok && strstr(err.msg, cases[i].want), "%s: refused (%s)", cases[i].name, err.msg);
		else
			tap_ok(ok, "%s: accepted (%s)", cases[i].name, err.msg);
		pn_config_free(&cfg);
	}
}

/* oauth_source - pn_account_oauth */
static void oauth_source(void)
{
	struct pn_config cfg;
	struct pn_account *a = load(&cfg, "account x\nhost h\naccount y\nhost h\noauth2_client_id abc\n"
					  "account z\nhost h\noauth2_provider microsoft\n", "x");
	tap_ok(a && !pn_account_oauth(a), "no OAuth settings: no token source");
	struct pn_account *y = pn_config_find(&cfg, "y"), *z = pn_config_find(&cfg, "z");
	tap_ok(y && pn_account_oauth(y), "oauth2_client_id: a token source");
	tap_ok(z && pn_account_oauth(z), "oauth2_provider microsoft: a token source");
	pn_config_free(&cfg);
}

/* from_covers - --check-config: an earlier from pattern that takes every
 * sender of a later one (pn_account_from_covers) */
static void from_covers(void)
{
	static const struct {
		const char *earlier, *later;
		bool covers;
	} cases[] = {
		{"*@example.com", "bob@example.com", true},
		{"*@*example.com", "*@sub.example.com", true},
		{"*@example.com", "*@sub.example.com", false},
		{"*@example.com", "[ab]*@example.com", true},
		{"*", "*@example.org", true},
		{"*@EXAMPLE.com", "bob@example.COM", true}, /* as the choice, without case */
		{"bob@example.com", "*@example.com", false},
		{"?@example.com", "*@example.com", false}, /* "@example.com" and "zq9.x-y@..." are not one character */
		{"a*@example.com", "*@example.com", false},
		{"*@example.com", "*@example.org", false},
		{"*@example.com", "bob@example.org", false},
		{"[ab]@x.test", "[!ab]@x.test", false},
		{"*@x.test", "\\*@x.test", true},
		{"a@x.test", "\\*@x.test", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_ok(pn_account_from_covers(cases[i].earlier, cases[i].later) == cases[i].covers,
		       "from %s %s from %s", cases[i].earlier, cases[i].covers ? "covers" : "does not cover", cases[i].later);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	struct pn_identity id;
	struct pn_error err;
	pn_error_init(&err);
	if (!pn_identity_get(&id, &err))
		return 1;
	msgid_domains();
	senders(&id);
	domains(&id);
	bare();
	auth_checks();
	oauth_source();
	from_covers();
	pn_identity_free(&id);
	char path[300];
	snprintf(path, sizeof(path), "%s/rc", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
