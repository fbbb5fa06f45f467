/* smtp_bdat.c - the message in BDAT chunks (RFC 3030), for smtp.c: when
 * the server offers CHUNKING and the chunking setting asks for it (auto:
 * where it saves a round trip, see smtp_choose_body), or when a part of
 * the message is binary, which only BDAT with BODY=BINARYMIME carries.
 *
 * The octets are the canonical message, not dot-stuffed, with no end of
 * data (pn_message_canon): their number is m->size, known before the
 * first one goes out, so every chunk's size is too (canon.h's framing) and
 * no chunk is held in memory.  With PIPELINING the chunks follow each
 * other without waiting (RFC 3030 4.2), and a reply already waiting at a
 * chunk's start is read then: a refusal ends the transaction there (the
 * server has discarded the message, RFC 3030 2), and nothing more is
 * sent.  Without PIPELINING the message is one chunk, so that no chunk
 * waits for a round trip.  With PIPELINING and one recipient, a message
 * of one chunk goes behind the envelope without waiting for its replies
 * (RFC 3030 4.2): a refused MAIL or RCPT leaves the server no recipient,
 * so nothing is delivered, and a round trip is saved; with more
 * recipients the chunks wait for the envelope's verdict, since one
 * refused recipient must stop it all.  The reply to the LAST chunk is
 * the verdict, as the reply to the final dot is (PN_PHASE_DOT: never
 * retried).
 * SECURITY: no secret passes here.
 */
#include "smtp_session.h"

#include "rcset.h"

#include <stdio.h>
#include <sysexits.h>

/* The size of a chunk when chunks are pipelined: large enough that a
 * chunk's command line and the poll for an early reply cost nothing
 * against its octets, small enough that a refusal of the first chunk
 * stops a large message early.  bench/: a 16 MiB send to Postfix took
 * the same time with chunks of 64 KiB to 16 MiB and with one chunk
 * (within noise, about 5 % over DATA's whatever the size). */
#ifndef PN_BDAT_CHUNK
#define PN_BDAT_CHUNK (1u << 20)
#endif

/* smtp_choose_body - see smtp_session.h */
bool smtp_choose_body(struct session *s)
{
	s->bdat = s->bdat_ahead = false;
	if (!s->msg || s->p->verify)
		return true;
	bool can = s->caps.chunking && !s->p->lmtp; /* LMTP keeps DATA and its verdicts */
	/* one recipient: a refusal of the envelope leaves the server no one
	 * to deliver to, so the message may go without waiting (RFC 3030
	 * 4.2's example), saving a round trip; with more, a refused one would
	 * leave the others delivered */
	bool ahead = s->caps.pipelining && s->tx.n == 1 && s->msg->size <= PN_BDAT_CHUNK;
	if (!s->msg->binary || (can && s->caps.binarymime)) {
		int how = s->msg->binary ? PN_CHUNKING_ON : s->p->chunking;
		s->bdat = can && (how == PN_CHUNKING_ON || (how == PN_CHUNKING_AUTO && ahead));
		s->bdat_ahead = s->bdat && ahead;
		return true;
	}
	pn_error_set(s->err, EX_DATAERR,
		     _("%s: the message has a part in binary (Content-Transfer-Encoding: binary), which the "
		       "server cannot take: it does not offer %s"),
		     pn_conn_name(s->c), !can ? "CHUNKING" : "BINARYMIME");
	return false;
}

/* smtp_step_bdat - see smtp_session.h */
bool smtp_step_bdat(struct session *s)
{
	s->bdat_ahead = false;
	bool can = s->caps.chunking && !s->p->lmtp && !s->msg->binary; /* binary: refused before (no BINARYMIME on MAIL) */
	bool one = s->msg->size <= PN_BDAT_CHUNK;
	s->bdat = can && (s->p->chunking == PN_CHUNKING_ON || (s->p->chunking == PN_CHUNKING_AUTO && one));
	return s->bdat;
}

/* chunk_refused - a chunk that is not the LAST was refused: the server
 * discarded the message, as after a refused DATA */
static bool chunk_refused(struct session *s)
{
	s->phase = PN_PHASE_DATA;
	smtp_reply_error(s, _("the message was refused while it was being sent"));
	return false;
}

/* chunk_replies - read the replies to the chunks before the LAST one, up
 * to upto of them */
static bool chunk_replies(struct session *s, unsigned long upto)
{
	for (; s->answered < upto; s->answered++) {
		if (!smtp_read_reply(s))
			return false;
		if (s->r.code < 200 || s->r.code > 299)
			return chunk_refused(s);
	}
	return true;
}

/* early - a reply came that answers no chunk sent whole: a refusal
 * stands (the server took no more of the message); anything else breaks
 * the protocol */
static bool early(struct session *s)
{
	s->broken = true;
	if (!smtp_read_reply(s))
		return false;
	if (s->r.code >= 400)
		return chunk_refused(s);
	pn_error_set(s->err, EX_PROTOCOL,
		     _("%s: the server broke the protocol: it replied '%s' before the end of the message"),
		     pn_conn_name(s->c), s->cur);
	return false;
}

/* between_chunks - before the next chunk: the replies that have come are
 * read (all of them without PIPELINING, which waits for each); one more
 * than the chunks sent whole is early */
static bool between_chunks(struct session *s)
{
	unsigned long sent = s->frame.chunks;
	if (!s->caps.pipelining && (!smtp_flush(s) || !chunk_replies(s, sent)))
		return false;
	bool read = false;
	while (pn_conn_pending(s->c)) {
		if (s->answered == sent)
			return early(s);
		if (!chunk_replies(s, s->answered + 1))
			return false;
		read = true;
	}
	if (read) /* reading ended the body's deadline: one for the rest */
		pn_conn_deadline(s->c, pn_deadline_in(pn_conn_bulk_ms(s->c, s->frame.total - s->frame.off)));
	return true;
}

/* chunk_begin - the command of the next chunk */
static bool chunk_begin(struct session *s)
{
	if (s->frame.chunks && !between_chunks(s))
		return false;
	char line[PN_BDAT_LINE_MAX];
	if (!pn_bdat_begin(&s->frame, line)) {
		s->broken = true;
		pn_error_set(s->err, EX_SOFTWARE, _("%s: the message is longer than the %llu bytes announced"),
			     pn_conn_name(s->c), s->frame.total);
		return false;
	}
	return smtp_write_line(s, line, line, CMD_MAX);
}

/* write_failed - a write of the message failed (why in werr): a server
 * that refused the chunk and hung up before reading it said so first
 * (RFC 3030 lets it answer before the octets), and that refusal is the
 * outcome; else the failure of the write */
static bool write_failed(struct session *s, const struct pn_error *werr)
{
	s->broken = true;
	struct pn_error *out = s->err, ignored;
	pn_error_init(&ignored);
	s->err = &ignored; /* a reply that cannot be read changes nothing */
	bool refused = pn_conn_pending(s->c) && smtp_read_reply(s) && s->r.code >= 400;
	s->err = out;
	if (refused)
		return chunk_refused(s);
	if (!pn_error_isset(out))
		*out = *werr;
	return false;
}

/* bdat_sink - message blocks into chunks on the connection */
static bool bdat_sink(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	struct session *s = ctx;
	(void)err; /* s->err, the session's outcome */
	while (n) {
		if (!s->frame.left && !chunk_begin(s))
			return false;
		size_t k = pn_bdat_take(&s->frame, n);
		struct pn_error werr;
		pn_error_init(&werr);
		if (!pn_conn_write(s->c, p, k, &werr))
			return write_failed(s, &werr);
		p += k;
		n -= k;
	}
	return true;
}

/* send_chunks - the whole message in chunks, the LAST one included */
static bool send_chunks(struct session *s)
{
	size_t chunk = s->caps.pipelining ? PN_BDAT_CHUNK : (size_t)-1;
	pn_bdat_init(&s->frame, s->msg->size, chunk);
	s->answered = 0;
	smtp_trace(s, "--- the message in BDAT chunks: %zu bytes", s->msg->size);
	pn_conn_deadline(s->c, pn_deadline_in(pn_conn_bulk_ms(s->c, s->msg->size)));
	if (!pn_message_canon(s->msg, bdat_sink, s, s->err)) /* BDAT's octets: m->size of them */
		return false;
	if (!s->frame.chunks && !chunk_begin(s)) /* the empty message: "BDAT 0 LAST" */
		return false;
	if (!pn_bdat_done(&s->frame)) {
		s->broken = true;
		pn_error_set(s->err, EX_SOFTWARE, _("%s: the message is shorter than the %llu bytes announced"),
			     pn_conn_name(s->c), s->frame.total);
		return false;
	}
	return smtp_flush(s);
}

/* smtp_bdat_ahead - see smtp_session.h */
bool smtp_bdat_ahead(struct session *s)
{
	return send_chunks(s);
}

/* smtp_bdat_drain - see smtp_session.h */
bool smtp_bdat_drain(struct session *s)
{
	if (!s->bdat_ahead)
		return true;
	s->bdat_ahead = false;
	return smtp_read_reply(s);
}

/* smtp_bdat_body - see smtp_session.h */
bool smtp_bdat_body(struct session *s)
{
	s->phase = PN_PHASE_DATA;
	pn_conn_phase(s->c, N_("while sending the message body"));
	if (s->bdat_ahead) /* sent with the envelope: the verdict follows its replies */
		return true;
	if (pn_conn_unread(s->c)) /* it came with the envelope's replies */
		return early(s);
	return send_chunks(s) && chunk_replies(s, s->frame.chunks - 1);
}
