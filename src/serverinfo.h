/* serverinfo.h - -S / --serverinfo: connect as the account says, show the
 * server's greeting, capabilities, TLS session and certificate chain, and
 * leave without sending anything.
 */
#ifndef POSTERN_SERVERINFO_H
#define POSTERN_SERVERINFO_H

#include "cli.h"

/* pn_serverinfo_run - the report on stdout; exit 0, or the code of the
 * failure (printed on stderr) */
int pn_serverinfo_run(const struct pn_request *req, struct pn_error *err);

#endif
