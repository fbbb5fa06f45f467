/* run.h - what the three parts of a run share, and nothing else includes:
 * send.c (one message: read, deliver, keep, log), acquire.c (identity,
 * configuration, account, credentials and the postern group) and relay.c
 * (-bs: a session's messages through send.c).
 * SECURITY: struct hold keeps an account's secret between acquire.c and
 * smtp.c; whoever made it wipes it (pn_secret_wipe).
 */
#ifndef POSTERN_RUN_H
#define POSTERN_RUN_H

#include "account.h"
#include "envelope.h"
#include "secret.h"
#include "send.h"

/* what an account sends with: its secret and its log file */
struct hold {
	struct pn_secret secret;
	int logfd;
	const char *logpath;
};

/* the resources one run holds, released by pn_run_release() */
struct run {
	struct pn_identity id;
	struct pn_config cfg;
	struct hold *h;  /* of the account in use */
	bool session;    /* -bs: h outlives the message, errors go in replies */
	bool names_only; /* --list-accounts: the files' eval lines are not run */
	/* -bs: a message goes through this (the session's connection to the
	 * smarthost) instead of a session of its own; NULL: its own */
	bool (*send)(void *ctx, const struct pn_envelope *env, const struct pn_message *m, struct pn_error *out);
	void *send_ctx;
};

/* acquire.c */

/* pn_run_setup - identity, configuration and the command line's settings
 * (--host reads no file and drops the group first) */
bool pn_run_setup(const struct pn_request *req, struct run *r, struct pn_error *err) PN_WUR;
/* pn_run_choose - pn_run_setup, then the account of the request */
const struct pn_account *pn_run_choose(const struct pn_request *req, struct run *r, struct pn_error *err);
/* pn_run_take_privileged - with the postern group raised: a system
 * account's password or passwordeval, and its log file (logerr: it cannot
 * be opened) */
bool pn_run_take_privileged(const struct pn_request *req, const struct pn_account *a, const struct pn_identity *id,
			    struct hold *h, struct pn_error *logerr, struct pn_error *err);
/* pn_run_take_own - with the caller's rights: what was not taken with it */
bool pn_run_take_own(const struct pn_account *a, const struct pn_identity *id, struct hold *h,
		     struct pn_error *logerr, struct pn_error *err);
/* pn_run_acquire - one message's account: both of the above, the group
 * given up for good in between */
bool pn_run_acquire(const struct pn_request *req, const struct pn_account *a, struct run *r, struct pn_error *err);
/* pn_run_release - the log file, configuration and identity of the run */
void pn_run_release(struct run *r);

/* send.c */

/* pn_run_params - the SMTP settings of an account for a request (with
 * insecure_auth_without_tls: its warning, at every use) */
void pn_run_params(const struct pn_request *req, const struct pn_account *a, const struct run *r,
		   struct pn_smtp_params *p);

/* pn_run_message - read the input from fd, deliver, keep a dead letter,
 * log: what -bs repeats for every message.  ok: the account and its secret
 * are there (else the input is only read).  The exit code; out is the
 * outcome. */
int pn_run_message(const struct pn_request *req, const struct pn_envelope_in *ein, const struct pn_account *a,
		   struct run *r, int fd, bool ok, struct pn_error *out);

#endif
