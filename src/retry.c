/* retry.c - retrying transient failures (see retry.h). */
#include "retry.h"

#include "net.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>
#include <time.h>

#define WAIT_CAP_MS 60000L

long pn_retry_wait_ms(int delay_s, int n, double r)
{
	long base = delay_s * 1000L;
	for (int i = 1; i < n && base < WAIT_CAP_MS; i++)
		base *= 2;
	if (base > WAIT_CAP_MS)
		base = WAIT_CAP_MS;
	return (long)(base * (0.5 + r));
}

/* jitter - a uniform number in [0, 1) */
static double jitter(void)
{
	unsigned int v = 0;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (unsigned int)time(NULL);
	return (v >> 8) / (double)(1U << 24);
}

/* interrupted - a signal came while waiting to try again: the outcome
 * says so, with the failure that was to be retried */
static bool interrupted(struct pn_error *out)
{
	char why[sizeof(out->msg)];
	snprintf(why, sizeof(why), "%s", out->msg);
	pn_error_init(out);
	pn_error_set(out, EX_TEMPFAIL, _("%s; interrupted by signal %s while waiting to try again"), why,
		     PN_FOREIGN(strsignal(pn_signal_caught())));
	return false;
}

bool pn_retry_deliver(const struct pn_retry *rt, const struct pn_smtp_params *p, const struct pn_envelope *env,
		      const struct pn_message *m, struct pn_error *out)
{
	long long start = pn_now_ms();
	for (int attempt = 0;; attempt++) {
		bool ok = pn_smtp_deliver(p, env, m, out);
		bool transient = !ok && out->code == EX_TEMPFAIL && out->phase != PN_PHASE_DOT;
		long wait = transient && attempt < rt->extra ? pn_retry_wait_ms(rt->delay_s, attempt + 1, jitter()) : -1;
		if (wait >= 0 && pn_now_ms() - start + wait > rt->max_s * 1000LL)
			wait = -1;
		if (ok || wait < 0)
			return ok;
		if (p->verbose)
			fprintf(stderr, _("--- %s; trying again in %.1f s (retry %d of %d)\n"), out->msg, wait / 1000.0,
				attempt + 1, rt->extra);
		if (!pn_sleep_ms(wait))
			return interrupted(out);
	}
}
