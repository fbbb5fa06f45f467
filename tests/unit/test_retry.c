/* test_retry.c - which failures retry.c tries again (pn_retry_classify):
 * the table of retry.h and postern.conf(5) "retry", one row a case. */
#include "retry.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

struct row {
	const char *name;
	int code, reply;
	const char *enhanced;
	enum pn_phase phase;
	bool after_data, verify, lmtp;
	size_t verdicts, accepted; /* of 2 recipients */
	enum pn_retry_rule want;
};

#define T EX_TEMPFAIL
static const struct row rows[] = {
	{"421 at the greeting", T, 421, "4.3.2", PN_PHASE_GREETING, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"421 to EHLO", T, 421, "", PN_PHASE_EHLO, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"421 to STARTTLS", T, 421, "4.7.0", PN_PHASE_STARTTLS, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"421 to AUTH", T, 421, "4.7.0", PN_PHASE_AUTH, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"421 to MAIL", T, 421, "4.7.0", PN_PHASE_MAIL, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"421 to RCPT", T, 421, "4.7.0", PN_PHASE_RCPT, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"421 to DATA", T, 421, "4.7.0", PN_PHASE_DATA, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"Microsoft 365 432 4.3.2 at the greeting", T, 432, "4.3.2", PN_PHASE_GREETING, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"Microsoft 365 432 4.3.2 to EHLO", T, 432, "4.3.2", PN_PHASE_EHLO, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"Microsoft 365 432 4.3.2 to AUTH: not a password transition", T, 432, "4.3.2", PN_PHASE_AUTH, 0, 0, 0, 0, 0,
	 PN_RETRY_AGAIN},
	{"Microsoft 365 432 4.3.2 to MAIL", T, 432, "4.3.2", PN_PHASE_MAIL, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"RFC 4954 432 4.7.12 to AUTH: a password transition", T, 432, "4.7.12", PN_PHASE_AUTH, 0, 0, 0, 0, 0,
	 PN_RETRY_PASSWORD},
	{"a bare 432 to AUTH: RFC 4954's password transition", T, 432, "", PN_PHASE_AUTH, 0, 0, 0, 0, 0,
	 PN_RETRY_PASSWORD},
	{"a bare 432 to MAIL", T, 432, "", PN_PHASE_MAIL, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"SES 454 4.7.0 to AUTH", T, 454, "4.7.0", PN_PHASE_AUTH, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"SES 454 throttling to MAIL", T, 454, "", PN_PHASE_MAIL, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"SES 454 throttling to RCPT", T, 454, "4.7.0", PN_PHASE_RCPT, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"SES 454 throttling to DATA", T, 454, "4.7.0", PN_PHASE_DATA, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"a lost connection before the dot", T, 0, "", PN_PHASE_RCPT, 0, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"a 5xx", EX_UNAVAILABLE, 554, "5.3.0", PN_PHASE_MAIL, 0, 0, 0, 0, 0, PN_RETRY_FINAL},
	{"535 to AUTH", EX_NOPERM, 535, "5.7.8", PN_PHASE_AUTH, 0, 0, 0, 0, 0, PN_RETRY_FINAL},
	{"a 4xx to the dot (default)", T, 451, "4.3.0", PN_PHASE_DOT, 0, 0, 0, 0, 0, PN_RETRY_MAYBE_SENT},
	{"a 4xx to the dot, retry_after_data", T, 451, "4.3.0", PN_PHASE_DOT, 1, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"454 throttling to the dot, retry_after_data", T, 454, "4.7.0", PN_PHASE_DOT, 1, 0, 0, 0, 0, PN_RETRY_AGAIN},
	{"a lost connection after the dot, retry_after_data", T, 0, "", PN_PHASE_DOT, 1, 0, 0, 0, 0,
	 PN_RETRY_MAYBE_SENT},
	{"a lost connection after the dot", T, 0, "", PN_PHASE_DOT, 0, 0, 0, 0, 0, PN_RETRY_MAYBE_SENT},
	{"LMTP: both refused 4xx after the dot, retry_after_data", T, 451, "4.2.0", PN_PHASE_DOT, 1, 0, 1, 2, 0,
	 PN_RETRY_AGAIN},
	{"LMTP: one of two accepted, retry_after_data", T, 451, "4.2.0", PN_PHASE_DOT, 1, 0, 1, 2, 1, PN_RETRY_PARTIAL},
	{"LMTP: one 4xx, then the connection lost, retry_after_data", T, 451, "4.2.0", PN_PHASE_DOT, 1, 0, 1, 1, 0,
	 PN_RETRY_PARTIAL},
	{"LMTP: both refused 4xx after the dot (default)", T, 451, "4.2.0", PN_PHASE_DOT, 0, 0, 1, 2, 0,
	 PN_RETRY_MAYBE_SENT},
	{"LMTP: 421 at the greeting", T, 421, "", PN_PHASE_GREETING, 0, 0, 1, 0, 0, PN_RETRY_AGAIN},
	{"-bv: 421 at the greeting", T, 421, "4.3.2", PN_PHASE_GREETING, 0, 1, 0, 0, 0, PN_RETRY_AGAIN},
	{"-bv: 432 4.3.2 to MAIL", T, 432, "4.3.2", PN_PHASE_MAIL, 0, 1, 0, 0, 0, PN_RETRY_AGAIN},
	{"-bv: a 450 verdict was printed", T, 450, "4.2.0", PN_PHASE_RCPT, 0, 1, 0, 1, 0, PN_RETRY_REPORTED},
	{"-bv: 421 to RSET after the verdicts", T, 421, "", PN_PHASE_RCPT, 0, 1, 0, 2, 2, PN_RETRY_REPORTED},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct pn_error e;
		pn_error_init(&e);
		e.code = r->code;
		e.reply = r->reply;
		snprintf(e.enhanced, sizeof(e.enhanced), "%s", r->enhanced);
		e.phase = r->phase;
		struct pn_retry rt = {.extra = 2, .delay_s = 1, .max_s = 120, .after_data = r->after_data};
		struct pn_smtp_params p;
		memset(&p, 0, sizeof(p));
		p.verify = r->verify;
		p.lmtp = r->lmtp;
		struct pn_retry_seen seen = {r->verdicts, r->accepted};
		tap_is_int(pn_retry_classify(&e, &rt, &p, 2, &seen), r->want, r->name);
	}
	/* the exit code of each reply above, as error.c gives it */
	tap_is_int(pn_exit_for_reply(432, "4.3.2"), EX_TEMPFAIL, "432 4.3.2 is 75");
	tap_is_int(pn_exit_for_reply(432, "4.7.12"), EX_TEMPFAIL, "432 4.7.12 is 75 (a 4xx), though not retried");
	tap_is_int(pn_exit_for_reply(454, "4.7.0"), EX_TEMPFAIL, "454 4.7.0 is 75");
	tap_is_int(pn_exit_for_reply(421, NULL), EX_TEMPFAIL, "421 is 75");
	return tap_done();
}
