/* retry.c - retrying transient failures (see retry.h): which failures
 * are tried again (pn_retry_classify, a pure function), the back-off, and
 * the loop. */
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

/* password_transition - RFC 4954 4.7.12's "432 A password transition is
 * needed": the account must log in once with PLAIN, which no wait brings
 * about.  A bare 432 to AUTH is taken as that one; Microsoft 365's 432
 * (too many connections) always carries 4.3.2, at AUTH too. */
static bool password_transition(const struct pn_error *e)
{
	if (e->reply != 432)
		return false;
	return e->enhanced[0] ? strcmp(e->enhanced, "4.7.12") == 0 : e->phase == PN_PHASE_AUTH;
}

/* after_dot - a failure once the end of data went out: only an explicit
 * 4xx with retry_after_data, and with LMTP only when every recipient
 * refused (a lost connection may have come after a 250) */
static enum pn_retry_rule after_dot(const struct pn_error *e, const struct pn_retry *rt,
				    const struct pn_smtp_params *p, size_t nrcpt, const struct pn_retry_seen *seen)
{
	if (!rt->after_data || e->reply < 400 || e->reply > 499)
		return PN_RETRY_MAYBE_SENT;
	if (p->lmtp && (seen->accepted || seen->verdicts < nrcpt))
		return PN_RETRY_PARTIAL;
	return PN_RETRY_AGAIN;
}

/* pn_retry_classify - see retry.h */
enum pn_retry_rule pn_retry_classify(const struct pn_error *e, const struct pn_retry *rt,
				     const struct pn_smtp_params *p, size_t nrcpt, const struct pn_retry_seen *seen)
{
	if (e->code != EX_TEMPFAIL)
		return PN_RETRY_FINAL;
	if (p->verify && seen->verdicts)
		return PN_RETRY_REPORTED;
	if (password_transition(e))
		return PN_RETRY_PASSWORD;
	if (e->phase == PN_PHASE_DOT)
		return after_dot(e, rt, p, nrcpt, seen);
	return PN_RETRY_AGAIN;
}

/* counter - stands between smtp.c and the caller's on_rcpt, counting the
 * verdicts of one attempt */
struct counter {
	void (*next)(void *ctx, const char *addr, int code, const char *reply);
	void *ctx;
	struct pn_retry_seen seen;
};

/* count_verdict - on_rcpt: count, then pass on */
static void count_verdict(void *ctx, const char *addr, int code, const char *reply)
{
	struct counter *c = ctx;
	c->seen.verdicts++;
	c->seen.accepted += code >= 200 && code <= 299;
	if (c->next)
		c->next(c->ctx, addr, code, reply);
}

/* why_not - -v: a transient failure that is not tried again, and why */
static void why_not(enum pn_retry_rule rule)
{
	const char *why = rule == PN_RETRY_MAYBE_SENT ? _("the end of data went out: the message may have been delivered")
			  : rule == PN_RETRY_PASSWORD ? _("the server asks for a password transition (432 4.7.12), which "
							  "waiting does not bring")
			  : rule == PN_RETRY_REPORTED ? _("recipients' verdicts were printed already")
			  : rule == PN_RETRY_PARTIAL  ? _("some recipients have the message, or gave no verdict")
						      : NULL;
	if (why)
		fprintf(stderr, _("--- not trying again: %s\n"), why);
}

/* pn_retry_deliver - see retry.h */
bool pn_retry_deliver(const struct pn_retry *rt, const struct pn_smtp_params *p, const struct pn_envelope *env,
		      const struct pn_message *m, struct pn_error *out)
{
	long long start = pn_now_ms();
	struct counter cnt = {p->on_rcpt, p->on_rcpt_ctx, {0, 0}};
	struct pn_smtp_params q = *p;
	q.on_rcpt = count_verdict;
	q.on_rcpt_ctx = &cnt;
	for (int attempt = 0;; attempt++) {
		cnt.seen = (struct pn_retry_seen){0, 0};
		bool ok = pn_smtp_deliver(&q, env, m, out);
		enum pn_retry_rule rule = ok ? PN_RETRY_FINAL : pn_retry_classify(out, rt, p, env->rcpt->n, &cnt.seen);
		long wait = rule == PN_RETRY_AGAIN && attempt < rt->extra
				    ? pn_retry_wait_ms(rt->delay_s, attempt + 1, jitter()) : -1;
		if (wait >= 0 && pn_now_ms() - start + wait > rt->max_s * 1000LL)
			wait = -1;
		if (p->verbose && rt->extra && attempt < rt->extra)
			why_not(rule);
		if (ok || wait < 0)
			return ok;
		if (p->verbose)
			fprintf(stderr, _("--- %s; trying again in %.1f s (retry %d of %d)\n"), out->msg, wait / 1000.0,
				attempt + 1, rt->extra);
		if (!pn_sleep_ms(wait))
			return interrupted(out);
	}
}
