/* retry.h - bounded retry within one run (there is no queue).
 *
 * A transient failure (exit 75) before the end of data went out is tried
 * again up to "retry N" more times, waiting retry_delay seconds doubled at
 * each attempt, with jitter (between half and one and a half times the
 * wait), as long as the whole run stays within retry_max_time.  Once the
 * final dot was sent nothing is ever retried: the message may have been
 * delivered.
 */
#ifndef POSTERN_RETRY_H
#define POSTERN_RETRY_H

#include "smtp.h"

struct pn_retry {
	int extra;    /* retry N: further attempts, 0: none */
	int delay_s;  /* retry_delay */
	int max_s;    /* retry_max_time */
};

/* pn_retry_wait_ms - the wait before retry n (1, 2, ...); r in [0, 1) */
long pn_retry_wait_ms(int delay_s, int n, double r);

/* pn_retry_deliver - pn_smtp_deliver, retried as above; out is the last
 * attempt's outcome */
bool pn_retry_deliver(const struct pn_retry *rt, const struct pn_smtp_params *p, const struct pn_envelope *env,
		      const struct pn_message *m, struct pn_error *out) PN_WUR;

#endif
