/* escape.c - values that stay one value on one line (see escape.h). */
#include "escape.h"

#include <stdlib.h>
#include <string.h>

/* pn_utf8_len - see escape.h */
size_t pn_utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	if (n > avail)
		return 0;
	unsigned cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	static const unsigned min[] = {0, 0, 0xa0, 0x800, 0x10000};
	if (!n || cp < min[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* bare_len - how many bytes at s form one character that may stand
 * unquoted and unescaped (0: none) */
static size_t bare_len(const unsigned char *s)
{
	if (*s >= 0x80) /* s is NUL-terminated: a cut sequence stops at the NUL */
		return pn_utf8_len(s, 4);
	return *s > 0x20 && *s < 0x7f && !strchr("'\"\\=", *s) ? 1 : 0;
}

/* is_bare - every character of v may stand unquoted */
static bool is_bare(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p;) {
		size_t n = bare_len(p);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

/* escape_byte - one byte that cannot stand for itself inside quotes */
static bool escape_byte(struct pn_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
	if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
		e[1] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		return pn_buf_append(b, e, 2);
	}
	return pn_buf_append(b, e, 4);
}

/* pn_escape - see escape.h */
bool pn_escape(struct pn_buf *b, const char *v, bool quote)
{
	if (!quote && is_bare(v))
		return pn_buf_addstr(b, v);
	bool ok = pn_buf_append(b, "'", 1);
	for (const unsigned char *p = (const unsigned char *)v; ok && *p;) {
		size_t n = *p == ' ' || *p == '"' ? 1 : bare_len(p);
		ok = n ? pn_buf_append(b, p, n) : escape_byte(b, *p);
		p += n ? n : 1;
	}
	return ok && pn_buf_append(b, "'", 1);
}

/* hexval - the value of a lower-case hex digit (as pn_escape writes
 * them), -1 for anything else */
static int hexval(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *d = c ? strchr(digits, c) : NULL;
	return d ? (int)(d - digits) : -1;
}

/* unescape_one - the escape at p (after its backslash; end: the closing
 * quote) into *c; its length, 0 when it is not one pn_escape writes */
static size_t unescape_one(const char *p, const char *end, unsigned char *c)
{
	if (p >= end)
		return 0;
	switch (*p) {
	case '\\': *c = '\\'; return 1;
	case 'n': *c = '\n'; return 1;
	case 'r': *c = '\r'; return 1;
	case 't': *c = '\t'; return 1;
	default: break;
	}
	if (end - p < 3 || *p != 'x' || hexval(p[1]) < 0 || hexval(p[2]) < 0)
		return 0;
	*c = (unsigned char)(hexval(p[1]) << 4 | hexval(p[2]));
	return *c ? 3 : 0;
}

/* pn_unescape - see escape.h */
bool pn_unescape(const char *v, size_t n, struct pn_buf *out)
{
	if (memchr(v, '\0', n))
		return false;
	char *text = pn_xstrndup(v, n); /* NUL-terminated for bare_len */
	bool quoted = n >= 2 && text[0] == '\'' && text[n - 1] == '\'';
	const char *p = text + quoted, *end = text + n - quoted;
	bool ok = true;
	while (ok && p < end) {
		unsigned char c;
		size_t k = quoted && (*p == ' ' || *p == '"') ? 1 : bare_len((const unsigned char *)p);
		if (k && p + k <= end) {
			ok = pn_buf_append(out, p, k);
		} else if (quoted && *p == '\\' && (k = unescape_one(p + 1, end, &c)) > 0) {
			ok = pn_buf_append(out, &c, 1);
			k++;
		} else {
			ok = false;
		}
		p += k;
	}
	free(text);
	return ok;
}
