/* aliases.h - /etc/aliases-style local recipient expansion.
 *
 * "name: addr, addr" lines, '#' comments, continuation lines that start with
 * a blank, and the "default" entry that catches every local name not listed.
 * Applies to recipients without a domain only; an alias may name another
 * alias (nested up to a depth of 10, which also stops loops).
 */
#ifndef POSTERN_ALIASES_H
#define POSTERN_ALIASES_H

#include "address.h"

struct pn_aliases;

/* pn_aliases_load - parse the file; 78 when it is missing or malformed */
struct pn_aliases *pn_aliases_load(const char *path, struct pn_error *err);
void pn_aliases_free(struct pn_aliases *al);

/* pn_aliases_expand - replace local recipients in rcpt */
bool pn_aliases_expand(const struct pn_aliases *al, struct pn_addrlist *rcpt, struct pn_error *err) PN_WUR;

#endif
