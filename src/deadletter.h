/* deadletter.h - keeping a message postern could not deliver.
 *
 * With "dead_letter DIR" the input is written byte for byte as it was read
 * into the Maildir DIR (tmp/, fsync, rename into new/, fsync of the
 * folder), and why it failed into DIR/postern/NAME, a sidecar of key=value
 * lines that Maildir readers do not see.  "postern --resend DIR/new/NAME"
 * sends it again with the envelope kept in the sidecar.
 */
#ifndef POSTERN_DEADLETTER_H
#define POSTERN_DEADLETTER_H

#include "address.h"
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

/* pn_dead_load - the sidecar of a kept message, for --resend */
bool pn_dead_load(const char *path, struct pn_dead_info *info, struct pn_error *err) PN_WUR;

/* pn_dead_forget - remove a kept message and its sidecar after a resend */
void pn_dead_forget(const char *path);

void pn_dead_info_free(struct pn_dead_info *info);

#endif
