/* envelope.c - building the envelope (see envelope.h). */
#include "envelope.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* gather - the given addresses or argv lists and, with -t, the header
 * lists */
static bool gather(struct pn_envelope_store *e, const struct pn_envelope_in *in, const struct pn_message *m,
		   struct pn_error *err)
{
	for (size_t i = 0; in->addrs && i < in->addrs->n; i++)
		pn_addrlist_add(&e->rcpt, in->addrs->addr[i]);
	for (size_t i = 0; i < in->nwords; i++)
		if (!pn_address_parse_list(in->words[i], strlen(in->words[i]), &e->rcpt, err))
			return false;
	return !(in->read_recipients && m) || pn_message_recipients(m, &e->rcpt, err);
}

/* aliases - the account's aliases applied, read from its file unless the
 * caller holds them already */
static bool aliases(struct pn_envelope_store *e, const struct pn_envelope_in *in, const struct pn_account *a,
		    struct pn_error *err)
{
	if (in->aliases)
		return pn_aliases_expand(in->aliases, &e->rcpt, err);
	if (!a->aliases)
		return true;
	struct pn_aliases *al = pn_aliases_load(a->aliases, err);
	bool ok = al && pn_aliases_expand(al, &e->rcpt, err);
	pn_aliases_free(al);
	return ok;
}

/* expand - aliases, then qualification of what is still local */
static bool expand(struct pn_envelope_store *e, const struct pn_envelope_in *in, const struct pn_account *a,
		   struct pn_error *err)
{
	if (!aliases(e, in, a, err))
		return false;
	if (e->rcpt.n == 0) {
		pn_error_set(err, EX_USAGE, _("no recipients: give them as arguments or use -t"));
		return false;
	}
	pn_account_qualify(a, &e->rcpt);
	/* qualifying rewrote names in place: "root" may now be an address
	 * that was given as well; each goes to the server once */
	struct pn_addrlist once;
	pn_addrlist_init(&once);
	for (size_t i = 0; i < e->rcpt.n; i++)
		pn_addrlist_add(&once, e->rcpt.addr[i]);
	pn_addrlist_free(&e->rcpt);
	e->rcpt = once;
	return true;
}

/* ascii_forms - the A-label form of every address */
static bool ascii_forms(struct pn_envelope_store *e, struct pn_error *err)
{
	bool utf8 = false;
	e->from_ascii = pn_address_ascii(e->from, &utf8, err);
	if (!e->from_ascii)
		return false;
	if (utf8)
		e->utf8_addr = pn_xstrdup(e->from);
	for (size_t i = 0; i < e->rcpt.n; i++) {
		char *a = pn_address_ascii(e->rcpt.addr[i], &utf8, err);
		if (!a)
			return false;
		if (utf8 && !e->utf8_addr)
			e->utf8_addr = pn_xstrdup(e->rcpt.addr[i]);
		/* kept in step with rcpt even when two forms meet */
		if (e->rcpt_ascii.n == e->rcpt_ascii.cap) {
			e->rcpt_ascii.cap = e->rcpt_ascii.cap ? 2 * e->rcpt_ascii.cap : 8;
			e->rcpt_ascii.addr = pn_xrealloc(e->rcpt_ascii.addr, e->rcpt_ascii.cap * sizeof(char *));
		}
		e->rcpt_ascii.addr[e->rcpt_ascii.n++] = a;
	}
	return true;
}

/* sender - the envelope sender: the account's rules on -f, or on the From
 * header's address with --read-envelope-from; %F in the account's from
 * is that address too (msmtp).  A %F that stays, for want of a From
 * header, is refused: "MAIL FROM:<%F>" would reach the server. */
static bool sender(struct pn_envelope_store *e, const struct pn_envelope_in *in, const struct pn_account *a,
		   const struct pn_identity *id, const struct pn_message *m, struct pn_error *err)
{
	char where[PN_WHERE_MAX];
	bool wanted = in->read_envelope_from || (a->from && strstr(a->from, "%F"));
	char *header = m && wanted ? pn_message_sender(m) : NULL; /* a plain send parses no From */
	bool ok = true;
	if (in->read_envelope_from && m && !header) {
		pn_error_set(err, EX_USAGE, _("no envelope sender found: the message has no From header with an "
					      "address (--read-envelope-from)"));
		ok = false;
	}
	e->from = pn_account_sender(a, in->read_envelope_from && header ? header : in->from, id, header);
	if (ok && m && strstr(e->from, "%F")) {
		pn_error_set(err, EX_DATAERR, _("%s: account %s: from %s: the message has no From header with an "
						"address for %%F"), pn_account_where(a, where, sizeof(where)), a->name, a->from);
		ok = false;
	}
	free(header);
	return ok && (!*e->from || pn_address_check(e->from, N_("sender"), err));
}

bool pn_envelope_build(struct pn_envelope_store *e, const struct pn_envelope_in *in, const struct pn_account *a,
		       const struct pn_identity *id, const struct pn_message *m, struct pn_error *err)
{
	memset(e, 0, sizeof(*e));
	bool ok = sender(e, in, a, id, m, err) && gather(e, in, m, err) && expand(e, in, a, err) &&
		  ascii_forms(e, err);
	e->env = (struct pn_envelope){e->from, &e->rcpt, e->from_ascii, &e->rcpt_ascii, e->utf8_addr};
	return ok;
}

void pn_envelope_free(struct pn_envelope_store *e)
{
	free(e->from);
	free(e->from_ascii);
	free(e->utf8_addr);
	pn_addrlist_free(&e->rcpt);
	pn_addrlist_free(&e->rcpt_ascii);
}
