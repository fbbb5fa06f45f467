/* mime_text.c - the pure text pieces of the MIME walker (mime.c):
 * quoted-printable (RFC 2045 6.7), UTF-8 validation (RFC 3629 4), and the
 * header fields of an entity: fields of a header block, their unfolded
 * values, media types and the boundary parameter (RFC 2045 5, RFC 2046
 * 5.1.1, RFC 5322 3.2.2 comments).
 */
#include "mime_text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- quoted-printable (RFC 2045 6.7) ---- */

/* pn_qp_init - see mime.h */
void pn_qp_init(struct pn_qp *q)
{
	q->col = 0;
	q->pending = -1;
	q->soft = false;
}

/* qp_token - one encoded token, after a soft break when it would pass
 * column 75 (the "=" of a soft break is the 76th) */
static bool qp_token(struct pn_qp *q, const char *t, size_t n, struct pn_buf *out)
{
	if (q->col + n > 75) {
		if (!pn_buf_append(out, "=\n", 2))
			return false;
		q->col = 0;
		q->soft = true;
	}
	if (q->col == 0 && q->soft && t[0] == '-')
		return qp_token(q, "=2D", 3, out) && (n == 1 || qp_token(q, t + 1, n - 1, out));
	q->col += n;
	return pn_buf_append(out, t, n);
}

/* qp_byte - one byte as itself or as =XX */
static bool qp_byte(struct pn_qp *q, unsigned char c, bool literal, struct pn_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	if (literal)
		return qp_token(q, (const char *)&c, 1, out);
	char t[3] = {'=', hex[c >> 4], hex[c & 15]};
	return qp_token(q, t, 3, out);
}

/* qp_flush_pending - the held blank: literal when text follows it on the
 * line, encoded when the line ends after it */
static bool qp_flush_pending(struct pn_qp *q, bool line_ends, struct pn_buf *out)
{
	if (q->pending < 0)
		return true;
	unsigned char c = (unsigned char)q->pending;
	q->pending = -1;
	return qp_byte(q, c, !line_ends, out);
}

/* pn_qp_feed - see mime.h: printable ASCII but "=" goes as itself */
bool pn_qp_feed(struct pn_qp *q, const char *p, size_t n, struct pn_buf *out)
{
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		ok = qp_flush_pending(q, false, out);
		if (c == ' ' || c == '\t')
			q->pending = c;
		else
			ok = ok && qp_byte(q, c, c > 32 && c < 127 && c != '=', out);
	}
	return ok;
}

/* pn_qp_eol - see mime.h */
bool pn_qp_eol(struct pn_qp *q, struct pn_buf *out)
{
	bool ok = qp_flush_pending(q, true, out) && pn_buf_append(out, "\n", 1);
	q->col = 0;
	q->soft = false;
	return ok;
}

/* pn_qp_finish - see mime.h: the text ends without a line end */
bool pn_qp_finish(struct pn_qp *q, struct pn_buf *out)
{
	return qp_flush_pending(q, true, out);
}

/* ---- UTF-8 (RFC 3629 4) ---- */

/* mime_u8_start - the continuation a lead byte asks for; false for a byte that
 * cannot start a character */
static bool mime_u8_start(unsigned char c, int *need, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		*need = 0;
	else if (c >= 0xc2 && c <= 0xdf)
		*need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		*need = 2;
		*lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlong form */
		*hi = c == 0xed ? 0x9f : 0xbf; /* no surrogate */
	} else if (c >= 0xf0 && c <= 0xf4) {
		*need = 3;
		*lo = c == 0xf0 ? 0x90 : 0x80;
		*hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing past U+10FFFF */
	} else
		return false;
	return true;
}

/* mime_u8_step - one more byte; false when the text is not UTF-8 */
bool mime_u8_step(int *need, unsigned char *lo, unsigned char *hi, unsigned char c)
{
	if (!*need)
		return mime_u8_start(c, need, lo, hi);
	if (c < *lo || c > *hi)
		return false;
	(*need)--;
	*lo = 0x80;
	*hi = 0xbf;
	return true;
}

/* pn_mime_utf8 - see mime.h */
bool pn_mime_utf8(const char *p, size_t n)
{
	int need = 0;
	unsigned char lo = 0x80, hi = 0xbf;
	for (size_t i = 0; i < n; i++)
		if (!mime_u8_step(&need, &lo, &hi, (unsigned char)p[i]))
			return false;
	return need == 0;
}

/* ---- header fields ---- */

/* mime_field_end - where the field starting at off ends (continuation lines
 * included) in the LF-ended header block h */
size_t mime_field_end(const struct pn_buf *h, size_t off)
{
	const char *d = h->data;
	for (;;) {
		const char *lf = memchr(d + off, '\n', h->len - off);
		off = lf ? (size_t)(lf - d) + 1 : h->len;
		if (off >= h->len || (d[off] != ' ' && d[off] != '\t'))
			return off;
	}
}

/* mime_name_len - the printable ASCII name before ':' (0: no field name) */
size_t mime_name_len(const char *f, size_t n)
{
	size_t i = 0;
	while (i < n && f[i] > 32 && f[i] < 127 && f[i] != ':')
		i++;
	size_t c = i;
	while (c < n && (f[c] == ' ' || f[c] == '\t'))
		c++;
	return c < n && f[c] == ':' ? i : 0;
}

/* mime_is_named - the field f[0..n) has this name */
bool mime_is_named(const char *f, size_t n, const char *name)
{
	size_t k = mime_name_len(f, n);
	return k && k == strlen(name) && strncasecmp(f, name, k) == 0;
}

/* mime_unfold_value - the value of field f[0..n): line breaks out, blanks at
 * both ends trimmed */
char *mime_unfold_value(const char *f, size_t n)
{
	const char *colon = memchr(f, ':', n);
	size_t i = colon ? (size_t)(colon - f) + 1 : n;
	char *v = pn_xmalloc(n - i + 1);
	size_t o = 0;
	for (; i < n; i++)
		if (f[i] != '\n' && f[i] != '\r')
			v[o++] = f[i];
	while (o && (v[o - 1] == ' ' || v[o - 1] == '\t'))
		o--;
	v[o] = '\0';
	size_t lead = strspn(v, " \t");
	memmove(v, v + lead, o - lead + 1);
	return v;
}

/* mime_header_value - the unfolded value of the first field with this name in
 * the LF-ended header block h; NULL when there is none */
char *mime_header_value(const struct pn_buf *h, const char *name)
{
	for (size_t off = 0; off < h->len;) {
		size_t end = mime_field_end(h, off);
		if (mime_is_named(h->data + off, end - off, name))
			return mime_unfold_value(h->data + off, end - off);
		off = end;
	}
	return NULL;
}

/* mime_skip_cfws - blanks and (nested) comments (RFC 5322 3.2.2) */
const char *mime_skip_cfws(const char *s)
{
	for (;;) {
		s += strspn(s, " \t");
		if (*s != '(')
			return s;
		int depth = 0;
		for (; *s; s++) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0) {
				s++;
				break;
			}
		}
	}
}

/* mime_param_value - a token or quoted string at s, into a new string; *end after it */
static char *mime_param_value(const char *s, const char **end)
{
	char *v = pn_xmalloc(strlen(s) + 1);
	size_t o = 0;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			v[o++] = *s;
		}
		if (*s == '"')
			s++;
	} else {
		while (*s && !strchr(" \t;()<>@,:\\\"/[]?=", *s))
			v[o++] = *s++;
	}
	v[o] = '\0';
	*end = s;
	return v;
}

/* pn_mime_boundary - see mime.h */
char *pn_mime_boundary(const char *ctype)
{
	for (const char *s = strchr(ctype, ';'); s; s = strchr(s, ';')) {
		s = mime_skip_cfws(s + 1);
		size_t n = strcspn(s, " \t=;");
		const char *eq = mime_skip_cfws(s + n);
		if (*eq != '=' || n != 8 || strncasecmp(s, "boundary", 8) != 0)
			continue;
		char *v = mime_param_value(mime_skip_cfws(eq + 1), &s);
		size_t len = strlen(v);
		if (len >= 1 && len <= 70)
			return v;
		free(v);
		return NULL;
	}
	return NULL;
}

/* mime_type_is - the media type at t (blanks, comments skipped) is type/sub,
 * sub NULL for any subtype */
bool mime_type_is(const char *t, const char *type, const char *sub)
{
	t = mime_skip_cfws(t);
	size_t n = strlen(type);
	if (strncasecmp(t, type, n) != 0)
		return false;
	t = mime_skip_cfws(t + n);
	if (*t != '/')
		return false;
	if (!sub)
		return true;
	t = mime_skip_cfws(t + 1);
	size_t k = strlen(sub);
	return strncasecmp(t, sub, k) == 0 && strchr(" \t;(", t[k]) != NULL; /* strchr finds the NUL too */
}
