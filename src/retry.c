/* retry.c - retrying transient failures (see retry.h): which failures
 * are tried again (pn_retry_classify, a pure function), the back-off, and
 * the loop. */
#include "retry.h"

#include "net.h"

#include <stdio.h>
#include <stdlib.h>
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

/* the recipients that have the message, over the attempts: a later one
 * goes to the others only (a server that deferred some with 452 4.5.3
 * may have taken the rest in an earlier transaction) */
struct attempt {
	const struct pn_smtp_params *p; /* the caller's, its on_rcpt */
	const struct pn_envelope *env;  /* the whole envelope */
	bool *got;                      /* per recipient of env */
	size_t *map, left;              /* this attempt's recipients, as env's */
	struct pn_addrlist rcpt, rcpt_ascii;
	struct pn_envelope sub;         /* this attempt's envelope */
	struct pn_smtp_params q;        /* p with on_rcpt through got */
	struct pn_retry_seen seen;      /* what this attempt passed on */
};

/* attempt_rcpt - on_rcpt of an attempt: recorded, then the caller's */
static void attempt_rcpt(void *ctx, size_t i, const char *addr, int code, const char *reply)
{
	struct attempt *a = ctx;
	size_t k = a->map[i];
	bool yes = code >= 200 && code <= 299;
	a->seen.verdicts++;
	a->seen.accepted += yes;
	if (yes && !a->p->verify)
		a->got[k] = true;
	if (a->p->on_rcpt)
		a->p->on_rcpt(a->p->on_rcpt_ctx, k, addr, code, reply);
}

/* attempt_next - the envelope of the next attempt: those without it */
static void attempt_next(struct attempt *a)
{
	pn_addrlist_free(&a->rcpt);
	pn_addrlist_free(&a->rcpt_ascii);
	pn_addrlist_init(&a->rcpt);
	pn_addrlist_init(&a->rcpt_ascii);
	a->left = 0;
	for (size_t i = 0; i < a->env->rcpt_ascii->n; i++) {
		if (a->got[i])
			continue;
		pn_addrlist_add(&a->rcpt, a->env->rcpt->addr[i]); /* no duplicates there */
		pn_addrlist_add(&a->rcpt_ascii, a->env->rcpt_ascii->addr[i]);
		a->map[a->left++] = i;
	}
	a->sub = *a->env;
	a->sub.rcpt = &a->rcpt;
	a->sub.rcpt_ascii = &a->rcpt_ascii;
	a->q.rcpt_had = a->env->rcpt_ascii->n - a->left; /* a failure says they have it */
}

/* attempt_init - the first attempt: every recipient */
static void attempt_init(struct attempt *a, const struct pn_smtp_params *p, const struct pn_envelope *env)
{
	size_t n = env->rcpt_ascii->n ? env->rcpt_ascii->n : 1;
	*a = (struct attempt){.p = p, .env = env, .q = *p};
	pn_addrlist_init(&a->rcpt);
	pn_addrlist_init(&a->rcpt_ascii);
	a->got = pn_xcalloc(n, sizeof(*a->got));
	a->map = pn_xcalloc(n, sizeof(*a->map));
	a->q.on_rcpt = attempt_rcpt;
	a->q.on_rcpt_ctx = a;
	attempt_next(a);
}

/* attempt_free - what the attempts held */
static void attempt_free(struct attempt *a)
{
	pn_addrlist_free(&a->rcpt);
	pn_addrlist_free(&a->rcpt_ascii);
	free(a->got);
	free(a->map);
}

/* deliver_once - one attempt, to those that do not have the message */
static bool deliver_once(struct attempt *a, int n, const struct pn_message *m, struct pn_error *out)
{
	if (n > 0)
		attempt_next(a);
	a->seen = (struct pn_retry_seen){0, 0};
	return pn_smtp_deliver(&a->q, &a->sub, m, out);
}

/* wait_again - after attempt n (from 0) failed under rule: true once
 * the wait before the next is over (announced with -v); false when the
 * outcome stands, or a signal came while waiting (out then says so) */
static bool wait_again(const struct pn_retry *rt, const struct pn_smtp_params *p, enum pn_retry_rule rule, int n,
		       long long start, struct pn_error *out)
{
	long wait = rule == PN_RETRY_AGAIN && n < rt->extra ? pn_retry_wait_ms(rt->delay_s, n + 1, jitter()) : -1;
	if (wait >= 0 && pn_now_ms() - start + wait > rt->max_s * 1000LL)
		wait = -1;
	if (p->verbose && rt->extra && n < rt->extra)
		why_not(rule);
	if (wait < 0)
		return false;
	if (p->verbose)
		fprintf(stderr, _("--- %s; trying again in %.1f s (retry %d of %d)\n"), out->msg, wait / 1000.0, n + 1,
			rt->extra);
	return pn_sleep_ms(wait) || interrupted(out);
}

/* retry_loop - attempts until one succeeds, or none is left to make */
static bool retry_loop(const struct pn_retry *rt, struct attempt *at, const struct pn_message *m,
		       struct pn_error *out)
{
	long long start = pn_now_ms();
	for (int n = 0;; n++) {
		if (deliver_once(at, n, m, out))
			return true;
		if (!wait_again(rt, at->p, pn_retry_classify(out, rt, at->p, at->left, &at->seen), n, start, out))
			return false;
	}
}

/* pn_retry_step - see retry.h */
bool pn_retry_step(const struct pn_retry *rt, const struct pn_smtp_params *p,
		   bool (*step)(void *ctx, struct pn_error *out), void *ctx, struct pn_error *out)
{
	long long start = pn_now_ms();
	struct pn_retry_seen none = {0, 0};
	for (int n = 0;; n++) {
		pn_error_init(out);
		if (step(ctx, out))
			return true;
		if (out->phase > PN_PHASE_MAIL || !wait_again(rt, p, pn_retry_classify(out, rt, p, 0, &none), n, start, out))
			return false;
	}
}

/* pn_retry_deliver - see retry.h */
bool pn_retry_deliver(const struct pn_retry *rt, const struct pn_smtp_params *p, const struct pn_envelope *env,
		      const struct pn_message *m, struct pn_error *out)
{
	struct attempt at;
	attempt_init(&at, p, env);
	bool ok = retry_loop(rt, &at, m, out);
	attempt_free(&at);
	return ok;
}
