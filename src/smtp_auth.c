/* smtp_auth.c - the AUTH state of the SMTP client (see smtp_session.h).
 *
 * RFC 4954 (AUTH: the initial response within the command line, 334
 * challenges, "*" to cancel, "=" for an empty initial response); the
 * mechanisms are sasl.h's, which knows nothing of SMTP.  AUTH is reached
 * only with TLS up, unless the account allows it in clear.
 * SECURITY: every line carrying credentials goes through send_secret,
 * which shows it redacted in the transcript; the password never reaches
 * an error message, and a SCRAM server that does not prove it knows the
 * password gets no message.
 */
#include "smtp_session.h"

#include "sasl.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define AUTH_ROUNDS 6
/* RFC 4954 4: a response line after a 334 may be this long (an OAuth token
 * is); the AUTH command itself keeps RFC 5321's CMD_MAX, and an initial
 * response that does not fit there waits for the empty challenge */
#define AUTH_LINE_MAX 12288

/* send_secret - queue a command carrying credentials; redacted in -v */
static bool send_secret(struct session *s, const char *prefix, const struct pn_secret *secret)
{
	struct pn_buf cmd;
	pn_buf_init_secret(&cmd, AUTH_LINE_MAX);
	char shown[80];
	snprintf(shown, sizeof(shown), "%s[redacted]", prefix);
	bool fits = pn_buf_addstr(&cmd, prefix) && pn_buf_append(&cmd, secret->p, secret->n);
	if (!fits)
		pn_error_set(s->err, EX_DATAERR, _("%s: command too long: %s"), pn_conn_name(s->c), shown);
	bool ok = fits && smtp_write_line(s, cmd.data, shown, AUTH_LINE_MAX);
	pn_buf_free(&cmd);
	return ok;
}

/* auth_failed - the one place that formats a refused AUTH: the reply,
 * and what the server said in a challenge before it (an OAuth error's
 * JSON, escaped and bounded by sasl.c), kept as the outcome's cause so
 * that hint.c can explain it */
static enum state auth_failed(struct session *s, const struct pn_sasl *sasl)
{
	if (!sasl->error[0])
		return smtp_reply_error(s, _("authentication failed"));
	bool fresh = !pn_error_isset(s->err);
	pn_error_reply(s->err, s->phase, s->p->host, s->r.code, s->r.enhanced, s->cur,
		       _("%s: authentication failed: %s; the server says: %s"), pn_conn_name(s->c), s->cur, sasl->error);
	if (fresh)
		pn_error_cause(s->err, PN_CAUSE_CHALLENGE, sasl->error);
	return S_FAIL;
}

/* sasl_failure - the mechanism refused what the server sent (or could not
 * start): say why; after a challenge, cancel the exchange ("*", RFC 4954
 * 4) and read the server's answer, so that RSET and QUIT can follow.  A
 * server whose SCRAM signature is wrong does not know the password (or is
 * not the server): nothing more is sent to it but the cancel and QUIT. */
static enum state sasl_failure(struct session *s, const struct pn_sasl *sasl, bool cancel)
{
	const char *name = pn_conn_name(s->c), *mech = pn_sasl_name(sasl->mech);
	switch (sasl->failure) {
	case PN_SASLF_FORGED:
		pn_error_set(s->err, EX_PROTOCOL, _("%s: the server's %s signature is wrong: it does not know the "
						    "password, or is not the server it claims to be; nothing was sent"),
			     name, mech);
		break;
	case PN_SASLF_NONCE:
		pn_error_set(s->err, EX_PROTOCOL, _("%s: the server broke %s: its nonce does not extend postern's"), name,
			     mech);
		break;
	case PN_SASLF_ITERATIONS:
		pn_error_set(s->err, EX_PROTOCOL, _("%s: the server asks for more than %d %s iterations; refused"), name,
			     PN_SASL_MAX_ITERATIONS, mech);
		break;
	case PN_SASLF_SERVER:
		pn_error_set(s->err, EX_NOPERM, _("%s: authentication failed (%s); the server says: %s"), name, mech,
			     sasl->error);
		break;
	case PN_SASLF_PREP:
		pn_error_set(s->err, EX_CONFIG, _("%s: the user name or password cannot be used with %s: SASLprep "
						  "(RFC 4013) refuses it"), name, mech);
		break;
	default:
		pn_error_set(s->err, EX_PROTOCOL, _("%s: unexpected authentication challenge for %s"), name, mech);
	}
	if (cancel && smtp_send_cmd(s, "*") && smtp_flush(s))
		(void)smtp_read_reply(s);
	return S_FAIL;
}

/* unproven - 235 before the server proved it knows the password */
static enum state unproven(struct session *s, const struct pn_sasl *sasl)
{
	pn_error_set(s->err, EX_PROTOCOL, _("%s: the server accepted %s without proving that it knows the password "
					    "(no server signature); nothing was sent"),
		     pn_conn_name(s->c), pn_sasl_name(sasl->mech));
	return S_FAIL;
}

/* auth_start - the AUTH command, with the initial response when it fits
 * a command line (CMD_MAX: "the AUTH command is still subject to the line
 * length limitations" of SMTP, RFC 4954 4; Postfix cuts longer ones);
 * one that does not stays in *ir for the first 334 */
static bool auth_start(struct session *s, struct pn_sasl *sasl, struct pn_secret *ir)
{
	const char *name = pn_sasl_name(sasl->mech);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "AUTH %s ", name);
	if (ir->p && strlen(prefix) + ir->n + 2 <= CMD_MAX) {
		bool ok = send_secret(s, prefix, ir);
		pn_secret_wipe(ir);
		return ok;
	}
	if (ir->p && ir->n == 1 && ir->p[0] == '=') { /* "=" means empty in the AUTH line only */
		pn_secret_wipe(ir);
		pn_secret_copy(ir, "", 0);
	}
	return smtp_send_cmd(s, "AUTH %s", name);
}

/* auth_exchange - AUTH with the chosen mechanism until 235 or failure */
static enum state auth_exchange(struct session *s, struct pn_sasl *sasl)
{
	struct pn_secret ir;
	if (!pn_sasl_initial(sasl, &ir) && sasl->failure != PN_SASLF_NONE)
		return sasl_failure(s, sasl, false);
	bool ok = auth_start(s, sasl, &ir);
	enum state next = S_FAIL;
	for (int round = 0; ok && round < AUTH_ROUNDS; round++) {
		if (!smtp_flush(s) || !smtp_read_reply(s))
			break;
		if (s->r.code == 235) {
			next = pn_sasl_complete(sasl) ? smtp_transaction(s) : unproven(s, sasl);
			break;
		}
		if (s->r.code != 334) {
			next = auth_failed(s, sasl);
			break;
		}
		struct pn_secret resp = ir;
		if (!ir.p && !pn_sasl_step(sasl, s->r.text.data ? s->r.text.data : "", &resp)) {
			next = sasl_failure(s, sasl, true);
			break;
		}
		ir = (struct pn_secret){NULL, 0};
		ok = send_secret(s, "", &resp);
		pn_secret_wipe(&resp);
	}
	pn_secret_wipe(&ir);
	if (next == S_FAIL && !pn_error_isset(s->err))
		pn_error_set(s->err, EX_PROTOCOL, _("%s: authentication did not finish"), pn_conn_name(s->c));
	return next;
}

/* nothing_fits - one line: what the server offers, what the account
 * allows, and why */
static enum state nothing_fits(struct session *s, const struct pn_sasl_allow *allow)
{
	char allowed[300];
	pn_sasl_allowed(s->p->auth, allow, allowed, sizeof(allowed));
	const char *why = s->p->auth != PN_AUTH_ON ? _("its auth setting names it")
			  : allow->oauth                ? _("it has an OAuth 2.0 token source")
			  : allow->cert && !allow->user ? _("it has a client certificate and no user")
			  : allow->password             ? _("it has a password")
							: _("it has no password");
	bool plus = pn_sasl_offers(s->caps.auth, "SCRAM-SHA-256-PLUS") || pn_sasl_offers(s->caps.auth, "SCRAM-SHA-1-PLUS");
	pn_error_set(s->err, EX_UNAVAILABLE, _("%s: no authentication method fits: the server offers%s; this account allows %s (%s%s)"),
		     pn_conn_name(s->c), s->caps.auth, allowed, why,
		     plus && !allow->binding && !allow->oauth ? _("; this TLS session has no channel binding") : "");
	return S_FAIL;
}

/* no_binding - a -PLUS method was named and the session has no binding */
static enum state no_binding(struct session *s, enum pn_sasl_mech mech)
{
	pn_error_set(s->err, EX_UNAVAILABLE,
		     _("%s: %s needs a TLS channel binding, and this session has none (postern binds TLS 1.3 "
		       "with tls-exporter, and TLS 1.2 with tls-unique only when the session has the extended "
		       "master secret)"),
		     pn_conn_name(s->c), pn_sasl_name(mech));
	return S_FAIL;
}

/* smtp_st_auth - choose a mechanism and authenticate; only ever inside TLS,
 * unless the account allows it in clear (auth_in_clear) */
enum state smtp_st_auth(struct session *s)
{
	const char *name = pn_conn_name(s->c);
	if (!s->tls_on && !s->p->auth_in_clear) {
		pn_error_set(s->err, EX_UNAVAILABLE, _("%s: refusing to authenticate over an unencrypted connection"), name);
		return S_FAIL;
	}
	if (!s->caps.auth[0]) {
		pn_error_set(s->err, EX_UNAVAILABLE, _("%s: the server does not offer authentication (AUTH)"), name);
		return S_FAIL;
	}
	struct pn_tls_cb cb = {NULL, {0}, 0};
	const struct pn_smtp_params *p = s->p;
	struct pn_sasl_allow allow = {.password = p->password != NULL, .oauth = p->oauth,
				      .cert = s->tls_on && p->tlsp.cert_file, /* presented in TLS only */
				      .user = p->user && *p->user,
				      .binding = s->tls_on && pn_tls_cb_type(s->tls)};
	enum pn_sasl_mech mech = pn_sasl_choose(s->caps.auth, p->auth, &allow);
	if (mech == PN_SASL_NONE)
		return nothing_fits(s, &allow);
	/* the binding's data only for a -PLUS method: "y" needs the type alone */
	if (pn_sasl_plus(mech) && !pn_tls_channel_binding(s->tls, &cb))
		return no_binding(s, mech);
	cb.type = pn_tls_cb_type(s->tls);
	static const struct pn_secret none = {(char *)"", 0};
	struct pn_sasl sasl = {.mech = mech, .user = p->user, .password = p->password ? p->password : &none,
			       .host = p->host, .port = p->port, .cb_type = allow.binding ? cb.type : NULL,
			       .cb_data = cb.data, .cb_len = cb.len, .nonce = p->sasl_nonce,
			       .plus_offered = pn_sasl_plus_offered(s->caps.auth, mech)};
	s->phase = PN_PHASE_AUTH;
	pn_conn_phase(s->c, N_("while authenticating"));
	bool plus = pn_sasl_plus(mech);
	smtp_trace(s, "--- authenticating with %s%s%s", pn_sasl_name(mech), plus ? ", TLS channel binding " : "",
	      plus ? sasl.cb_type : "");
	enum state next = auth_exchange(s, &sasl);
	pn_sasl_free(&sasl);
	pn_wipe(&cb, sizeof(cb));
	return next;
}
