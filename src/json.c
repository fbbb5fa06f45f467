/* json.c - the strict RFC 8259 reader (see json.h).
 *
 * One recursive-descent walk over the text serves both the check and the
 * lookups: skip_value() moves a cursor over one value (and, given a
 * buffer, decodes a string into it).  Recursion is bounded by
 * PN_JSON_MAX_DEPTH, the text by PN_JSON_MAX_SIZE.
 */
#include "json.h"

#include "escape.h"

#include <string.h>

struct cur {
	const char *p, *end;
	const char *why;
};

static bool skip_value(struct cur *c, int depth);

/* fail - remember the first reason */
static bool fail(struct cur *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return false;
}

/* ws - skip RFC 8259's four whitespace characters */
static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* utf8_seq - the length of the well-formed UTF-8 sequence at s (no
 * overlong form, no surrogate, nothing past U+10FFFF), 0 when it is not */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || s[0] > 0xf4 || avail < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && s[0] == 0xe0 && s[1] < 0xa0)
		return 0; /* overlong */
	if (n == 3 && s[0] == 0xed && s[1] >= 0xa0)
		return 0; /* a surrogate */
	if (n == 4 && s[0] == 0xf0 && s[1] < 0x90)
		return 0; /* overlong */
	if (n == 4 && s[0] == 0xf4 && s[1] >= 0x90)
		return 0; /* past U+10FFFF */
	return n;
}

/* put_utf8 - code point u as UTF-8 into out (when there is one) */
static bool put_utf8(struct pn_buf *out, unsigned long u)
{
	unsigned char b[4];
	size_t n;
	if (!out)
		return true;
	if (u < 0x80) {
		b[0] = (unsigned char)u;
		n = 1;
	} else if (u < 0x800) {
		b[0] = (unsigned char)(0xc0 | (u >> 6));
		b[1] = (unsigned char)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (u >> 12));
		b[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (u >> 18));
		b[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (u & 0x3f));
		n = 4;
	}
	return pn_buf_append(out, b, n);
}

/* hex4 - the four hex digits after "\u" */
static bool hex4(struct cur *c, unsigned long *u)
{
	if (c->end - c->p < 4)
		return fail(c, "cut \\u escape");
	*u = 0;
	for (int i = 0; i < 4; i++) {
		int d = pn_hexval(*c->p++);
		if (d < 0)
			return fail(c, "bad \\u escape");
		*u = *u << 4 | (unsigned long)d;
	}
	return true;
}

/* unicode_escape - after "\u": one code point, a surrogate pair joined */
static bool unicode_escape(struct cur *c, struct pn_buf *out)
{
	unsigned long u, lo;
	if (!hex4(c, &u))
		return false;
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(c, "lone low surrogate");
	if (u >= 0xd800 && u <= 0xdbff) {
		if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
			return fail(c, "lone high surrogate");
		c->p += 2;
		if (!hex4(c, &lo))
			return false;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(c, "lone high surrogate");
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	return put_utf8(out, u) || fail(c, "string too long");
}

/* escape - after a backslash */
static bool escape(struct cur *c, struct pn_buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	if (c->p >= c->end)
		return fail(c, "cut escape");
	char e = *c->p++;
	if (e == 'u')
		return unicode_escape(c, out);
	const char *k = memchr(from, e, sizeof(from) - 1);
	if (!k)
		return fail(c, "unknown escape");
	return !out || pn_buf_append(out, &to[k - from], 1) || fail(c, "string too long");
}

/* string - a string at the cursor (on its quote), decoded into out */
static bool string(struct cur *c, struct pn_buf *out)
{
	c->p++;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '"') {
			c->p++;
			return true;
		}
		if (ch == '\\') {
			c->p++;
			if (!escape(c, out))
				return false;
			continue;
		}
		if (ch < 0x20)
			return fail(c, "control character in a string");
		size_t n = utf8_seq((const unsigned char *)c->p, (size_t)(c->end - c->p));
		if (!n)
			return fail(c, "invalid UTF-8");
		if (out && !pn_buf_append(out, c->p, n))
			return fail(c, "string too long");
		c->p += n;
	}
	return fail(c, "unterminated string");
}

/* digits - one or more digits; false when there are none */
static bool digits(struct cur *c)
{
	const char *s = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > s;
}

/* number - RFC 8259 6: -? int frac? exp? */
static bool number(struct cur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (c->p >= c->end || *c->p < '1' || *c->p > '9' || !digits(c))
		return fail(c, "bad number");
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!digits(c))
			return fail(c, "bad number");
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!digits(c))
			return fail(c, "bad number");
	}
	return true;
}

/* literal - true, false or null */
static bool literal(struct cur *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return fail(c, "unexpected character");
	c->p += n;
	return true;
}

/* container - an object or an array at the cursor (on its bracket) */
static bool container(struct cur *c, int depth, bool object)
{
	char close = object ? '}' : ']';
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		ws(c);
		if (object) {
			if (c->p >= c->end || *c->p != '"')
				return fail(c, "member name expected");
			if (!string(c, NULL))
				return false;
			ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return fail(c, "':' expected");
		}
		if (!skip_value(c, depth + 1))
			return false;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == close) {
			c->p++;
			return true;
		}
		return fail(c, object ? "',' or '}' expected" : "',' or ']' expected");
	}
}

/* type_at - the type of the value starting at p */
static enum pn_json_type type_at(char ch)
{
	switch (ch) {
	case '"': return PN_JSON_STRING;
	case '{': return PN_JSON_OBJECT;
	case '[': return PN_JSON_ARRAY;
	case 't': return PN_JSON_TRUE;
	case 'f': return PN_JSON_FALSE;
	case 'n': return PN_JSON_NULL;
	default: return PN_JSON_NUMBER;
	}
}

/* skip_value - one value (whitespace before it included) */
static bool skip_value(struct cur *c, int depth)
{
	if (depth > PN_JSON_MAX_DEPTH)
		return fail(c, "nested too deeply");
	ws(c);
	if (c->p >= c->end)
		return fail(c, "value expected");
	switch (*c->p) {
	case '"': return string(c, NULL);
	case '{': return container(c, depth, true);
	case '[': return container(c, depth, false);
	case 't': return literal(c, "true");
	case 'f': return literal(c, "false");
	case 'n': return literal(c, "null");
	default: return number(c);
	}
}

/* pn_json_parse - see json.h */
bool pn_json_parse(struct pn_json *j, const char *text, size_t n, const char **why)
{
	struct cur c = {text, text + n, NULL};
	j->p = text;
	j->n = n;
	j->top = PN_JSON_MISSING;
	if (n > PN_JSON_MAX_SIZE) {
		*why = "too large";
		return false;
	}
	bool ok = skip_value(&c, 0);
	ws(&c);
	if (ok && c.p != c.end)
		ok = fail(&c, "text after the value");
	if (!ok) {
		*why = c.why;
		return false;
	}
	const char *s = text;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	j->top = type_at(*s);
	return true;
}

/* name_is - the member name at the cursor (a valid string) is name */
static bool name_is(struct cur *c, const char *name)
{
	struct pn_buf b;
	pn_buf_init(&b, PN_JSON_MAX_SIZE);
	bool ok = string(c, &b);
	bool same = ok && b.len == strlen(name) && memcmp(b.data ? b.data : "", name, b.len) == 0;
	pn_buf_free(&b);
	return same;
}

/* pn_json_member - see json.h */
enum pn_json_type pn_json_member(const struct pn_json *j, const char *name, const char **v, size_t *vn)
{
	enum pn_json_type t = PN_JSON_MISSING;
	if (j->top != PN_JSON_OBJECT)
		return t;
	struct cur c = {j->p, j->p + j->n, NULL};
	ws(&c);
	c.p++; /* the text is valid: '{' */
	ws(&c);
	while (c.p < c.end && *c.p == '"') {
		bool hit = name_is(&c, name);
		ws(&c);
		c.p++; /* ':' */
		ws(&c);
		const char *s = c.p;
		(void)skip_value(&c, 1);
		if (hit && t != PN_JSON_MISSING)
			return PN_JSON_DUPLICATE;
		if (hit) {
			t = type_at(*s);
			*v = s;
			*vn = (size_t)(c.p - s);
		}
		ws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
		ws(&c);
	}
	return t;
}

/* pn_json_string - see json.h */
bool pn_json_string(const struct pn_json *j, const char *name, struct pn_buf *out)
{
	const char *v;
	size_t vn;
	if (pn_json_member(j, name, &v, &vn) != PN_JSON_STRING)
		return false;
	size_t start = out->len;
	struct cur c = {v, v + vn, NULL};
	if (!string(&c, out))
		return false;
	return out->len == start || memchr(out->data + start, '\0', out->len - start) == NULL;
}

/* decimal - a run of n decimal digits (with an optional '-') as an
 * integer within 2^53 */
static bool decimal(const char *s, size_t n, long long *out)
{
	bool neg = n && *s == '-';
	if (neg) {
		s++;
		n--;
	}
	if (n == 0 || n > 16)
		return false;
	long long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	if (x > (1LL << 53))
		return false;
	*out = neg ? -x : x;
	return true;
}

/* pn_json_integer - see json.h */
bool pn_json_integer(const struct pn_json *j, const char *name, long long *out)
{
	const char *v;
	size_t vn;
	enum pn_json_type t = pn_json_member(j, name, &v, &vn);
	if (t == PN_JSON_NUMBER)
		return decimal(v, vn, out);
	if (t == PN_JSON_STRING && vn >= 2)
		return v[1] != '-' && decimal(v + 1, vn - 2, out);
	return false;
}

/* pn_json_array_has_integer - see json.h */
bool pn_json_array_has_integer(const struct pn_json *j, const char *name, long long x)
{
	const char *v;
	size_t vn;
	if (pn_json_member(j, name, &v, &vn) != PN_JSON_ARRAY)
		return false;
	struct cur c = {v + 1, v + vn, NULL};
	for (;;) {
		ws(&c);
		const char *s = c.p;
		if (s >= c.end || *s == ']' || !skip_value(&c, 1))
			return false;
		long long y;
		if (type_at(*s) == PN_JSON_NUMBER && decimal(s, (size_t)(c.p - s), &y) && y == x)
			return true;
		ws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
	}
}

/* put_char - one character at p of n bytes (0: a byte that is not valid
 * UTF-8, written as U+FFFD), escaped where JSON or a terminal needs it */
static bool put_char(struct pn_buf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned c = p[0];
	if (n == 0)
		return pn_buf_addstr(b, "\xef\xbf\xbd"); /* U+FFFD */
	if (n == 2 && c == 0xc2 && p[1] < 0xa0) /* C1 controls: valid, not shown */
		c = p[1];
	else if (n == 3 && c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return pn_buf_addstr(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
	else if (n > 1 || (c >= 0x20 && c != 0x7f && c != '"' && c != '\\'))
		return pn_buf_append(b, p, n);
	static const char from[] = "\"\\\n\r\t", to[] = "\"\\nrt";
	const char *named = c ? strchr(from, (int)c) : NULL;
	if (named)
		return pn_buf_append(b, "\\", 1) && pn_buf_append(b, &to[named - from], 1);
	char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
	return pn_buf_append(b, u, sizeof(u));
}

/* pn_json_put_string - see json.h */
bool pn_json_put_string(struct pn_buf *b, const char *v)
{
	bool ok = pn_buf_append(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)v; ok && *p;) {
		size_t n = 1;
		if (*p >= 0x80) {
			/* pn_utf8_len refuses C1 controls: they are valid UTF-8 */
			n = p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0 ? 2 : pn_utf8_len(p, 4);
		}
		ok = put_char(b, p, n);
		p += n ? n : 1;
	}
	return ok && pn_buf_append(b, "\"", 1);
}
