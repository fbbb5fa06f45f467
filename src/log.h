/* log.h - one line per message to the logfile and/or syslog, in msmtp's
 * key=value format so that parsers written for msmtp keep working:
 *   host=H tls=on auth=on user=U from=F recipients=A,B mailsize=N
 *   smtpstatus=C smtpmsg='...' errormsg='...' exitcode=EX_...
 * SECURITY: no secret is ever passed in; the values are sanitized to one
 * line.
 */
#ifndef POSTERN_LOG_H
#define POSTERN_LOG_H

#include "address.h"
#include "config.h"
#include "error.h"
#include "smtp.h"

struct pn_log_entry {
	const struct pn_account *account;
	const char *from;
	const struct pn_addrlist *rcpt;
	size_t mailsize;
	const struct pn_outcome *outcome;
	const struct pn_error *err; /* code 0: success */
};

/* pn_log_write - to logfile (NULL: none, "-": stdout) and to syslog when
 * facility >= 0; returns false (with err set) if the logfile failed */
bool pn_log_write(const struct pn_log_entry *e, const char *logfile, int facility, const char *ident,
		  struct pn_error *err);

#endif
