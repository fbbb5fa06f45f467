/* migrate.h - --import postfix [DIR] and --import ssmtp [FILE]: read the
 * setup postern replaces and print an rc file for it on stdout (import.h
 * makes it); nothing is written anywhere else.
 */
#ifndef POSTERN_MIGRATE_H
#define POSTERN_MIGRATE_H

#include "cli.h"

/* pn_migrate_run - the rc file on stdout, exit 0; 66 (no such file), 77
 * (not readable), 78 (nothing usable in it), with the reason on stderr */
int pn_migrate_run(const struct pn_request *req, struct pn_error *err);

#endif
