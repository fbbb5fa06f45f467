/* privilege.h - the set-group-ID system-wide mode.
 *
 * Installed mode 2755 with the group that alone may read /etc/postern.conf,
 * postern runs with the caller's group at once and raises the privileged
 * group only to read the system file and the secret of a system account;
 * then it drops the group for good.  Everything the caller names (-C, the
 * user file, ~/.netrc, the message) is read with the caller's rights.
 */
#ifndef POSTERN_PRIVILEGE_H
#define POSTERN_PRIVILEGE_H

#include "error.h"

/* pn_priv_init - at start-up: note the privileged group, give it up for now */
bool pn_priv_init(struct pn_error *err) PN_WUR;
/* pn_priv_active - started set-group-ID and not yet dropped */
bool pn_priv_active(void);
bool pn_priv_raise(struct pn_error *err) PN_WUR;
bool pn_priv_lower(struct pn_error *err) PN_WUR;
/* pn_priv_drop - give the group up for good (real, effective and saved) */
bool pn_priv_drop(struct pn_error *err) PN_WUR;

#endif
