/* log.h - one line per message to the logfile and/or syslog, in msmtp's
 * key=value format so that parsers written for msmtp keep working:
 *   host=H tls=on auth=on user=U from=F recipients=A,B mailsize=N
 *   smtpstatus=C smtpmsg='...' errormsg='...' exitcode=EX_...
 * (smtpstatus and smtpmsg: the reply that decided, the smarthost's
 * acceptance of the message included; errormsg: failures only)
 * Every value is escaped (escape.h), so that one message is one line and
 * each key appears once, whatever an address or a server's reply holds.
 * With log_format json the line is one JSON object with the same keys and
 * a timestamp (json.h's string escaping), and syslog's line goes to the
 * systemd journal with the keys as fields POSTERN_HOST... (journal.h),
 * when there is one, else the JSON line to syslog(3).
 * SECURITY: no secret is ever passed in.
 */
#ifndef POSTERN_LOG_H
#define POSTERN_LOG_H

#include "address.h"
#include "rcfile.h"
#include "error.h"

#include <time.h>

struct pn_log_entry {
	const struct pn_account *account;
	const char *from;
	const struct pn_addrlist *rcpt;
	size_t mailsize;
	const struct pn_error *err; /* the outcome; code 0: success */
	const char *deadletter;     /* where the message was kept, or NULL */
};

/* pn_log_format - the line of e without its time stamp, appended to b;
 * false when b's cap was reached (the line is then cut) */
bool pn_log_format(const struct pn_log_entry *e, struct pn_buf *b);

/* pn_log_format_json - the JSON line of e at time when, appended to b
 * (see pn_log_format) */
bool pn_log_format_json(const struct pn_log_entry *e, const struct timespec *when, struct pn_buf *b);

/* pn_log_journal - the journal entry of e, text its MESSAGE (the text
 * line), under ident with facility, as one native-protocol datagram
 * appended to b; false when b's cap was reached */
bool pn_log_journal(const struct pn_log_entry *e, const char *text, int facility, const char *ident, struct pn_buf *b);

/* pn_log_open - open the logfile for appending ("-": stdout); -1 with err
 * set when it cannot be opened or is not a regular file (a FIFO, a device:
 * refused at once, never waited on) */
int pn_log_open(const char *path, struct pn_error *err);

/* pn_log_write - to the open logfile fd (-1: none) with time format fmt,
 * and to syslog when facility >= 0; false (err set) if the write failed */
bool pn_log_write(const struct pn_log_entry *e, int fd, const char *path, int facility, const char *ident,
		  struct pn_error *err);

/* pn_log_warning - one warning line (text, already translated) to the
 * open logfile fd (-1: none), with a's time format, and to syslog when
 * facility >= 0 */
bool pn_log_warning(const struct pn_account *a, int fd, const char *path, int facility, const char *ident,
		    const char *text, struct pn_error *err);

#endif
