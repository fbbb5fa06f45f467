/* send.h - one run: deliver the message on stdin (or -bv, --resend), or
 * check the aliases file.  Returns the exit code; prints the one stderr
 * line of a failure.  Only main.c exits.
 */
#ifndef POSTERN_SEND_H
#define POSTERN_SEND_H

#include "cli.h"

int pn_send_run(const struct pn_request *req, struct pn_error *err);
int pn_newaliases_run(const struct pn_request *req, struct pn_error *err);
/* pn_pretend_run - -P: print the account a send would use; send nothing */
int pn_pretend_run(const struct pn_request *req, struct pn_error *err);
/* pn_accounts_run - --list-accounts: the names of the accounts of the
 * files a send would read (-C, --host as for a send), one a line, for
 * shell completion; send nothing */
int pn_accounts_run(const struct pn_request *req, struct pn_error *err);
/* pn_configure_run - --configure ADDRESS: print an account for it made
 * from its domain's SRV records (RFC 6186, RFC 8314) */
int pn_configure_run(const struct pn_request *req, struct pn_error *err);
/* pn_rmqs_run - --rmqs ARG: the account's server is asked with ETRN ARG
 * (RFC 1985) to deliver what it queues for ARG; nothing is printed when it
 * agrees */
int pn_rmqs_run(const struct pn_request *req, struct pn_error *err);
/* pn_send_serve - -bs: one SMTP session on standard input and output
 * (serve.h), each message sent as pn_send_run sends one; the session's
 * exit code */
int pn_send_serve(const struct pn_request *req, struct pn_error *err);
/* pn_fail - print "postern: MESSAGE" and return the error's exit code */
int pn_fail(const struct pn_error *err);

#endif
