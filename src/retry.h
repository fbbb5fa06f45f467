/* retry.h - bounded retry within one run (there is no queue).
 *
 * A transient failure (exit 75) before the end of data went out is tried
 * again up to "retry N" more times, waiting retry_delay seconds doubled at
 * each attempt, with jitter (between half and one and a half times the
 * wait), as long as the whole run stays within retry_max_time.  Any 4xx
 * reply counts (421 at any step, Microsoft 365's 432 4.3.2, SES's 454
 * throttling), but for RFC 4954's 432 4.7.12 (a password transition:
 * waiting cannot help).  Once the final dot was sent nothing is retried,
 * since the message may have been delivered, unless retry_after_data is
 * on and the server answered the dot with an explicit 4xx (a lost
 * connection stays ambiguous; with LMTP, only when every recipient got a
 * verdict and none accepted).  -bv is retried until the first recipient's
 * verdict is printed, never after: it would print it twice.
 */
#ifndef POSTERN_RETRY_H
#define POSTERN_RETRY_H

#include "smtp.h"

struct pn_retry {
	int extra;       /* retry N: further attempts, 0: none */
	int delay_s;     /* retry_delay */
	int max_s;       /* retry_max_time */
	bool after_data; /* retry_after_data: an explicit 4xx to the dot too */
};

/* what one attempt passed on to on_rcpt (pn_smtp_params) */
struct pn_retry_seen {
	size_t verdicts; /* recipients' verdicts */
	size_t accepted; /* of them, 2xx */
};

/* whether a failed attempt is tried again, and if not, why */
enum pn_retry_rule {
	PN_RETRY_AGAIN,      /* transient: try again */
	PN_RETRY_FINAL,      /* not transient (exit code other than 75) */
	PN_RETRY_MAYBE_SENT, /* after the end of data: it may have been delivered */
	PN_RETRY_PASSWORD,   /* 432 4.7.12: a password transition is needed */
	PN_RETRY_REPORTED,   /* -bv: a verdict was printed already */
	PN_RETRY_PARTIAL     /* LMTP: some recipients have it, or gave no verdict */
};

/* pn_retry_classify - the rule for the failure e of one attempt with
 * params p (verify, lmtp) to nrcpt recipients, seen as passed on */
enum pn_retry_rule pn_retry_classify(const struct pn_error *e, const struct pn_retry *rt,
				     const struct pn_smtp_params *p, size_t nrcpt, const struct pn_retry_seen *seen);

/* pn_retry_wait_ms - the wait before retry n (1, 2, ...); r in [0, 1) */
long pn_retry_wait_ms(int delay_s, int n, double r);

/* pn_retry_deliver - pn_smtp_deliver, retried as above; out is the last
 * attempt's outcome */
bool pn_retry_deliver(const struct pn_retry *rt, const struct pn_smtp_params *p, const struct pn_envelope *env,
		      const struct pn_message *m, struct pn_error *out) PN_WUR;

/* pn_retry_step - step (connect as p says when needed, and MAIL) tried
 * again as above while it fails for a transient reason before any
 * recipient: what -bs does for a transaction that begins with the client's
 * MAIL FROM; out is the last attempt's outcome */
bool pn_retry_step(const struct pn_retry *rt, const struct pn_smtp_params *p,
		   bool (*step)(void *ctx, struct pn_error *out), void *ctx, struct pn_error *out) PN_WUR;

#endif
