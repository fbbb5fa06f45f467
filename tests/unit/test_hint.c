/* test_hint.c - the table of hints: every row is reached by its
 * provider's exact reply (or the cause postern records), and near misses
 * (another provider's words, a code of the same family, the wrong port or
 * phase) reach no row, or another one. */
#include "hint.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

struct hcase {
	int reply;
	const char *enh;
	const char *server; /* the reply on one line, as smtp.c keeps it */
	enum pn_phase phase;
	enum pn_cause cause;
	int port;
	const char *detail;
	const char *want; /* a piece of the hint; NULL: no hint */
};

#define FPR "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"

static const struct hcase hits[] = {
	/* OAuth 2.0 error challenges (Gmail's XOAUTH2, RFC 7628's OAUTHBEARER) */
	{535, "5.7.8", "535-5.7.8 Username and Password not accepted.", PN_PHASE_AUTH, PN_CAUSE_CHALLENGE, 587,
	 "{\"status\":\"401\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/\"}",
	 "(status 401); the token must carry the scope https://mail.google.com/"},
	/* Amazon SES */
	{554, "", "554 Message rejected: Email address is not verified. The following identities failed the check in "
		  "region US-EAST-1: root@web1.example.com", PN_PHASE_DOT, 0, 587, "", "set_from_header on"},
	{535, "", "535 Authentication Credentials Invalid", PN_PHASE_AUTH, 0, 587, "", "not an IAM access key"},
	{554, "", "554 Access denied: User `arn:aws:iam::123456789012:user/ses-smtp-user.20240101-101010' is not "
		  "authorized to perform `ses:SendRawEmail' on resource `arn:aws:ses:eu-west-1:123456789012:identity/"
		  "example.com'", PN_PHASE_DOT, 0, 587, "", "aws:SourceIp"},
	{454, "", "454 Throttling failure: Maximum sending rate exceeded.", PN_PHASE_DOT, 0, 587, "", "retry_delay"},
	{454, "", "454 Throttling failure: Daily message quota exceeded.", PN_PHASE_DOT, 0, 587, "", "last 24 hours"},
	{554, "", "554 Sending paused for this account. For more information, please check the inbox of the email "
		  "address associated with your AWS account.", PN_PHASE_MAIL, 0, 587, "", "paused sending"},
	{554, "", "554 Sending suspended for this account. For more information, please check the inbox of the email "
		  "address associated with your AWS account.", PN_PHASE_MAIL, 0, 587, "", "paused sending"},
	/* Microsoft 365 */
	{550, "5.7.30", "550 5.7.30 Basic authentication is not supported for Client Submission.", PN_PHASE_AUTH, 0, 587,
	 "", "use auth xoauth2 with oauth2_provider microsoft"},
	{535, "", "535 Basic authentication is disabled", PN_PHASE_AUTH, 0, 587, "", "auth xoauth2"},
	{535, "5.7.139", "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security "
			 "defaults policy. Contact your administrator.", PN_PHASE_AUTH, 0, 587, "", "security defaults"},
	{535, "5.7.139", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
			 "Visit https://aka.ms/smtp_auth_disabled for more information.", PN_PHASE_AUTH, 0, 587, "",
	 "Set-CASMailbox -Identity MAILBOX -SmtpClientAuthenticationDisabled $false"},
	{535, "5.7.3", "535 5.7.3 Authentication unsuccessful [AM0PR01CA0123.eurprd01.prod.exchangelabs.com]",
	 PN_PHASE_AUTH, 0, 587, "", "SMTP.SendAsApp"},
	{432, "4.3.2", "432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for "
		       "more information. [Hostname=AM0PR01MB1234.eurprd01.prod.outlook.com]", PN_PHASE_AUTH, 0, 587, "",
	 "three"},
	{554, "5.2.0", "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process "
		       "message due to a permanent exception with message Cannot submit message.", PN_PHASE_DOT, 0, 587,
	 "", "sending limits"},
	/* Gmail (a multi-line reply as smtp.c joins it: " / " between lines) */
	{534, "5.7.9", "534 5.7.9 Application-specific password required. Learn more at / 5.7.9  "
		       "https://support.google.com/mail/?p=InvalidSecondFactor", PN_PHASE_AUTH, 0, 587, "",
	 "app password"},
	{535, "5.7.8", "535 5.7.8 Username and Password not accepted. Learn more at / 5.7.8  "
		       "https://support.google.com/mail/?p=BadCredentials", PN_PHASE_AUTH, 0, 587, "",
	 "whole address"},
	{550, "5.7.26", "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires "
			"all senders to authenticate with either SPF or DKIM.", PN_PHASE_DOT, 0, 587, "", "SPF or DKIM"},
	{550, "5.7.1", "550-5.7.1 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.",
	 PN_PHASE_DOT, 0, 587, "", "SPF or DKIM"},
	/* anyone */
	{530, "5.7.0", "530 5.7.0 Must issue a STARTTLS command first", PN_PHASE_MAIL, 0, 587, "", "tls on"},
	{554, "5.7.1", "554 5.7.1 <b@example.net>: Relay access denied", PN_PHASE_RCPT, 0, 587, "", "relays only"},
	{550, "5.7.1", "550 5.7.1 <b@example.net>... Relaying denied", PN_PHASE_RCPT, 0, 25, "", "relays only"},
	{550, "", "550 relay not permitted", PN_PHASE_RCPT, 0, 25, "", "relays only"},
	{550, "5.7.54", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", PN_PHASE_RCPT, 0, 25, "",
	 "relays only"},
	{550, "5.1.1", "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox "
		       "table", PN_PHASE_RCPT, 0, 587, "", "does not exist"},
	/* local causes */
	{0, "", "", PN_PHASE_CONNECT, PN_CAUSE_CONNECT_TIMEOUT, 25, "", "block outgoing port 25"},
	{0, "", "", PN_PHASE_GREETING, PN_CAUSE_SILENT, 25, "", "block outgoing port 25"},
	{0, "", "", PN_PHASE_GREETING, PN_CAUSE_SILENT, 465, "", "tls_starttls off"},
	{0, "", "", PN_PHASE_CONNECT, PN_CAUSE_NOT_TLS, 587, "", "tls_starttls on"},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_CERT_ISSUER, 587, FPR, "tls_fingerprint " FPR},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_CERT_EXPIRED, 587, FPR, "expired"},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_CERT_NOT_YET, 587, FPR, "not valid yet"},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_CERT_NAME, 587, FPR, "tls_fingerprint " FPR},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_CERT_REVOKED, 587, FPR, "revoked"},
	{0, "", "", PN_PHASE_CONNECT, PN_CAUSE_FINGERPRINT, 465, FPR, "set tls_fingerprint " FPR},
};

static const struct hcase misses[] = {
	/* SES's texts in another code or phase */
	{554, "", "554 Access denied: User x is not authorized to perform `ses:SendRawEmail'", PN_PHASE_AUTH, 0, 587, "",
	 NULL},
	{535, "5.7.8", "535 5.7.8 Error: authentication failed: authentication failure", PN_PHASE_AUTH, 0, 587, "", NULL},
	{550, "5.7.1", "550 5.7.1 Message rejected as spam by Content Filtering.", PN_PHASE_DOT, 0, 587, "", NULL},
	/* 5.7.13x is not 5.7.1, 5.1.10 not 5.1.1 */
	{550, "5.7.134", "550 5.7.134 Unauthenticated email is not allowed", PN_PHASE_DOT, 0, 587, "", NULL},
	{550, "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
	 PN_PHASE_RCPT, 0, 587, "", NULL},
	{535, "5.7.8", "535-5.7.8 Username and Password not accepted.", PN_PHASE_AUTH, PN_CAUSE_CHALLENGE, 587,
	 "not json", "whole address"},
	{535, "5.7.8", "535 5.7.8 x", PN_PHASE_AUTH, PN_CAUSE_CHALLENGE, 587, "{\"error\":\"x\"}", NULL},
	{454, "4.7.0", "454 4.7.0 Temporary authentication failure", PN_PHASE_AUTH, 0, 587, "", NULL},
	{530, "5.7.0", "530 5.7.0 Authentication required", PN_PHASE_MAIL, 0, 587, "", NULL},
	{450, "4.1.1", "450 4.1.1 <b@example.net>: Recipient address rejected: unverified address", PN_PHASE_RCPT, 0, 587,
	 "", NULL},
	/* local causes where their hint does not hold */
	{0, "", "", PN_PHASE_CONNECT, PN_CAUSE_CONNECT_TIMEOUT, 587, "", NULL},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_NOT_TLS, 587, "", NULL},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_CERT_ISSUER, 587, "", NULL},
	{0, "", "", PN_PHASE_STARTTLS, PN_CAUSE_CERT_OTHER, 587, FPR, NULL},
	{0, "", "", PN_PHASE_CONNECT, PN_CAUSE_NONE, 25, "", NULL},
};

/* outcome - the outcome value a send would have for c */
static void outcome(const struct hcase *c, struct pn_error *e)
{
	pn_error_init(e);
	if (c->reply)
		pn_error_reply(e, c->phase, "smtp.example.com", c->reply, c->enh, c->server, "refused: %s", c->server);
	else
		pn_error_set(e, EX_TEMPFAIL, "failed");
	pn_error_where(e, c->phase, "smtp.example.com", c->port);
	pn_error_cause(e, c->cause, c->detail);
}

/* check - one case: its hint, or none; the row it reached */
static int check(const struct hcase *c)
{
	struct pn_error e;
	char out[1024];
	outcome(c, &e);
	bool got = pn_hint(&e, out, sizeof(out));
	if (c->want)
		tap_ok(got && strstr(out, c->want), "%.60s -> ...%s", c->server[0] ? c->server : "(a local cause)",
		       c->want);
	else
		tap_ok(!got, "no hint for %.60s (got: %s)", c->server[0] ? c->server : "(a local cause)",
		       got ? out : "none");
	return pn_hint_row(&e);
}

/* escaped - a challenge's values reach the terminal escaped */
static void escaped(void)
{
	struct pn_error e;
	char out[1024];
	pn_error_init(&e);
	pn_error_reply(&e, PN_PHASE_AUTH, "h", 535, "5.7.8", "535 5.7.8 x", "x");
	pn_error_cause(&e, PN_CAUSE_CHALLENGE, "{\"status\":\"\\u001b[2J\"}");
	tap_ok(pn_hint(&e, out, sizeof(out)) && !strchr(out, '\x1b') && strstr(out, "scope ?"),
	       "a challenge's values are escaped: %s", out);
	pn_error_init(&e);
	tap_ok(!pn_hint(&e, out, sizeof(out)), "no hint without an error");
	pn_error_accepted(&e, "h", 250, "2.0.0", "250 2.0.0 Ok");
	tap_ok(!pn_hint(&e, out, sizeof(out)), "no hint for an acceptance");
}

/* placeholders - "%s" in turn, "%N$s" as a translation reorders them */
static void placeholders(void)
{
	const char *args[] = {"A", "B"};
	char out[64];
	tap_ok(pn_hint_fill("s %s c %s.", args, 2, out, sizeof(out)) && strcmp(out, "s A c B.") == 0, "%%s in turn: %s",
	       out);
	tap_ok(pn_hint_fill("%2$s then %1$s", args, 2, out, sizeof(out)) && strcmp(out, "B then A") == 0,
	       "%%N$s reordered: %s", out);
	tap_ok(!pn_hint_fill("only %s", args, 2, out, sizeof(out)), "an argument without its placeholder");
	tap_ok(!pn_hint_fill("%s %s %s", args, 2, out, sizeof(out)), "a placeholder without its argument");
	tap_ok(!pn_hint_fill("%3$s", args, 2, out, sizeof(out)), "%%3$s with two arguments");
	tap_ok(pn_hint_fill("100%% %d %s %s", args, 2, out, sizeof(out)) && strcmp(out, "100%% %d A B") == 0,
	       "other %% sequences are text: %s", out);
	tap_ok(!pn_hint_fill("%s and %s", args, 2, out, 6), "out too small");
}

int main(void)
{
	size_t rows = pn_hint_rows();
	bool seen[128] = {false};
	for (size_t i = 0; i < PN_ARRAY_LEN(hits); i++) {
		int r = check(&hits[i]);
		if (r >= 0 && (size_t)r < PN_ARRAY_LEN(seen))
			seen[r] = true;
	}
	for (size_t i = 0; i < PN_ARRAY_LEN(misses); i++)
		(void)check(&misses[i]);
	size_t reached = 0;
	for (size_t i = 0; i < rows && i < PN_ARRAY_LEN(seen); i++) {
		if (!seen[i])
			printf("# row %zu is reached by no case\n", i);
		reached += seen[i];
	}
	tap_is_int((long)reached, (long)rows, "every row of the table is reached by a provider's text");
	escaped();
	placeholders();
	return tap_done();
}
