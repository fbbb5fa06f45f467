/* address.h - RFC 5322 address lists and envelope address checks.
 *
 * Parses the address lists of To/Cc/Bcc and of argv recipients (cron passes
 * "a@x,b@y" as one word) into bare addr-specs for RCPT TO, and refuses any
 * address that could inject a command or a header (CR, LF, NUL, controls).
 */
#ifndef POSTERN_ADDRESS_H
#define POSTERN_ADDRESS_H

#include "error.h"

/* addr[0..n) in the order first added.  slot is a hash index over
 * addr[0..indexed), kept up to date by pn_addrlist_add; entries appended by
 * hand are searched one by one until the next add indexes them.  Nothing
 * rewrites addr[i] in place: the index would be stale. */
struct pn_addrlist {
	char **addr;
	size_t n, cap;
	size_t *slot; /* 0: empty, else 1 + an index into addr */
	size_t nslot, indexed;
};

void pn_addrlist_init(struct pn_addrlist *l);
void pn_addrlist_free(struct pn_addrlist *l);
/* pn_addrlist_add - append unless an equal address is there already: local
 * parts compare exactly, domains (after the last '@') without case; a name
 * without '@' compares exactly.  Hashed: n additions cost O(n). */
void pn_addrlist_add(struct pn_addrlist *l, const char *addr);
/* pn_addrlist_has - an equal address is in the list */
bool pn_addrlist_has(const struct pn_addrlist *l, const char *addr);

/* pn_address_parse_list - append the addr-specs of an address list
 * (display names, comments, quoted strings, angle addresses, groups) given
 * as a command-line word or an aliases entry, where bare words separated by
 * white space are separate addresses (sendmail's old form: "root a@b");
 * 65 on a list that does not parse or an address with control bytes. */
bool pn_address_parse_list(const char *text, size_t len, struct pn_addrlist *out,
			   struct pn_error *err) PN_WUR;

/* pn_address_parse_field - the same for the value of a To/Cc/Bcc header
 * field, where RFC 5322's rules hold: white space does not separate
 * addresses (that is for argv words only), so a mailbox of several words
 * without angle brackets ("Carol Dave bob@example.com") and words after an
 * angle address are refused (65), never read as more recipients. */
bool pn_address_parse_field(const char *text, size_t len, struct pn_addrlist *out,
			    struct pn_error *err) PN_WUR;

/* pn_address_check - an envelope address is safe to put in MAIL/RCPT; what,
 * N_("sender") or N_("recipient"), is translated only for a message */
bool pn_address_check(const char *addr, const char *what, struct pn_error *err) PN_WUR;

/* pn_address_ascii - the address with its domain as IDNA2008 A-labels
 * (RFC 5890, libidn2), for servers without SMTPUTF8; *utf8_local tells
 * whether the local part is non-ASCII (then only SMTPUTF8 can carry it).
 * 65 naming the address when the domain is no valid IDN.  Free the result. */
char *pn_address_ascii(const char *addr, bool *utf8_local, struct pn_error *err);

/* pn_address_domain - the part after the last '@', or NULL */
const char *pn_address_domain(const char *addr);

#endif
