/* smtp_tx.c - the mail transaction of the SMTP client (see smtp.h):
 * MAIL with its parameters (RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 3461
 * DSN, RFC 6531 SMTPUTF8), the RCPTs pipelined in batches (RFC 2920), the
 * recipients a server defers with 452 4.5.3 sent in further transactions
 * (RFC 5321 4.5.3.1.10), DATA and the body or BDAT (smtp_bdat.c), the
 * 7-bit copy for a server without 8BITMIME (mime.h), and the verdict:
 * the reply to the end of data, or with LMTP one per recipient (RFC 2033).
 * Also the transaction a step at a time, for -bs (pn_smtp_mail, _rcpt,
 * _data).  smtp.c runs the session around it: the connection, EHLO,
 * STARTTLS, AUTH, QUIT.
 * SECURITY: no secret passes here.
 */
#include "smtp_session.h"

#include "mime.h"
#include "rcset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

/* RCPTs pipelined before the replies are read: all of them up to 1000 (one
 * round trip for the envelope, as RFC 2920 intends).  The replies to 1000
 * RCPTs, under 100 KB, fit in the socket buffers, so the server never
 * blocks writing them while postern is still writing; past that, batches. */
#define RCPT_BATCH 1000

/* xtext - RFC 3461 4 encoding of an ENVID */
static void xtext(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < size; p++) {
		if (*p > 32 && *p < 127 && *p != '+' && *p != '=')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, size - o, "+%02X", *p);
	}
	out[o] = '\0';
}

/* mail_params - SIZE, BODY, RET, ENVID for MAIL FROM */
static void mail_params(struct session *s, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	if (s->env->utf8_addr)
		o += (size_t)snprintf(out + o, size - o, " SMTPUTF8");
	if (s->msg && s->caps.size)
		o += (size_t)snprintf(out + o, size - o, " SIZE=%zu", s->msg->size);
	else if (s->stepwise && s->step_size && s->caps.size) /* -bs: the client's, as it said it */
		o += (size_t)snprintf(out + o, size - o, " SIZE=%llu", s->step_size);
	if (s->bdat && s->msg->binary) /* RFC 3030 3: only BDAT carries it */
		o += (size_t)snprintf(out + o, size - o, " BODY=BINARYMIME");
	else if (s->msg && s->msg->eightbit && s->caps.eightbit)
		o += (size_t)snprintf(out + o, size - o, " BODY=8BITMIME");
	else if (s->msg && s->msg->eightbit)
		smtp_trace(s, "--- 8-bit header fields go as they are (SMTPUTF8) to a server without 8BITMIME");
	else if (!s->msg && s->stepwise && s->caps.eightbit) /* -bs: the message is not known yet */
		o += (size_t)snprintf(out + o, size - o, " BODY=8BITMIME");
	if (!s->msg && !s->stepwise)
		return; /* -bv: no message */
	bool want_dsn = s->p->dsn_ret || s->p->dsn_envid || s->p->dsn_notify;
	if (want_dsn && !s->caps.dsn) {
		smtp_trace(s, "--- the server does not offer DSN; -N, -R and -V are left out");
		return;
	}
	if (s->p->dsn_ret)
		o += (size_t)snprintf(out + o, size - o, " RET=%s", s->p->dsn_ret);
	if (s->p->dsn_envid && o + 8 < size) {
		char x[300];
		xtext(s->p->dsn_envid, x, sizeof(x));
		snprintf(out + o, size - o, " ENVID=%s", x);
	}
}

/* send_rcpt - one RCPT TO */
static bool send_rcpt(struct session *s, const char *addr)
{
	if (s->caps.dsn && s->p->dsn_notify)
		return smtp_send_cmd(s, "RCPT TO:<%s> NOTIFY=%s", addr, s->p->dsn_notify);
	return smtp_send_cmd(s, "RCPT TO:<%s>", addr);
}

/* idx_add - append recipient i to a list */
static void idx_add(struct idxlist *l, size_t i)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->i = pn_xrealloc(l->i, l->cap * sizeof(*l->i));
	}
	l->i[l->n++] = i;
}

/* too_many - the reply defers the recipient: 452 with 4.5.3, or with no
 * enhanced code, says the transaction holds as many recipients as the
 * server takes (RFC 5321 4.5.3.1.10); the others go in another one */
static bool too_many(const struct session *s)
{
	return s->r.code == 452 && (!s->r.enhanced[0] || strcmp(s->r.enhanced, "4.5.3") == 0);
}

/* note_reply - keep the current reply as the one that decides, in *k,
 * when it is the first, or permanent where the one kept was not: then no
 * retry can deliver the message as it is; add the recipient to the list */
static void note_reply(struct session *s, struct refusal *k, struct pn_buf *list, const char *addr)
{
	int c = pn_exit_for_reply(s->r.code, s->r.enhanced);
	int had = k->code ? pn_exit_for_reply(k->code, k->enhanced) : 0;
	if (!had || (had == EX_TEMPFAIL && c != EX_TEMPFAIL)) {
		k->code = s->r.code;
		snprintf(k->enhanced, sizeof(k->enhanced), "%s", s->r.enhanced);
		snprintf(k->line, sizeof(k->line), "%s", s->cur);
	}
	s->bare_refused |= !strchr(addr, '@');
	if (!pn_buf_printf(list, "%s%s (%s)", list->len ? ", " : "", addr, s->cur))
		(void)0; /* the list is long enough to say what happened */
}

/* rcpt_verdict - the reply to the RCPT of recipient i: accepted (kept in
 * the transaction), deferred to the next one, or refused */
static void rcpt_verdict(struct session *s, size_t i, struct pn_buf *refused, struct pn_buf *deferred)
{
	const char *addr = s->rcpt->addr[i];
	if (too_many(s)) {
		if (!s->later.n && s->tx_ok)
			s->rcpt_cap = s->tx_ok; /* later transactions offer no more */
		note_reply(s, &s->deferral, deferred, addr);
		idx_add(&s->later, i);
		return;
	}
	if (s->p->verify && s->p->on_rcpt)
		s->p->on_rcpt(s->p->on_rcpt_ctx, i, addr, s->r.code, s->cur);
	if (s->r.code >= 200 && s->r.code <= 299)
		s->tx.i[s->tx_ok++] = i; /* in place: k >= tx_ok, and k was sent */
	else
		note_reply(s, &s->refusal, refused, addr);
}

/* rcpt_replies - read the replies to the RCPTs of tx entries [from, to);
 * after a refused MAIL (mail_ok false) they answer for want of MAIL and
 * are only read: no verdict on a recipient comes of them */
static bool rcpt_replies(struct session *s, size_t from, size_t to, struct pn_buf *refused, struct pn_buf *deferred,
			 bool mail_ok)
{
	s->phase = PN_PHASE_RCPT;
	for (size_t k = from; k < to; k++) {
		if (!smtp_read_reply(s))
			return false;
		if (mail_ok)
			rcpt_verdict(s, s->tx.i[k], refused, deferred);
	}
	return true;
}

/* rset_reply - the reply to the RSET that went before MAIL */
static bool rset_reply(struct session *s)
{
	s->rset = false;
	if (!smtp_read_reply(s))
		return false;
	if (s->r.code == 250)
		return true;
	s->broken = true; /* what was pipelined behind it is not worth reading */
	smtp_reply_error(s, _("RSET refused"));
	return false;
}

/* mail_reply - the reply to MAIL FROM (and to RSET before it, when that
 * was pipelined); *mail_ok false when it refused */
static bool mail_reply(struct session *s, bool *mail_ok)
{
	s->phase = PN_PHASE_MAIL;
	if (s->rset && !rset_reply(s))
		return false;
	if (!smtp_read_reply(s))
		return false;
	*mail_ok = s->r.code == 250;
	if (!*mail_ok)
		smtp_reply_error(s, _("sender address refused"));
	return true;
}

/* send_rset - RSET before a transaction when one went before: pipelined
 * with MAIL when offered (its reply is read with MAIL's), else alone */
static bool send_rset(struct session *s, bool pipe)
{
	if (!s->rset)
		return true;
	if (pipe)
		return smtp_send_cmd(s, "RSET");
	return smtp_send_cmd(s, "RSET") && smtp_flush(s) && rset_reply(s);
}

/* data_reply - the reply to DATA */
static bool data_reply(struct session *s, int *data_code)
{
	s->phase = PN_PHASE_DATA;
	if (!smtp_read_reply(s))
		return false;
	*data_code = s->r.code;
	return true;
}

/* send_mail - RSET when due, then MAIL FROM with params */
static bool send_mail(struct session *s, const char *params, bool pipe)
{
	s->phase = PN_PHASE_MAIL;
	return send_rset(s, pipe) && smtp_send_cmd(s, "MAIL FROM:<%s>%s", s->from, params);
}

/* defer_rest - the recipients of the transaction from the k-th on were
 * not sent: once the server deferred one as too many it takes no more, and
 * Postfix ends the session (421 4.7.0 too many errors) when over 1000 more
 * RCPTs come; they go in the next transaction */
static void defer_rest(struct session *s, size_t k)
{
	if (k < s->tx.n)
		smtp_trace(s, "--- the server takes no more recipients in this transaction: %zu wait for the next one",
			   s->tx.n - k);
	for (; k < s->tx.n; k++)
		idx_add(&s->later, s->tx.i[k]);
}

/* envelope - MAIL, the RCPTs of the transaction, DATA; pipelined in
 * batches when offered, and no further batch once one was deferred.
 * After a refused MAIL the replies to what was pipelined behind it are
 * read and dropped: they answer for want of MAIL (503), not the message. */
static bool envelope(struct session *s, struct pn_buf *refused, struct pn_buf *deferred, bool *mail_ok,
		     int *data_code)
{
	char params[400];
	mail_params(s, params, sizeof(params));
	bool pipe = s->caps.pipelining, data_sent = false;
	bool data = !s->p->verify && !s->bdat; /* BDAT waits for the envelope's verdict */
	if (!send_mail(s, params, pipe) || (!pipe && (!smtp_flush(s) || !mail_reply(s, mail_ok))))
		return false;
	if (!pipe && !*mail_ok)
		return true;
	bool mail_read = !pipe;
	size_t n = s->rcpt_cap && s->rcpt_cap < s->tx.n ? s->rcpt_cap : s->tx.n, i = 0;
	s->tx_ok = 0;
	while (i < n && !s->later.n) {
		size_t end = pipe ? (i + RCPT_BATCH < n ? i + RCPT_BATCH : n) : i + 1;
		for (size_t k = i; k < end; k++)
			if (!send_rcpt(s, s->rcpt->addr[s->tx.i[k]]))
				return false;
		data_sent = pipe && end == n && data; /* the batch that ends with DATA */
		if (data_sent && !smtp_send_cmd(s, "DATA"))
			return false;
		if (end == n && s->bdat_ahead && !smtp_bdat_ahead(s))
			return false;
		if (!smtp_flush(s) || (!mail_read && !mail_reply(s, mail_ok)))
			return false;
		mail_read = true;
		if (!*mail_ok) /* what follows was refused for want of MAIL: drain it */
			return rcpt_replies(s, i, end, refused, deferred, false) &&
			       (!data_sent || data_reply(s, data_code)) && smtp_bdat_drain(s);
		if (!rcpt_replies(s, i, end, refused, deferred, true))
			return false;
		i = end;
	}
	defer_rest(s, i);
	s->tx.n = s->tx_ok;
	if (s->p->verify || refused->len || !s->tx.n)
		return (!data_sent || data_reply(s, data_code)) && smtp_bdat_drain(s);
	if (s->bdat)
		return true; /* no DATA: the chunks follow */
	if (!data_sent && !smtp_send_cmd(s, "DATA"))
		return false;
	return (data_sent || smtp_flush(s)) && data_reply(s, data_code);
}

/* choose_forms - UTF-8 addresses with SMTPUTF8, else A-label domains */
static bool choose_forms(struct session *s)
{
	const struct pn_envelope *e = s->env;
	s->from = e->from_ascii;
	s->rcpt = e->rcpt_ascii;
	if (!e->utf8_addr)
		return true;
	if (!s->caps.smtputf8) {
		pn_error_set(s->err, EX_DATAERR,
			     _("%s: the address %s needs SMTPUTF8, which the server does not offer"),
			     pn_conn_name(s->c), e->utf8_addr);
		return false;
	}
	s->from = e->from;
	s->rcpt = e->rcpt;
	return true;
}

/* next_tx - after a transaction: the recipients it deferred make the next
 * one (no RSET: the last one ended), else the session is ready */
static enum state next_tx(struct session *s)
{
	if (!s->later.n)
		return S_READY;
	struct idxlist t = s->tx;
	s->tx = s->later;
	s->later = t;
	s->later.n = 0;
	smtp_trace(s, "--- %zu recipients were deferred (too many for one transaction): another transaction",
		   s->tx.n);
	return S_ENVELOPE;
}

/* verified - -bv after MAIL and RCPT: reset; the deferred recipients are
 * asked in another transaction */
static enum state verified(struct session *s)
{
	return smtp_command(s, "RSET") ? next_tx(s) : S_FAIL;
}

/* refused_error - the outcome when recipients were refused */
static enum state refused_error(struct session *s, const struct pn_buf *refused, int data_code)
{
	const char *name = pn_conn_name(s->c);
	/* postern sends a name without a domain as written (msmtp does);
	 * when the server wants a domain, say how to give it one */
	const char *hint = s->bare_refused ? _("; map a recipient without a domain to an address in the "
					       "aliases file, or set maildomain to qualify it")
					   : "";
	pn_error_reply(s->err, PN_PHASE_RCPT, s->p->host, s->refusal.code, s->refusal.enhanced, s->refusal.line,
		       s->p->verify || s->sent || s->p->rcpt_had ? _("%s: recipients refused: %s%s")
								 : _("%s: recipients refused, nothing was sent: %s%s"),
		       name, refused->data, hint);
	s->data_open = data_code == 354;
	return S_FAIL;
}

/* seven_bit - RFC 6152: a message with 8-bit bytes for a server without
 * 8BITMIME, or with NUL bytes (never allowed in DATA), goes converted
 * (mime.h); SIZE= and the body are the converted copy's.  With 8BITMIME
 * only the parts holding NUL bytes change.  Header fields stay as they are
 * when SMTPUTF8 is in use (RFC 6532), and with 8BITMIME as before. */
static bool seven_bit(struct session *s)
{
	if (!s->msg || !((s->msg->eightbit && !s->caps.eightbit) || s->msg->nul))
		return true;
	if (s->msg->binary && s->caps.chunking && s->caps.binarymime && !s->p->lmtp && !s->stepwise)
		return true; /* BDAT with BODY=BINARYMIME carries any octet (smtp_bdat.c) */
	bool keep8 = s->caps.eightbit;
	s->seven = pn_mime_convert(s->msg, keep8, keep8 || s->env->utf8_addr != NULL, s->err);
	if (!s->seven)
		return false;
	smtp_trace(s, "--- re-encoded (mime.c) for %s: %zu bytes, was %zu", s->msg->nul ? "NUL bytes" : "a server without 8BITMIME",
		   s->seven->size, s->msg->size);
	s->msg = s->seven;
	return true;
}

/* envelope_outcome - what the envelope's replies make of the transaction */
static enum state envelope_outcome(struct session *s, struct pn_buf *refused, const struct pn_buf *deferred,
				   int data_code)
{
	if (!refused->len && !s->tx.n && s->later.n) { /* all deferred: no progress */
		s->refusal = s->deferral;
		if (!pn_buf_append(refused, deferred->data, deferred->len))
			(void)0; /* as long as it could be: it says what happened */
	}
	if (refused->len)
		return refused_error(s, refused, data_code);
	if (s->p->verify)
		return verified(s);
	if (!s->bdat && data_code != 354)
		return smtp_reply_error(s, _("DATA refused"));
	return S_BODY;
}

/* smtp_size_refused - the message is over the server's SIZE: postern answers
 * for the server, as its refusal would (RFC 1870 552, RFC 3463 5.3.4) */
bool smtp_size_refused(struct session *s)
{
	if (!s->msg || !s->caps.size_max || s->msg->size <= s->caps.size_max)
		return false;
	pn_error_reply(s->err, s->phase, s->p->host, 552, "5.3.4", "",
		       _("%s: the message (%zu bytes) is larger than the server accepts (%lu bytes)"),
		       pn_conn_name(s->c), s->msg->size, s->caps.size_max);
	return true;
}

/* smtp_st_envelope - the transaction up to 354, all or nothing */
enum state smtp_st_envelope(struct session *s)
{
	s->phase = PN_PHASE_MAIL;
	pn_conn_phase(s->c, N_("while sending the envelope"));
	if (!choose_forms(s) || !seven_bit(s) || !smtp_choose_body(s) || smtp_size_refused(s))
		return S_FAIL;
	struct pn_buf refused, deferred;
	pn_buf_init(&refused, 700);
	pn_buf_init(&deferred, 700);
	memset(&s->refusal, 0, sizeof(s->refusal));
	memset(&s->deferral, 0, sizeof(s->deferral));
	s->later.n = 0;
	int data_code = 0;
	bool mail_ok = false;
	enum state next = S_FAIL;
	if (!envelope(s, &refused, &deferred, &mail_ok, &data_code) || !mail_ok)
		s->data_open = data_code == 354; /* the outcome is set: the connection failed, or MAIL was refused */
	else
		next = envelope_outcome(s, &refused, &deferred, data_code);
	pn_buf_free(&refused);
	pn_buf_free(&deferred);
	return next;
}

/* body_sink - message blocks into the connection */
static bool body_sink(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	struct session *s = ctx;
	if (pn_conn_write(s->c, p, n, err))
		return true;
	s->broken = true;
	return false;
}

/* early_reply - the server spoke before the end of data went out: a
 * refusal stands; anything else breaks the protocol, since the message
 * was not complete when it was answered */
static enum state early_reply(struct session *s)
{
	s->broken = true;
	if (!smtp_read_reply(s))
		return S_FAIL;
	if (s->r.code >= 400)
		return smtp_reply_error(s, _("the message was refused before it was sent"));
	pn_error_set(s->err, EX_PROTOCOL,
		     _("%s: the server broke the protocol: it replied '%s' before the end of the message"),
		     pn_conn_name(s->c), s->cur);
	return S_FAIL;
}

/* tx_done - the recipients of the transaction have the message; the
 * next transaction, if any */
static enum state tx_done(struct session *s, bool told)
{
	for (size_t k = 0; !told && s->p->on_rcpt && k < s->tx.n; k++)
		s->p->on_rcpt(s->p->on_rcpt_ctx, s->tx.i[k], s->rcpt->addr[s->tx.i[k]], s->r.code, s->cur);
	s->sent += s->tx.n;
	return next_tx(s);
}

/* lmtp_outcome - the verdicts after the end of data, nref of them
 * refusals (listed in refused), got of them read; lost: why the others
 * were not */
static enum state lmtp_outcome(struct session *s, const struct pn_buf *refused, size_t nref, size_t got,
			       const struct pn_error *lost)
{
	const char *name = pn_conn_name(s->c);
	size_t n = s->tx.n;
	if (!nref && !pn_error_isset(lost)) {
		pn_error_accepted(s->err, s->p->host, s->r.code, s->r.enhanced, s->cur);
		return tx_done(s, true);
	}
	if (!nref) { /* the connection failed; those that answered have it */
		pn_error_set(s->err, lost->code, _("%s (%zu of %zu recipients had accepted it)"), lost->msg, got, n);
		return S_FAIL;
	}
	/* a refusal came first, so it decides, as for RCPT */
	pn_error_reply(s->err, PN_PHASE_DOT, s->p->host, s->refusal.code, s->refusal.enhanced, s->refusal.line,
		       _("%s: the message was delivered to %zu of %zu recipients; refused: %s%s%s"), name, got - nref, n,
		       refused->data, pn_error_isset(lost) ? _("; no verdict for the others: ") : "", lost->msg);
	return S_FAIL;
}

/* lmtp_verdicts - RFC 2033 4.2: after the end of data, one reply for each
 * recipient the transaction accepted, in the order of the RCPTs.  Any
 * refusal means the message did not reach everyone: the refusal that
 * decides is chosen as for RCPT (note_reply), and the error names every
 * refused recipient with its reply. */
static enum state lmtp_verdicts(struct session *s)
{
	struct pn_buf refused;
	pn_buf_init(&refused, 700);
	struct pn_error *out = s->err, lost;
	pn_error_init(&lost);
	s->err = &lost; /* a connection lost midway is told after the refusals */
	size_t got = 0, nref = 0;
	memset(&s->refusal, 0, sizeof(s->refusal));
	for (; got < s->tx.n && smtp_read_reply(s); got++) {
		size_t i = s->tx.i[got];
		if (s->p->on_rcpt)
			s->p->on_rcpt(s->p->on_rcpt_ctx, i, s->rcpt->addr[i], s->r.code, s->cur);
		if (s->r.code >= 200 && s->r.code <= 299)
			continue;
		note_reply(s, &s->refusal, &refused, s->rcpt->addr[i]);
		nref++;
	}
	s->err = out;
	enum state next = lmtp_outcome(s, &refused, nref, got, &lost);
	pn_buf_free(&refused);
	return next;
}

/* verdict - after the end of data (the final dot, or the LAST chunk):
 * the server's verdict on the message */
static enum state verdict(struct session *s)
{
	s->phase = PN_PHASE_DOT;
	pn_conn_phase(s->c, N_("after the end of data (the message may have been delivered)"));
	if (s->p->lmtp)
		return lmtp_verdicts(s);
	if (!smtp_read_reply(s))
		return S_FAIL;
	if (s->r.code != 250)
		return smtp_reply_error(s, _("the message was refused"));
	pn_error_accepted(s->err, s->p->host, s->r.code, s->r.enhanced, s->cur);
	return tx_done(s, false);
}

/* smtp_st_body - the message, the end of data, and the verdict */
enum state smtp_st_body(struct session *s)
{
	if (s->bdat)
		return smtp_bdat_body(s) ? verdict(s) : S_FAIL;
	pn_conn_phase(s->c, N_("while sending the message body"));
	if (pn_conn_unread(s->c)) /* it came with the 354, before any of the message */
		return early_reply(s);
	smtp_trace(s, "--> [message: %zu bytes]", s->msg->size);
	pn_conn_deadline(s->c, pn_deadline_in(pn_conn_bulk_ms(s->c, s->msg->size)));
	if (!pn_message_stream(s->msg, body_sink, s, s->err))
		return S_FAIL;
	if (pn_conn_pending(s->c)) /* the end of data is still in the buffer */
		return early_reply(s);
	if (!smtp_flush(s))
		return S_FAIL;
	return verdict(s);
}

/* smtp_partial - a later transaction failed after earlier ones (on this
 * connection, or an earlier attempt's) delivered the message: the error
 * says so, since those recipients have it */
void smtp_partial(struct session *s)
{
	size_t had = s->sent + s->p->rcpt_had;
	if (!had || !pn_error_isset(s->err))
		return;
	char why[sizeof(s->err->msg)];
	snprintf(why, sizeof(why), "%s", s->err->msg);
	snprintf(s->err->msg, sizeof(s->err->msg),
		 _("%s (the server took %zu of the %zu recipients in an earlier transaction: they have the message)"),
		 why, had, s->rcpt->n + s->p->rcpt_had);
}

/* smtp_begin_tx - a message's first transaction: all of its recipients */
enum state smtp_begin_tx(struct session *s)
{
	s->tx.n = s->later.n = s->sent = 0;
	size_t n = s->env->rcpt_ascii->n;
	for (size_t i = 0; i < n; i++)
		idx_add(&s->tx, i);
	return S_ENVELOPE;
}

/* utf8_ok - an address of a stepwise transaction can go: ASCII, or
 * SMTPUTF8 is offered (and, for a RCPT, was asked for with MAIL) */
static bool utf8_ok(struct session *s, const char *addr, bool asked)
{
	if (!pn_eightbit(addr, strlen(addr)) || (s->caps.smtputf8 && asked))
		return true;
	pn_error_set(s->err, EX_DATAERR, _("%s: the address %s needs SMTPUTF8, which the server does not offer"),
		     pn_conn_name(s->c), addr);
	return false;
}

/* step_fail - a step failed: where it did, and whether the session is
 * still fit for another transaction (RSET first) */
static bool step_fail(struct pn_smtp *c)
{
	struct session *s = &c->s;
	pn_error_where(s->err, s->phase, s->p->host, s->p->port);
	s->rset = true;
	s->step_mail = false;
	return false;
}

/* smtp_step_reset - forget the last transaction's envelope */
void smtp_step_reset(struct pn_smtp *c)
{
	free(c->from);
	c->from = NULL;
	pn_addrlist_free(&c->rcpt);
	pn_addrlist_init(&c->rcpt);
	c->s.tx.n = c->s.later.n = c->s.sent = 0;
	c->s.msg = NULL;
	pn_mime_free(c->s.seven); /* the last message's 7-bit copy */
	c->s.seven = NULL;
	c->s.bdat = c->s.bdat_ahead = false;
	c->s.step_mail = false;
}

/* pn_smtp_send - see smtp.h */
bool pn_smtp_send(struct pn_smtp *c, const struct pn_envelope *env, const struct pn_message *msg,
		  struct pn_error *out)
{
	struct session *s = &c->s;
	smtp_step_reset(c);
	s->err = out;
	pn_error_init(out);
	s->env = env;
	s->from = env->from_ascii;
	s->rcpt = env->rcpt_ascii;
	s->msg = msg;
	s->stepwise = false;
	enum state st = smtp_drive(s, smtp_begin_tx(s));
	if (st == S_FAIL)
		smtp_partial(s);
	s->rset = true;
	return st == S_READY;
}

/* pn_smtp_mail - see smtp.h */
bool pn_smtp_mail(struct pn_smtp *c, const char *from, bool *utf8, unsigned long long size, struct pn_error *out)
{
	struct session *s = &c->s;
	smtp_step_reset(c);
	s->err = out;
	pn_error_init(out);
	s->phase = PN_PHASE_MAIL;
	if (!utf8_ok(s, from, true))
		return step_fail(c);
	*utf8 = pn_eightbit(from, strlen(from)) || (*utf8 && s->caps.smtputf8);
	c->from = pn_xstrdup(from);
	s->step_size = size;
	c->env = (struct pn_envelope){c->from, &c->rcpt, c->from, &c->rcpt, *utf8 ? c->from : NULL};
	s->env = &c->env;
	s->from = c->from;
	s->rcpt = &c->rcpt;
	s->stepwise = true;
	pn_conn_phase(s->c, N_("while sending the envelope"));
	char params[400];
	mail_params(s, params, sizeof(params));
	bool pipe = s->caps.pipelining, ok = false;
	if (!send_mail(s, params, pipe) || !smtp_flush(s) || !mail_reply(s, &ok) || !ok)
		return step_fail(c);
	s->step_mail = true;
	pn_error_accepted(out, s->p->host, s->r.code, s->r.enhanced, s->cur);
	return true;
}

/* pn_smtp_rcpt - see smtp.h */
bool pn_smtp_rcpt(struct pn_smtp *c, const char *addr, bool *later, struct pn_error *out)
{
	struct session *s = &c->s;
	s->err = out;
	pn_error_init(out);
	*later = false;
	s->phase = PN_PHASE_RCPT;
	if (!s->step_mail) {
		pn_error_set(out, EX_TEMPFAIL, _("%s: the transaction was lost; send the message again"),
			     pn_conn_name(s->c));
		return false;
	}
	if (!utf8_ok(s, addr, c->env.utf8_addr != NULL))
		return step_fail(c);
	if (pn_addrlist_has(&c->rcpt, addr)) { /* sent once: the message goes once */
		pn_error_accepted(out, s->p->host, 250, "2.1.5", "");
		snprintf(out->msg, sizeof(out->msg), "duplicate recipient, the message goes to it once"); /* SMTP text */
		return true;
	}
	if (!send_rcpt(s, addr) || !smtp_flush(s) || !smtp_read_reply(s)) {
		s->step_mail = false; /* the connection is gone, and the transaction */
		return step_fail(c);
	}
	size_t i = c->rcpt.n;
	if (too_many(s) || (s->r.code >= 200 && s->r.code <= 299)) {
		pn_addrlist_add(&c->rcpt, addr);
		*later = too_many(s);
		idx_add(*later ? &s->later : &s->tx, i);
		pn_error_accepted(out, s->p->host, s->r.code, s->r.enhanced, s->cur);
		return true;
	}
	smtp_reply_error(s, _("recipient refused"));
	pn_error_where(out, s->phase, s->p->host, s->p->port);
	return false;
}

/* binary_refused - -bs: a binary part needs BODY=BINARYMIME on MAIL,
 * which went before the message was known; DATA cannot carry it */
static bool binary_refused(struct session *s)
{
	if (!s->msg->binary)
		return false;
	pn_error_set(s->err, EX_DATAERR,
		     _("%s: the message has a part in binary (Content-Transfer-Encoding: binary), which DATA cannot "
		       "carry"),
		     pn_conn_name(s->c));
	return true;
}

/* step_data - after the client's RCPTs: BDAT, or DATA and its 354, then
 * the body */
static enum state step_data(struct session *s)
{
	if (!s->tx.n) { /* every recipient was deferred: their own transactions */
		s->rset = true; /* the open one holds none */
		return next_tx(s);
	}
	s->phase = PN_PHASE_DATA;
	pn_conn_phase(s->c, N_("while sending DATA"));
	int code = 0;
	if (!seven_bit(s) || binary_refused(s) || smtp_size_refused(s))
		return S_FAIL;
	if (smtp_step_bdat(s)) /* no DATA, no 354: one round trip less */
		return S_BODY;
	if (!smtp_send_cmd(s, "DATA") || !smtp_flush(s) || !data_reply(s, &code))
		return S_FAIL;
	return code == 354 ? S_BODY : smtp_reply_error(s, _("DATA refused"));
}

/* pn_smtp_data - see smtp.h */
bool pn_smtp_data(struct pn_smtp *c, const struct pn_message *msg, struct pn_error *out)
{
	struct session *s = &c->s;
	s->err = out;
	pn_error_init(out);
	s->msg = msg;
	enum state st = S_FAIL;
	if (s->step_mail)
		st = smtp_drive(s, step_data(s));
	else
		pn_error_set(out, EX_SOFTWARE, _("%s: no transaction is open"), pn_conn_name(s->c));
	if (st == S_FAIL) {
		smtp_partial(s);
		step_fail(c);
	}
	s->step_mail = false;
	s->rset = true;
	return st == S_READY;
}
