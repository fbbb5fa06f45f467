/* checkconfig.h - --check-config [--connect]: every rc file a send would
 * read, checked whole, each problem as "FILE:LINE: message" on stdout;
 * with --connect, each account's server asked what it offers (EHLO,
 * STARTTLS, EHLO, QUIT: nothing is sent).
 */
#ifndef POSTERN_CHECKCONFIG_H
#define POSTERN_CHECKCONFIG_H

#include "cli.h"

/* pn_check_config_run - the report on stdout; exit 0 when there is no
 * problem, else 78 (EX_CONFIG) */
int pn_check_config_run(const struct pn_request *req, struct pn_error *err);

#endif
