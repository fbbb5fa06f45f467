/* test_account.c - msmtp's patterns in from and domain, the Message-ID
 * domain and recipients without a domain (account.c). */
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
	pn_identity_free(&id);
	char path[300];
	snprintf(path, sizeof(path), "%s/rc", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
