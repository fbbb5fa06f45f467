/* mime.c - the MIME walker and the 7-bit conversion (see mime.h).
 *
 * The transmitted message (canonical CRLF, not dot-stuffed: message.c's
 * pn_message_canon) is walked twice as a stream.  The first walk notes,
 * for each entity in order (the message, then every part and every
 * message/rfc822 inside it, depth first), whether its own body holds 8-bit
 * or NUL bytes and whether something inside it does.  The second walk
 * writes the converted message, deciding at each header block from what
 * the first walk noted: only what needs it changes, so a 7-bit part (a
 * signed one, say) goes out byte for byte.  Memory: one header block, the
 * start of one line (to recognise a boundary), one record per entity.
 * RFC 2046 5.1.1: the CRLF before a boundary line belongs to the boundary,
 * so a line end is held until the next line is known not to be one.
 */
#include "mime.h"
#include "mime_text.h"

#include "canon.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#define DEPTH_MAX 32                         /* nesting followed (Postfix's default is 100) */
#define HOLD 1000                            /* line start held to recognise a boundary line */
#define PART_HEAD_MAX (2 * 1024 * 1024 + 16) /* as message.c's transmitted header block */
#define FLUSH 65536
#define CHUNK 65536

enum cte { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_B64, CTE_OTHER };
enum kind { K_TEXT, K_LEAF, K_MULTI, K_MESSAGE };
enum act { A_COPY, A_QP, A_B64 };

struct ent {
	bool has8, nul; /* in its own body (for a multipart: preamble, epilogue) */
	bool bad_utf8;  /* its own body is not UTF-8 */
	bool below;     /* something inside it holds 8-bit or NUL bytes */
};

struct frame {
	size_t ent;     /* the multipart or message/rfc822 entity */
	char *boundary; /* NULL for message/rfc822 */
	size_t blen;
	bool digest, closed;
};

struct shape {
	enum kind kind;
	enum cte cte;
	char *boundary;
	bool digest, has_ct, has_mv, unfit; /* unfit: a multipart without boundary, or too deep */
};

struct walk {
	bool convert, strict, failed, stopped, binary;
	bool keep8;        /* 8-bit bytes may stay: only NUL bytes are encoded */
	bool utf8_headers; /* header fields stay as they are */
	struct pn_error *err;
	struct ent *ents;
	size_t nents, next;
	struct frame frames[DEPTH_MAX];
	size_t depth;
	bool in_head, long_line, pending_eol;
	struct pn_buf head, hold;
	size_t linelen;
	size_t seen; /* bytes walked: the canonical size */
	size_t cur;  /* the entity whose body the bytes are */
	enum act act;
	struct pn_qp qp;
	unsigned char b64[3];
	size_t b64n, b64col;
	int u8need;               /* UTF-8 continuation bytes still expected */
	unsigned char u8lo, u8hi; /* the range of the next one */
	struct pn_buf out;
	int fd; /* where out is flushed, or -1 */
};

/* fail - the walk cannot go on: the first reason is kept */
PN_PRINTF(3, 4) static void fail(struct walk *w, int code, const char *fmt, ...)
{
	if (w->failed)
		return;
	w->failed = true;
	va_list ap;
	va_start(ap, fmt);
	char *msg = pn_xmalloc(1024);
	vsnprintf(msg, 1024, fmt, ap);
	va_end(ap);
	pn_error_set(w->err, code, "%s", msg);
	free(msg);
}

/* put - output bytes (nothing on the first walk) */
static void put(struct walk *w, const char *p, size_t n)
{
	if (!w->convert || w->failed)
		return;
	if (!pn_buf_append(&w->out, p, n))
		fail(w, EX_DATAERR, _("the converted message is too large"));
}

/* drain - hand what is buffered to the file */
static void drain(struct walk *w, bool all)
{
	if (w->fd < 0 || w->failed || !w->out.len || (!all && w->out.len < FLUSH))
		return;
	if (!pn_write_all(w->fd, w->out.data, w->out.len)) {
		pn_error_errno(w->err, EX_IOERR, errno, _("cannot write a temporary file"));
		w->failed = true;
	}
	pn_buf_reset(&w->out);
}

/* ---- base64 (RFC 2045 6.8), streamed ---- */

/* b64_group - three bytes (n of them real) as four characters, lines of 76 */
static void b64_group(struct walk *w, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = (unsigned)w->b64[0] << 16 | (unsigned)w->b64[1] << 8 | w->b64[2];
	char q[4] = {a[v >> 18], a[(v >> 12) & 63], n > 1 ? a[(v >> 6) & 63] : '=', n > 2 ? a[v & 63] : '='};
	if (w->b64col == 76) {
		put(w, "\n", 1);
		w->b64col = 0;
	}
	put(w, q, 4);
	w->b64col += 4;
	memset(w->b64, 0, 3);
	w->b64n = 0;
}

/* b64_feed - bytes into the groups */
static void b64_feed(struct walk *w, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		w->b64[w->b64n++] = (unsigned char)p[i];
		if (w->b64n == 3)
			b64_group(w, 3);
	}
}

/* ---- header fields ---- */

/* cte_of - the Content-Transfer-Encoding of a header block */
static enum cte cte_of(const struct pn_buf *h)
{
	char *v = mime_header_value(h, "Content-Transfer-Encoding");
	if (!v)
		return CTE_NONE;
	static const struct {
		const char *name;
		enum cte cte;
	} names[] = {{"7bit", CTE_7BIT},
	             {"8bit", CTE_8BIT},
	             {"binary", CTE_BINARY},
	             {"quoted-printable", CTE_QP},
	             {"base64", CTE_B64}};
	const char *s = mime_skip_cfws(v);
	size_t n = strcspn(s, " \t(;");
	enum cte c = CTE_OTHER;
	for (size_t i = 0; i < PN_ARRAY_LEN(names); i++)
		if (n == strlen(names[i].name) && strncasecmp(s, names[i].name, n) == 0)
			c = names[i].cte;
	free(v);
	return c;
}

/* shape_of - what the header block h says the entity is */
static void shape_of(const struct walk *w, const struct pn_buf *h, struct shape *s)
{
	memset(s, 0, sizeof(*s));
	char *ct = mime_header_value(h, "Content-Type");
	char *mv = mime_header_value(h, "MIME-Version");
	const struct frame *parent = w->depth ? &w->frames[w->depth - 1] : NULL;
	s->has_ct = ct != NULL;
	s->has_mv = mv != NULL;
	s->cte = cte_of(h);
	bool composite_cte = s->cte <= CTE_BINARY; /* RFC 2045 6.4 */
	if (!ct)
		s->kind = parent && parent->boundary && parent->digest ? K_MESSAGE : K_TEXT;
	else if (mime_type_is(ct, "multipart", NULL) && (s->boundary = pn_mime_boundary(ct)) && composite_cte) {
		s->kind = K_MULTI;
		s->digest = mime_type_is(ct, "multipart", "digest");
	} else if (mime_type_is(ct, "message", "rfc822") && composite_cte)
		s->kind = K_MESSAGE;
	else if (mime_type_is(ct, "multipart", NULL) || mime_type_is(ct, "message", "rfc822"))
		s->kind = K_LEAF, s->unfit = true;
	else
		s->kind = mime_type_is(ct, "text", NULL) || !strchr(ct, '/') ? K_TEXT : K_LEAF; /* RFC 2045 5.2 */
	if ((s->kind == K_MULTI || s->kind == K_MESSAGE) && w->depth == DEPTH_MAX) {
		s->kind = K_LEAF;
		s->unfit = true;
	}
	free(ct);
	free(mv);
}

/* ---- the walk ---- */

/* unstructured - a field whose whole value RFC 2047 lets postern encode:
 * unstructured text (RFC 5322 3.6.5, 3.6.8; RFC 2045 8) */
static bool unstructured(const char *f, size_t n)
{
	return mime_is_named(f, n, "Subject") || mime_is_named(f, n, "Comments") ||
	       mime_is_named(f, n, "Content-Description") || (mime_name_len(f, n) > 2 && strncasecmp(f, "X-", 2) == 0);
}

/* put_field - one header field as it may go to the server: as it is, or
 * its value as encoded-words; what cannot go ends the walk (65) */
static void put_field(struct walk *w, const char *f, size_t n)
{
	bool high = false;
	for (size_t i = 0; i < n; i++)
		high |= (unsigned char)f[i] >= 0x80;
	int k = (int)mime_name_len(f, n);
	if (memchr(f, '\0', n)) {
		fail(w, EX_DATAERR,
		     _("cannot convert the message to 7 bits: the header field %.*s holds a NUL byte, "
		       "which SMTP cannot carry"),
		     k, f);
		return;
	}
	if (!high || w->utf8_headers) {
		put(w, f, n);
		return;
	}
	char *v = mime_unfold_value(f, n);
	if (!unstructured(f, n) || !pn_mime_utf8(v, strlen(v)))
		fail(w, EX_DATAERR,
		     _("cannot convert the message to 7 bits: the header field %.*s holds 8-bit characters; "
		       "only unstructured fields (Subject, Comments, Content-Description, X-*) in UTF-8 "
		       "can be encoded (RFC 2047), and the server offers neither 8BITMIME nor SMTPUTF8"),
		     k, f);
	else if (!pn_buf_append(&w->out, f, (size_t)k) || !pn_buf_addstr(&w->out, ": ") ||
	         !pn_message_encode_words(&w->out, v) || !pn_buf_addstr(&w->out, "\n"))
		fail(w, EX_DATAERR, _("the converted message is too large"));
	free(v);
}

/* put_head - the header block of entity e, Content-Transfer-Encoding
 * replaced by newcte (NULL: unchanged); a message (the whole one, or one
 * inside message/rfc822) that gets one also gets MIME-Version, and a
 * Content-Type naming its charset when it had none (RFC 1428: unknown-8bit
 * when it is not UTF-8) */
static void put_head(struct walk *w, const struct shape *s, size_t e, const char *newcte, bool blank)
{
	const struct pn_buf *h = &w->head;
	for (size_t off = 0; off < h->len && !w->failed;) {
		size_t end = mime_field_end(h, off);
		if (!newcte || !mime_is_named(h->data + off, end - off, "Content-Transfer-Encoding"))
			put_field(w, h->data + off, end - off);
		off = end;
	}
	bool root = !w->depth || !w->frames[w->depth - 1].boundary;
	if (newcte && root && !s->has_mv)
		put(w, "MIME-Version: 1.0\n", 18);
	if (newcte && root && !s->has_ct) {
		const char *cs = w->ents[e].bad_utf8 ? "unknown-8bit" : "utf-8";
		put(w, "Content-Type: text/plain; charset=", 34);
		put(w, cs, strlen(cs));
		put(w, "\n", 1);
	}
	if (newcte) {
		put(w, "Content-Transfer-Encoding: ", 27);
		put(w, newcte, strlen(newcte));
		put(w, "\n", 1);
	}
	if (blank)
		put(w, "\n", 1);
}

/* refuse_binary - the one refusal the BDAT path may lift */
static void refuse_binary(struct walk *w)
{
	fail(w, EX_DATAERR,
	     _("cannot convert the message to 7 bits: a part says Content-Transfer-Encoding: binary "
	       "(only a server that offers BINARYMIME and CHUNKING can take it)"));
}

/* decide - how entity en's body goes, and its new Content-Transfer-Encoding */
static enum act decide(struct walk *w, const struct shape *s, const struct ent *en, const char **newcte)
{
	*newcte = NULL;
	bool own = en->nul || (en->has8 && !w->keep8);
	bool sub = en->below && !w->keep8; /* its parts are all made 7-bit */
	if (s->kind == K_MULTI || s->kind == K_MESSAGE) {
		if (own)
			fail(w, EX_DATAERR,
			     _("cannot convert the message to 7 bits: the text before the first or after "
			       "the last part of a multipart holds 8-bit or NUL bytes"));
		else if (sub && s->cte == CTE_BINARY)
			refuse_binary(w);
		else if (sub && s->cte == CTE_8BIT)
			*newcte = "7bit";
		return A_COPY;
	}
	if (!own)
		return A_COPY;
	if (s->cte == CTE_BINARY)
		refuse_binary(w);
	else if (s->unfit)
		fail(w, EX_DATAERR,
		     _("cannot convert the message to 7 bits: a multipart without a boundary, or "
		       "parts nested more than %d deep, hold 8-bit or NUL bytes"),
		     DEPTH_MAX);
	else if (s->cte >= CTE_QP)
		fail(w, EX_DATAERR,
		     _("cannot convert the message to 7 bits: a part that says it is encoded "
		       "(quoted-printable, base64 or other) holds 8-bit or NUL bytes"));
	else if (s->kind == K_TEXT)
		*newcte = "quoted-printable";
	else
		*newcte = "base64";
	return !*newcte ? A_COPY : s->kind == K_TEXT ? A_QP : A_B64;
}

/* enter_body - the body of entity e begins */
static void enter_body(struct walk *w, struct shape *s, size_t e, enum act act)
{
	w->in_head = s->kind == K_MESSAGE; /* its body is a message: a header block first */
	if (s->kind == K_MULTI || s->kind == K_MESSAGE) {
		w->frames[w->depth++] =
		    (struct frame){e, s->boundary, s->boundary ? strlen(s->boundary) : 0, s->digest, false};
		s->boundary = NULL; /* the frame has it */
	}
	w->cur = e;
	w->act = act;
	pn_qp_init(&w->qp);
	w->b64n = w->b64col = 0;
	w->u8need = 0;
	w->long_line = w->pending_eol = false;
	pn_buf_reset(&w->hold);
}

/* header_done - entity e's header block is complete (blank: with its empty line) */
static void header_done(struct walk *w, bool blank)
{
	struct shape s;
	shape_of(w, &w->head, &s);
	size_t e = w->next++;
	if (!w->convert) {
		w->ents = pn_xrealloc(w->ents, w->next * sizeof(*w->ents));
		w->ents[e] = (struct ent){false, false, false, false};
		w->nents = w->next;
	} else if (e >= w->nents) {
		fail(w, EX_SOFTWARE, _("the MIME structure of the message changed between two readings"));
	}
	w->binary |= s.cte == CTE_BINARY;
	enum act act = A_COPY;
	const char *newcte = NULL;
	if (w->convert && !w->failed)
		act = decide(w, &s, &w->ents[e], &newcte);
	if (w->convert && !w->failed)
		put_head(w, &s, e, newcte, blank);
	pn_buf_reset(&w->head);
	w->linelen = 0;
	if (!w->failed)
		enter_body(w, &s, e, act);
	free(s.boundary);
}

/* mark - the body of the current entity holds an 8-bit or NUL byte: so
 * does every entity it is inside */
static void mark(struct walk *w, bool nul)
{
	struct ent *en = &w->ents[w->cur];
	if ((nul && en->nul) || (!nul && en->has8))
		return;
	en->nul |= nul;
	en->has8 |= !nul;
	for (size_t k = 0; k < w->depth; k++)
		w->ents[w->frames[k].ent].below = true;
}

/* note - the first walk: what the body bytes hold */
static void note(struct walk *w, const char *p, size_t n)
{
	struct ent *en = &w->ents[w->cur];
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x80 || !c)
			mark(w, !c);
		if (!en->bad_utf8 && !mime_u8_step(&w->u8need, &w->u8lo, &w->u8hi, c))
			en->bad_utf8 = true;
	}
}

/* content - body bytes of the current entity, as its act says */
static void content(struct walk *w, const char *p, size_t n)
{
	if (!n)
		return;
	if (!w->convert && w->strict)
		note(w, p, n); /* a scan (pn_mime_scan) needs only the headers */
	else if (!w->convert)
		return;
	else if (w->act == A_COPY)
		put(w, p, n);
	else if (w->act == A_B64)
		b64_feed(w, p, n);
	else if (!pn_qp_feed(&w->qp, p, n, &w->out))
		fail(w, EX_DATAERR, _("the converted message is too large"));
}

/* content_eol - a line end inside the body: a hard break in text, CRLF
 * in the data of any other type (its canonical form, RFC 2049 4) */
static void content_eol(struct walk *w)
{
	if (!w->convert)
		return;
	if (w->act == A_COPY)
		put(w, "\n", 1);
	else if (w->act == A_B64)
		b64_feed(w, "\r\n", 2);
	else if (!pn_qp_eol(&w->qp, &w->out))
		fail(w, EX_DATAERR, _("the converted message is too large"));
}

/* body_text - text of a body line, after the line end held before it */
static void body_text(struct walk *w, const char *p, size_t n)
{
	if (w->pending_eol)
		content_eol(w);
	w->pending_eol = false;
	content(w, p, n);
}

/* part_end - the current entity's body ends: close its encoding */
static void part_end(struct walk *w)
{
	if (!w->convert) {
		if (w->u8need && !w->in_head)
			w->ents[w->cur].bad_utf8 = true;
		return;
	}
	if (w->act == A_QP && !pn_qp_finish(&w->qp, &w->out))
		fail(w, EX_DATAERR, _("the converted message is too large"));
	else if (w->act == A_B64 && w->b64n)
		b64_group(w, w->b64n);
}

/* match_boundary - the held line is a delimiter of open multipart k
 * (*close: its close delimiter); the innermost match wins */
static bool match_boundary(const struct walk *w, size_t *k, bool *close)
{
	const char *l = w->hold.data;
	size_t n = w->hold.len;
	if (n < 3 || l[0] != '-' || l[1] != '-')
		return false;
	for (size_t i = w->depth; i-- > 0;) {
		const struct frame *f = &w->frames[i];
		if (!f->boundary || f->closed || n < 2 + f->blen || memcmp(l + 2, f->boundary, f->blen) != 0)
			continue;
		size_t r = 2 + f->blen;
		bool c = n >= r + 2 && l[r] == '-' && l[r + 1] == '-';
		r += c ? 2 : 0;
		while (r < n && (l[r] == ' ' || l[r] == '\t'))
			r++; /* RFC 2046 5.1.1: blanks may follow a boundary */
		if (r == n) {
			*k = i;
			*close = c;
			return true;
		}
	}
	return false;
}

/* boundary - a delimiter of multipart k: the current part ends, and the
 * next one (or the epilogue, after the close delimiter) begins */
static void boundary(struct walk *w, size_t k, bool close)
{
	part_end(w);
	if (w->pending_eol)
		put(w, "\n", 1); /* the CRLF that belongs to the delimiter */
	put(w, w->hold.data, w->hold.len);
	put(w, "\n", 1);
	while (w->depth > k + 1)
		free(w->frames[--w->depth].boundary);
	struct frame *f = &w->frames[k];
	w->pending_eol = w->long_line = false;
	w->u8need = 0;
	if (close) {
		f->closed = true;
		w->cur = f->ent;
		w->act = A_COPY;
	} else {
		w->in_head = true;
		pn_buf_reset(&w->head);
		w->linelen = 0;
	}
}

/* head_full - a header block past PART_HEAD_MAX: a conversion stops
 * there (65); a scan only stops looking */
static void head_full(struct walk *w)
{
	if (w->strict)
		fail(w, EX_DATAERR,
		     _("cannot convert the message to 7 bits: a header block is larger than %d bytes"),
		     PART_HEAD_MAX);
	w->stopped = true;
}

/* text - bytes of one line (no line end in them) */
static void text(struct walk *w, const char *p, size_t n)
{
	if (w->in_head) {
		if (!pn_buf_append(&w->head, p, n))
			head_full(w);
		w->linelen += n;
	} else if (w->long_line) {
		body_text(w, p, n);
	} else if (w->hold.len + n > HOLD) { /* too long for a boundary line */
		body_text(w, w->hold.data, w->hold.len);
		pn_buf_reset(&w->hold);
		content(w, p, n);
		w->long_line = true;
	} else if (!pn_buf_append(&w->hold, p, n)) {
		head_full(w); /* cannot happen: HOLD is under the buffer's cap */
	}
}

/* eol - a line ends */
static void eol(struct walk *w)
{
	size_t k;
	bool close;
	if (w->in_head && !w->linelen) {
		header_done(w, true);
	} else if (w->in_head) {
		if (!pn_buf_append(&w->head, "\n", 1))
			head_full(w);
		w->linelen = 0;
	} else if (w->long_line) {
		w->long_line = false;
		w->pending_eol = true;
	} else if (match_boundary(w, &k, &close)) {
		boundary(w, k, close);
	} else {
		body_text(w, w->hold.data, w->hold.len);
		w->pending_eol = true;
	}
	pn_buf_reset(&w->hold);
}

/* feed - canonical bytes: lines end in CRLF, and a CR is only ever
 * before an LF (canon.c), so every CR is dropped and LF ends the line */
static bool feed(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	struct walk *w = ctx;
	(void)err;
	w->seen += n;
	for (size_t i = 0; i < n && !w->failed && !w->stopped;) {
		const char *lf = memchr(p + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - p) : n, k = end;
		if (k > i && p[k - 1] == '\r')
			k--;
		if (k > i)
			text(w, p + i, k - i);
		if (lf && !w->failed && !w->stopped)
			eol(w);
		i = end + 1;
	}
	drain(w, false);
	return !w->failed;
}

/* finish - the end of the message */
static void finish(struct walk *w)
{
	if (w->in_head && (w->head.len || w->linelen)) {
		header_done(w, false);
		return;
	}
	if (w->in_head)
		return;
	if (!w->long_line && w->hold.len)
		body_text(w, w->hold.data, w->hold.len);
	if (w->pending_eol)
		content_eol(w); /* the message's last line end is its own */
	w->pending_eol = false;
	part_end(w);
}

typedef bool (*source_fn)(const void *src, pn_sink sink, void *ctx, struct pn_error *err);

/* walk_reset - the state at the start of a walk */
static void walk_reset(struct walk *w)
{
	while (w->depth)
		free(w->frames[--w->depth].boundary);
	w->next = 0;
	w->in_head = true;
	w->long_line = w->pending_eol = false;
	w->linelen = 0;
	w->cur = 0;
	w->act = A_COPY;
	pn_buf_reset(&w->head);
	pn_buf_reset(&w->hold);
}

/* walk_run - one walk over what src streams */
static bool walk_run(struct walk *w, source_fn src, const void *arg)
{
	walk_reset(w);
	bool ok = src(arg, feed, w, w->err);
	if (ok && !w->failed && !w->stopped)
		finish(w);
	drain(w, true);
	return ok && !w->failed;
}

/* walk_init - a walk reporting to err */
static void walk_init(struct walk *w, bool strict, bool utf8_headers, struct pn_error *err)
{
	memset(w, 0, sizeof(*w));
	w->strict = strict;
	w->utf8_headers = utf8_headers;
	w->err = err;
	w->fd = -1;
	pn_buf_init(&w->head, PART_HEAD_MAX);
	pn_buf_init(&w->hold, HOLD + 1);
	pn_buf_init(&w->out, (size_t)1 << 30);
}

/* walk_free - what a walk holds */
static void walk_free(struct walk *w)
{
	walk_reset(w);
	free(w->ents);
	pn_buf_free(&w->head);
	pn_buf_free(&w->hold);
	pn_buf_free(&w->out);
}

/* msg_source - the transmitted message, canonical */
static bool msg_source(const void *src, pn_sink sink, void *ctx, struct pn_error *err)
{
	return pn_message_canon(src, sink, ctx, err);
}

/* pn_mime_scan - see mime.h */
bool pn_mime_scan(struct pn_message *m, struct pn_error *err)
{
	struct walk w;
	walk_init(&w, false, false, err);
	bool ok = walk_run(&w, msg_source, m);
	m->binary = w.binary;
	m->size = w.seen;
	walk_free(&w);
	return ok;
}

/* convert - both walks: the first notes, the second writes */
static bool convert(struct walk *w, source_fn src, const void *arg)
{
	if (!walk_run(w, src, arg))
		return false;
	w->convert = true;
	return walk_run(w, src, arg);
}

/* reread - the converted file as a message; 70 when a byte that must not
 * go is still in it */
static struct pn_message *reread(int fd, bool eightbit_ok, struct pn_error *err)
{
	struct pn_message *c = pn_xcalloc(1, sizeof(*c));
	if (lseek(fd, 0, SEEK_SET) != 0) {
		pn_error_errno(err, EX_IOERR, errno, _("cannot read the temporary file"));
	} else if (pn_message_read(c, fd, true, NULL, err) && pn_message_prepare(c, err)) {
		if (!c->nul && (!c->eightbit || eightbit_ok))
			return c;
		pn_error_set(err, EX_SOFTWARE,
		             _("the message converted to 7 bits still holds 8-bit or NUL bytes"));
	}
	pn_message_free(c);
	free(c);
	return NULL;
}

/* pn_mime_convert - see mime.h */
struct pn_message *pn_mime_convert(const struct pn_message *m, bool keep8, bool utf8_headers,
                                   struct pn_error *err)
{
	struct walk w;
	walk_init(&w, true, utf8_headers, err);
	w.keep8 = keep8;
	w.fd = pn_message_tmpfile(err);
	struct pn_message *c = NULL;
	if (w.fd >= 0 && convert(&w, msg_source, m))
		c = reread(w.fd, keep8 || utf8_headers, err);
	if (!c && w.fd >= 0)
		close(w.fd);
	walk_free(&w);
	return c;
}

/* pn_mime_free - see mime.h: the message reads its own temporary file */
void pn_mime_free(struct pn_message *c)
{
	if (!c)
		return;
	int fd = c->file_fd;
	pn_message_free(c);
	if (fd >= 0)
		close(fd);
	free(c);
}

struct memsrc {
	const char *p;
	size_t n;
};

/* mem_source - bytes made canonical, handed on in small pieces (so that
 * a CR and its LF, or a boundary line, are split between two) */
static bool mem_source(const void *src, pn_sink sink, void *ctx, struct pn_error *err)
{
	const struct memsrc *s = src;
	struct pn_canon c;
	pn_canon_init(&c, false);
	char *out = pn_xmalloc(PN_CANON_OUT_MAX(s->n) + 8);
	size_t o = pn_canon_feed(&c, s->p, s->n, out);
	o += pn_canon_finish(&c, out + o);
	bool ok = true;
	for (size_t i = 0; ok && i < o; i += 13)
		ok = sink(ctx, out + i, o - i < 13 ? o - i : 13, err);
	free(out);
	return ok;
}

/* pn_mime_convert_mem - see mime.h */
bool pn_mime_convert_mem(const char *p, size_t n, bool keep8, bool utf8_headers, struct pn_buf *out,
                         struct pn_mime_info *info, struct pn_error *err)
{
	struct walk w;
	walk_init(&w, true, utf8_headers, err);
	w.keep8 = keep8;
	struct memsrc src = {p, n};
	bool ok = convert(&w, mem_source, &src);
	info->binary = w.binary;
	info->parts = w.nents;
	ok = ok && pn_buf_append(out, w.out.data ? w.out.data : "", w.out.len);
	walk_free(&w);
	return ok;
}
