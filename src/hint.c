/* hint.c - the table of hints (see hint.h) and its lookup.
 *
 * Each row names what must fit: a reply (the exact code, or its class 4
 * or 5), an enhanced status code (RFC 3463; "5.7." is a prefix, "5.7.1"
 * the whole code, so that it never takes 5.7.139), a piece of the
 * server's text (any case), the phases, the port, or a cause postern saw
 * itself (a timeout, a TLS handshake that met plain text, a certificate
 * check).  Rows are tried in order, the more precise first; the first
 * that fits gives the hint.  Providers' texts are quoted in the
 * comments as they send them.  The texts are translated; a "%s" in one
 * (or "%1$s", "%2$s" where a translation reorders them) is filled by
 * the row's fill function (a fingerprint, an OAuth error's status and
 * scope) through pn_hint_fill, never by printf, so that a translation
 * cannot misuse it.
 */
#include "hint.h"

#include "buf.h"
#include "escape.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

#define PH(p) (1u << (p))
#define AFTER_DATA (PH(PN_PHASE_DATA) | PH(PN_PHASE_DOT))

struct rule;
typedef bool (*fill_fn)(const struct pn_error *e, const char *text, char *out, size_t size);

struct rule {
	int reply;           /* 0: any reply; 4, 5: its class; else exactly */
	const char *enh;     /* NULL: any; ending in '.': a prefix; else whole */
	const char *text;    /* NULL: any; else in the server's text, any case */
	unsigned phases;     /* 0: any; else PH() of each */
	enum pn_cause cause; /* NONE: a reply decided; else only this cause */
	int port;            /* 0: any */
	fill_fn fill;        /* NULL: the text is the hint */
	const char *hint;    /* N_() */
};

static bool fill_detail(const struct pn_error *e, const char *text, char *out, size_t size);
static bool fill_challenge(const struct pn_error *e, const char *text, char *out, size_t size);

/* Texts that several rows share */
#define SES_UNVERIFIED N_(\
	"Amazon SES sends only from identities verified in the region of the host you connect to: verify the envelope "\
	"sender and the From address (or their domain) there, and in the SES sandbox the recipients too; mail from cron "\
	"comes from root@HOSTNAME: set 'from' to a verified address and 'set_from_header on', or pass -f")
#define SES_PAUSED N_(\
	"the provider has paused sending for this account (Amazon SES pauses an account over its bounce or complaint "\
	"rate): see the notice sent to the account's owner, and ask for a review; nothing is sent until then")
#define M365_SMTP_AUTH N_(\
	"SMTP AUTH may be disabled for the tenant or the mailbox (Exchange Online: Set-CASMailbox -Identity MAILBOX "\
	"-SmtpClientAuthenticationDisabled $false), or, with client credentials, the application lacks SMTP.SendAsApp "\
	"or the mailbox permission of its service principal (Add-MailboxPermission)")
#define RELAY_DENIED N_(\
	"the server relays only for clients it knows: authenticate (auth on, with user and password), or send from an "\
	"address and to recipients the server accepts")
#define PORT25 N_(\
	"nothing answers on port 25: many networks and cloud hosts block outgoing port 25; submit on port 587 with "\
	"STARTTLS (tls on, tls_starttls on) or on port 465 with implicit TLS (tls on, tls_starttls off)")

static const struct rule rules[] = {
	/* an XOAUTH2 / OAUTHBEARER error challenge (RFC 7628 3.2.2), e.g.
	 * Gmail's {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"} */
	{0, NULL, NULL, 0, PN_CAUSE_CHALLENGE, 0, fill_challenge,
	 N_("the server refused the access token (status %s); the token must carry the scope %s")},

	/* Amazon SES: "554 Message rejected: Email address is not verified.
	 * The following identities failed the check in region US-EAST-1: ..." */
	{554, NULL, "Email address is not verified", 0, PN_CAUSE_NONE, 0, NULL, SES_UNVERIFIED},
	/* "535 Authentication Credentials Invalid" */
	{535, NULL, "Authentication Credentials Invalid", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("Amazon SES takes SMTP credentials, not an IAM access key and secret: create them in the SES console (or "
	    "derive them from the IAM secret key for the region); they are valid in one region only, the one in the "
	    "host name email-smtp.REGION.amazonaws.com")},
	/* "554 Access denied: User `arn:aws:iam::...' is not authorized to
	 * perform `ses:SendRawEmail' on resource `arn:aws:ses:...'" */
	{554, NULL, "ses:SendRawEmail", AFTER_DATA, PN_CAUSE_NONE, 0, NULL,
	 N_("the IAM user behind these SMTP credentials may not send: its policy must allow ses:SendRawEmail on the "
	    "sending identity, and any condition in it must hold for this send (aws:SourceIp against this host's "
	    "public address, ses:FromAddress against the sender)")},
	/* "454 Throttling failure: Maximum sending rate exceeded." */
	{454, NULL, "Maximum sending rate exceeded", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the account sends faster than its sending rate (messages per second): send less at once, let postern "
	    "wait and try again (retry and retry_delay), or ask the provider for a higher rate")},
	/* "454 Throttling failure: Daily message quota exceeded." */
	{454, NULL, "Daily message quota exceeded", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the account has sent its quota of messages for the last 24 hours: wait, or ask the provider for a "
	    "higher quota")},
	{5, NULL, "Sending paused", 0, PN_CAUSE_NONE, 0, NULL, SES_PAUSED},
	{5, NULL, "Sending suspended", 0, PN_CAUSE_NONE, 0, NULL, SES_PAUSED},

	/* Microsoft 365: "550 5.7.30 Basic authentication is not supported
	 * for Client Submission." */
	{0, "5.7.30", NULL, 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the server takes no password (Basic authentication): use auth xoauth2 with oauth2_provider microsoft "
	    "(see OAUTH 2.0 in postern.conf(5))")},
	{5, NULL, "basic authentication is disabled", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the server takes no password (Basic authentication): use auth xoauth2 with oauth2_provider microsoft "
	    "(see OAUTH 2.0 in postern.conf(5))")},
	/* "535 5.7.139 Authentication unsuccessful, user is locked by your
	 * organization's security defaults policy." */
	{535, "5.7.139", "security defaults", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the tenant's security defaults forbid SMTP AUTH with a password: use OAuth 2.0 (auth xoauth2, "
	    "oauth2_provider microsoft), or have an administrator turn security defaults off")},
	/* "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication
	 * is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled" */
	{0, "5.7.139", NULL, 0, PN_CAUSE_NONE, 0, NULL, M365_SMTP_AUTH},
	/* "535 5.7.3 Authentication unsuccessful": also a wrong password */
	{535, "5.7.3", NULL, 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the user name and password (or the OAuth token) were refused: check them first; if they are right, "
	    "SMTP AUTH may be disabled for the tenant or the mailbox (Exchange Online: Set-CASMailbox -Identity "
	    "MAILBOX -SmtpClientAuthenticationDisabled $false), or, with client credentials, the application lacks "
	    "SMTP.SendAsApp or the mailbox permission of its service principal (Add-MailboxPermission)")},
	/* "432 4.3.2 Concurrent connections limit exceeded. Visit
	 * https://aka.ms/concurrent_sending for more information." */
	{432, "4.3.2", NULL, 0, PN_CAUSE_NONE, 0, NULL,
	 N_("Microsoft 365 lets a mailbox send over only a few connections at a time (three): send fewer messages "
	    "at once; the message was not sent, and can be sent again later")},
	/* "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceeded
	 * Exception; Failed to process message due to a permanent exception" */
	{554, "5.2.0", "SubmissionQuotaExceeded", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the mailbox is over its sending limits (recipients per day, messages per minute), or was blocked for "
	    "sending spam: wait a day, or have an administrator check the restricted users in the Microsoft 365 "
	    "Defender portal")},

	/* Gmail: "534-5.7.9 Application-specific password required." */
	{534, "5.7.9", NULL, 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the Google account uses 2-Step Verification: create an app password (Google Account, Security, App "
	    "passwords) and give it as the password, or use OAuth 2.0 (auth oauthbearer, oauth2_provider google)")},
	/* "535-5.7.8 Username and Password not accepted." */
	{535, "5.7.8", "Username and Password not accepted", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("Google refused the user name or password: the user is the whole address, and the password an app "
	    "password (2-Step Verification) or an OAuth 2.0 token: Google takes no account password over SMTP")},
	/* "550-5.7.26 This mail has been blocked because the sender is
	 * unauthenticated. Gmail requires all senders to authenticate with
	 * either SPF or DKIM." */
	{5, "5.7.26", NULL, 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the receiving side wants mail that SPF or DKIM authenticates for the From address's domain: send "
	    "through that domain's own provider, or have the domain publish SPF and DKIM for this smarthost")},
	/* "550-5.7.1 Unauthenticated email from example.com is not accepted
	 * due to domain's DMARC policy." */
	{5, "5.7.1", "Unauthenticated email", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the receiving side wants mail that SPF or DKIM authenticates for the From address's domain: send "
	    "through that domain's own provider, or have the domain publish SPF and DKIM for this smarthost")},

	/* anyone: "530 5.7.0 Must issue a STARTTLS command first" */
	{530, NULL, "STARTTLS", 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the server takes this only over TLS: set tls on (with tls_starttls on for a port that starts in clear, "
	    "such as 587 or 25)")},
	/* Postfix "554 5.7.1 <b@example.net>: Relay access denied";
	 * Exchange "550 5.7.54 SMTP; Unable to relay recipient in non-
	 * accepted domain"; Exim "550 relay not permitted"; Sendmail
	 * "550 5.7.1 <b@example.net>... Relaying denied" */
	{5, NULL, "Relay access denied", 0, PN_CAUSE_NONE, 0, NULL, RELAY_DENIED},
	{5, NULL, "Relaying denied", 0, PN_CAUSE_NONE, 0, NULL, RELAY_DENIED},
	{5, NULL, "relay not permitted", 0, PN_CAUSE_NONE, 0, NULL, RELAY_DENIED},
	{5, NULL, "Unable to relay", 0, PN_CAUSE_NONE, 0, NULL, RELAY_DENIED},
	/* "550 5.1.1 <b@example.net>: Recipient address rejected: User
	 * unknown in virtual mailbox table" */
	{5, "5.1.1", NULL, 0, PN_CAUSE_NONE, 0, NULL,
	 N_("the recipient's address does not exist at its domain: check it for a typing error")},

	/* local causes */
	{0, NULL, NULL, 0, PN_CAUSE_CONNECT_TIMEOUT, 25, NULL, PORT25},
	{0, NULL, NULL, 0, PN_CAUSE_SILENT, 25, NULL, PORT25},
	{0, NULL, NULL, 0, PN_CAUSE_SILENT, 0, NULL,
	 N_("the server sent no greeting: a port with implicit TLS (usually 465) waits in silence for the TLS "
	    "handshake: set tls on and tls_starttls off for it, or use the STARTTLS port (usually 587)")},
	{0, NULL, NULL, PH(PN_PHASE_CONNECT), PN_CAUSE_NOT_TLS, 0, NULL,
	 N_("the server answered in plain text, not TLS: this port (usually 587 or 25) starts in clear: set "
	    "tls_starttls on, or use the implicit-TLS port (usually 465)")},
	{0, NULL, NULL, 0, PN_CAUSE_CERT_ISSUER, 0, fill_detail,
	 N_("no trusted authority issued the server's certificate: name the authority that did in tls_trust_file, "
	    "or, having checked it, pin this very certificate with tls_fingerprint %s")},
	{0, NULL, NULL, 0, PN_CAUSE_CERT_EXPIRED, 0, fill_detail,
	 N_("the server's certificate has expired (or this host's clock is wrong: check the date); its operator "
	    "must renew it (its SHA-256 fingerprint: %s)")},
	{0, NULL, NULL, 0, PN_CAUSE_CERT_NOT_YET, 0, fill_detail,
	 N_("the server's certificate is not valid yet: this host's clock is probably wrong (its SHA-256 "
	    "fingerprint: %s)")},
	{0, NULL, NULL, 0, PN_CAUSE_CERT_NAME, 0, fill_detail,
	 N_("the certificate is not for the host name postern connects to: set host to a name the certificate "
	    "carries (not an address or another alias), tls_host_override, or pin it with tls_fingerprint %s")},
	{0, NULL, NULL, 0, PN_CAUSE_CERT_REVOKED, 0, fill_detail,
	 N_("the authority that issued the server's certificate has revoked it: the server's operator must replace it "
	    "(its SHA-256 fingerprint: %s)")},
	{0, NULL, NULL, 0, PN_CAUSE_FINGERPRINT, 0, fill_detail,
	 N_("the server presents another certificate than the one pinned: if it was replaced on purpose (check with "
	    "its operator), set tls_fingerprint %s")},
};

/* enh_fits - the enhanced status code fits the row's pattern */
static bool enh_fits(const char *pat, const char *enh)
{
	size_t n = strlen(pat);
	if (strncmp(pat, enh, n) != 0)
		return false;
	return (n && pat[n - 1] == '.') || enh[n] == '\0';
}

/* reply_fits - the row's reply, enhanced status and text fit e */
static bool reply_fits(const struct rule *r, const struct pn_error *e)
{
	if (!e->reply)
		return false;
	if (r->reply >= 100 ? e->reply != r->reply : r->reply && e->reply / 100 != r->reply)
		return false;
	if (r->enh && !enh_fits(r->enh, e->enhanced))
		return false;
	return !r->text || strcasestr(e->server, r->text);
}

/* fits - the row says something about e */
static bool fits(const struct rule *r, const struct pn_error *e)
{
	if (r->phases && !(r->phases & PH(e->phase)))
		return false;
	if (r->port && r->port != e->port)
		return false;
	if (r->cause != PN_CAUSE_NONE)
		return r->cause == e->cause;
	return reply_fits(r, e);
}

/* placeholder - the argument a "%s" or "%N$s" (a translation may put
 * them in another order) at p stands for: its index, and its length in
 * *len; -1 when p holds none */
static int placeholder(const char *p, size_t *next, size_t *len)
{
	if (p[0] != '%')
		return -1;
	if (p[1] == 's') {
		*len = 2;
		return (int)(*next)++;
	}
	if (p[1] >= '1' && p[1] <= '9' && p[2] == '$' && p[3] == 's') {
		*len = 4;
		return p[1] - '1';
	}
	return -1;
}

/* pn_hint_fill - see hint.h: text with each placeholder replaced by its argument (n of them,
 * each used once at least); false when one is out of range, or out is
 * too small */
bool pn_hint_fill(const char *text, const char *const *args, size_t n, char *out, size_t size)
{
	size_t o = 0, next = 0, len = 0;
	unsigned used = 0;
	for (const char *p = text; *p; p += len) {
		int i = placeholder(p, &next, &len);
		const char *piece = p;
		size_t plen = 1;
		if (i >= 0 && (size_t)i >= n)
			return false;
		if (i >= 0) {
			piece = args[i];
			plen = strlen(piece);
			used |= 1u << i;
		} else {
			len = 1;
		}
		if (o + plen >= size)
			return false;
		memcpy(out + o, piece, plen);
		o += plen;
	}
	out[o] = '\0';
	return used == (1u << n) - 1;
}

/* fill_detail - the one "%s" is the cause's detail (a fingerprint) */
static bool fill_detail(const struct pn_error *e, const char *text, char *out, size_t size)
{
	const char *args[] = {e->detail};
	return e->detail[0] && pn_hint_fill(text, args, 1, out, size);
}

/* member - a string member of j, escaped for the terminal into out ("?"
 * when missing); whether it was there */
static bool member(const struct pn_json *j, const char *name, char *out, size_t size)
{
	struct pn_buf raw, shown;
	pn_buf_init(&raw, 1024);
	pn_buf_init(&shown, size - 1);
	bool has = pn_json_string(j, name, &raw) && raw.data;
	bool ok = has && pn_escape(&shown, raw.data, false) && shown.data;
	snprintf(out, size, "%s", ok ? shown.data : "?");
	pn_buf_free(&raw);
	pn_buf_free(&shown);
	return has;
}

/* fill_challenge - the challenge's JSON: its "status" and the "scope"
 * the token needs (one of them at least) */
static bool fill_challenge(const struct pn_error *e, const char *text, char *out, size_t size)
{
	struct pn_json j;
	const char *why;
	if (!pn_json_parse(&j, e->detail, strlen(e->detail), &why) || j.top != PN_JSON_OBJECT)
		return false;
	char st[80], sc[400];
	bool has_st = member(&j, "status", st, sizeof(st));
	bool has_sc = member(&j, "scope", sc, sizeof(sc));
	const char *args[] = {st, sc};
	return (has_st || has_sc) && pn_hint_fill(text, args, 2, out, size);
}

/* lookup - the index of the first row that fits e and fills, its hint
 * in out; -1 when none does */
static int lookup(const struct pn_error *e, char *out, size_t size)
{
	if (!pn_error_isset(e))
		return -1;
	for (size_t i = 0; i < PN_ARRAY_LEN(rules); i++) {
		const struct rule *r = &rules[i];
		if (!fits(r, e))
			continue;
		const char *text = _(r->hint);
		if (r->fill ? r->fill(e, text, out, size) : (snprintf(out, size, "%s", text), true))
			return (int)i;
	}
	return -1;
}

/* pn_hint - see hint.h */
bool pn_hint(const struct pn_error *e, char *out, size_t size)
{
	return lookup(e, out, size) >= 0;
}

/* pn_hint_row - see hint.h */
int pn_hint_row(const struct pn_error *e)
{
	char out[1024];
	return lookup(e, out, sizeof(out));
}

/* pn_hint_rows - see hint.h */
size_t pn_hint_rows(void)
{
	return PN_ARRAY_LEN(rules);
}
