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
	const struct pn_error *err; /* the outcome; code 0: success */
	const char *deadletter;     /* where the message was kept, or NULL */
};

/* pn_log_open - open the logfile for appending ("-": stdout); -1 with err
 * set when it cannot be opened */
int pn_log_open(const char *path, struct pn_error *err);

/* pn_log_write - to the open logfile fd (-1: none) with time format fmt,
 * and to syslog when facility >= 0; false (err set) if the write failed */
bool pn_log_write(const struct pn_log_entry *e, int fd, const char *path, int facility, const char *ident,
		  struct pn_error *err);

#endif
