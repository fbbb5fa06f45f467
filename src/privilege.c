/* privilege.c - raising and dropping the set-group-ID group (see privilege.h). */
#include "privilege.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

static gid_t priv_gid;
static bool active;

bool pn_priv_init(struct pn_error *err)
{
	gid_t rgid = getgid(), egid = getegid();
	prctl(PR_SET_DUMPABLE, 0); /* no core and no ptrace while a secret may be held */
	if (rgid == egid)
		return true;
	priv_gid = egid;
	active = true;
	return pn_priv_lower(err);
}

bool pn_priv_active(void)
{
	return active;
}

bool pn_priv_raise(struct pn_error *err)
{
	if (active && setegid(priv_gid) < 0) {
		pn_error_errno(err, EX_OSERR, errno, _("cannot take the postern group"));
		return false;
	}
	return true;
}

bool pn_priv_lower(struct pn_error *err)
{
	if (active && setegid(getgid()) < 0) {
		pn_error_errno(err, EX_OSERR, errno, _("cannot give up the postern group"));
		return false;
	}
	return true;
}

bool pn_priv_drop(struct pn_error *err)
{
	if (!active)
		return true;
	gid_t g = getgid();
	if (setresgid(g, g, g) < 0) {
		pn_error_errno(err, EX_OSERR, errno, _("cannot give up the postern group"));
		return false;
	}
	active = false;
	return true;
}
