/* serverinfo.c - -S / --serverinfo: what the account's server offers.
 *
 * Connects as the account says, EHLO, STARTTLS when configured and EHLO
 * again (smtp.c, stopped by its on_info hook before AUTH), then prints the
 * greeting, the TLS session and certificate chain (tls.c) and the
 * capabilities of the last EHLO, and leaves with QUIT.  Nothing is sent:
 * no AUTH, no transaction.  Exit 0, or the connection's error code.
 * SECURITY: no secret is read: the password is never fetched for -S.
 */
#include "serverinfo.h"

#include "privilege.h"
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

/* what the printer needs besides the server's words */
struct info_ctx {
	const struct pn_smtp_params *p;
};

/* describe - a few words on an EHLO keyword, NULL for one not known */
static const char *describe(const char *kw, size_t n)
{
	static const struct { const char *kw; const char *what; } known[] = {
		{"PIPELINING", N_("commands may be sent in groups (RFC 2920)")},
		{"STARTTLS", N_("TLS through the STARTTLS command (RFC 3207)")},
		{"DSN", N_("delivery status notifications (RFC 3461)")},
		{"8BITMIME", N_("8-bit message bodies (RFC 6152)")},
		{"SMTPUTF8", N_("UTF-8 addresses and headers (RFC 6531)")},
		{"ENHANCEDSTATUSCODES", N_("enhanced status codes in replies (RFC 2034)")},
		{"CHUNKING", N_("the BDAT command (RFC 3030)")},
		{"BINARYMIME", N_("binary message bodies (RFC 3030)")},
		{"ETRN", N_("remote queue starting (RFC 1985)")},
		{"VRFY", N_("address verification (RFC 5321)")},
		{"REQUIRETLS", N_("the REQUIRETLS option (RFC 8689)")},
		{"DELIVERBY", N_("delivery time limits (RFC 2852)")},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(known); i++)
		if (strlen(known[i].kw) == n && strncasecmp(kw, known[i].kw, n) == 0)
			return _(known[i].what);
	return NULL;
}

/* print_size - SIZE [N] (RFC 1870): the limit in bytes and MiB */
static void print_size(const char *line, const char *arg)
{
	unsigned long long n = strtoull(arg, NULL, 10);
	if (n)
		printf(_("    %-28s maximum message size: %llu bytes (%.2f MiB)\n"), line, n, (double)n / 1048576.0);
	else
		printf(_("    %-28s no size limit announced\n"), line);
}

/* print_capability - one line of the EHLO reply after the first */
static void print_capability(const char *line, size_t len)
{
	char l[600];
	snprintf(l, sizeof(l), "%.*s", (int)(len < sizeof(l) - 1 ? len : sizeof(l) - 1), line);
	size_t kw = strcspn(l, " =");
	const char *arg = l[kw] ? l + kw + 1 : "";
	const char *what = describe(l, kw);
	if (kw == 4 && strncasecmp(l, "SIZE", 4) == 0)
		print_size(l, arg);
	else if (kw == 4 && strncasecmp(l, "AUTH", 4) == 0)
		printf(_("    %-28s authentication methods: %s\n"), "AUTH", arg);
	else if (what)
		printf("    %-28s %s\n", l, what);
	else
		printf("    %s\n", l);
}

/* print_info - the report, once the last EHLO was answered */
static void print_info(void *ctx, const struct pn_smtp_info *info)
{
	const struct info_ctx *c = ctx;
	printf(_("SMTP server %s, port %d:\n"), c->p->host, c->p->port);
	printf(_("Greeting:\n"));
	for (const char *l = info->greeting; *l;) {
		size_t n = strcspn(l, "\n");
		printf("    %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	if (info->tls)
		pn_tls_print_info(info->tls, stdout);
	else
		printf(_("TLS: none (tls off)\n"));
	const char *l = info->ehlo;
	size_t n = strcspn(l, "\n");
	printf(_("Capabilities (EHLO reply from %.*s):\n"), (int)n, l);
	if (c->p->tls == PN_TLS_STARTTLS && info->tls)
		printf(_("    %-28s %s (offered before TLS, and used)\n"), "STARTTLS", describe("STARTTLS", 8));
	for (l += n; *l == '\n';) {
		l++;
		n = strcspn(l, "\n");
		print_capability(l, n);
		l += n;
	}
}

/* pn_serverinfo_run - see serverinfo.h */
int pn_serverinfo_run(const struct pn_request *req, struct pn_error *err)
{
	struct run r = {.id = {NULL, NULL, NULL, NULL, NULL}, .h = NULL};
	const struct pn_account *a = pn_run_choose(req, &r, err);
	bool ok = pn_priv_drop(err) && a;
	int code = EX_OK;
	if (ok) {
		struct pn_smtp_params p;
		pn_account_params(a, &r.id, &p);
		struct info_ctx ctx = {&p};
		p.verbose = req->verbose;
		p.on_info = print_info;
		p.on_info_ctx = &ctx;
		struct pn_envelope env;
		memset(&env, 0, sizeof(env));
		ok = pn_smtp_deliver(&p, &env, NULL, err);
	}
	if (!ok)
		code = pn_fail(err);
	pn_run_release(&r);
	return code;
}
