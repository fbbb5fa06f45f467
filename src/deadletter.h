/* deadletter.h - keeping a message postern could not deliver.
 *
 * With "dead_letter DIR" the input is written byte for byte as it was read
 * into the Maildir DIR (tmp/, fsync, rename into new/, fsync of the
 * folder), and why it failed into DIR/postern/NAME, a sidecar of key=value
 * lines that Maildir readers do not see.  "postern --resend DIR/new/NAME"
 * sends it again with the envelope kept in the sidecar.
 *
 * Every value of the sidecar is escaped as in the log (escape.h) and read
 * back strictly: a sidecar postern did not write is refused (65).  The
 * folder follows /tmp's rules (see deadletter.c): a folder, subfolder,
 * message or sidecar that another user could have made or changed is
 * refused (78) before anything is written or read there.
 */
#ifndef POSTERN_DEADLETTER_H
#define POSTERN_DEADLETTER_H

#include "address.h"
#include "buf.h"
#include "message.h"

struct pn_dead_info {
	char *account;
	char *from;               /* NULL: not known, the account's */
	struct pn_addrlist rcpt;  /* the envelope, when it was built */
	struct pn_addrlist args;  /* else: the recipient words as given ... */
	bool read_recipients;     /* ... and whether -t was given */
	int code;
	char *error;
};

/* pn_dead_keep - store m (as read) and info; *path: the message file */
bool pn_dead_keep(const char *dir, const struct pn_message *m, const struct pn_dead_info *info, char **path,
		  struct pn_error *err) PN_WUR;

/* pn_dead_format - the sidecar's lines for info (date: its date= value),
 * appended to b; false when b's cap was reached */
bool pn_dead_format(const struct pn_dead_info *info, const char *date, struct pn_buf *b) PN_WUR;

/* pn_dead_parse - the sidecar text[0..len) into info (to be freed with
 * pn_dead_info_free whatever the result); name is for messages.  False
 * (err: 65) for anything pn_dead_format does not write: a line without its
 * end, an unknown key, a single key given twice, a value not escaped as
 * pn_escape writes it, a missing date, account, exitcode or error, no
 * recipients, or recipients both as an envelope (rcpt) and as given. */
bool pn_dead_parse(const char *text, size_t len, const char *name, struct pn_dead_info *info,
		   struct pn_error *err) PN_WUR;

/* pn_dead_load - the sidecar of a kept message DIR/new/NAME or
 * DIR/cur/NAME:FLAGS, for --resend, after checking the folder, the
 * message and the sidecar (78 when another user could have made them) */
bool pn_dead_load(const char *path, struct pn_dead_info *info, struct pn_error *err) PN_WUR;

/* pn_dead_forget - remove a kept message and its sidecar after a resend */
void pn_dead_forget(const char *path);

void pn_dead_info_free(struct pn_dead_info *info);

#endif
