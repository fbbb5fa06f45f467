/* serve_parse.c - the -bs command parser, the DATA un-stuffer and the
 * replies (see serve_parse.h).  Pure functions: no I/O.
 *
 * RFC 5321 4.1.1 (commands), 4.1.2 (paths: Mailbox, Dot-string,
 * Quoted-string, Domain, address literals), 4.5.2 (transparency), RFC 1870
 * (SIZE), RFC 6152 (BODY), RFC 6531 (SMTPUTF8: UTF-8 in local parts and
 * domains).
 */
#include "serve_parse.h"

#include "escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#define LOCAL_MAX 64
#define DOMAIN_MAX 255
#define MAILBOX_MAX (PN_SERVE_PATH_MAX - 2)

/* a cursor over the command line */
struct cur {
	const char *p, *end;
	struct pn_cmd *cmd;
};

/* bad - the command is refused with this reply */
static bool bad(struct cur *c, int code, const char *enhanced, const char *text)
{
	c->cmd->verb = PN_VERB_BAD;
	c->cmd->code = code;
	c->cmd->enhanced = enhanced;
	c->cmd->text = text;
	return false;
}

/* is_alnum - ASCII letter or digit */
static bool is_alnum(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z');
}

/* is_atext - RFC 5322 atext, and UTF-8 octets (RFC 6531 3.3) */
static bool is_atext(unsigned char ch)
{
	return is_alnum(ch) || ch >= 0x80 || (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch));
}

/* utf8_ok - [p, end) is well-formed UTF-8; *any: some octet is non-ASCII */
static bool utf8_ok(const char *p, const char *end, bool *any)
{
	const unsigned char *u = (const unsigned char *)p, *e = (const unsigned char *)end;
	while (u < e) {
		if (*u < 0x80) {
			u++;
			continue;
		}
		size_t n = pn_utf8_len(u, (size_t)(e - u));
		if (!n)
			return false;
		*any = true;
		u += n;
	}
	return true;
}

/* local_part - Dot-string or Quoted-string; the end, or NULL */
static const char *local_part(const char *p, const char *end)
{
	if (p < end && *p == '"') {
		for (p++; p < end; p++) {
			unsigned char ch = (unsigned char)*p;
			if (ch == '"')
				return p + 1;
			if (ch == '\\' && p + 1 < end && (unsigned char)p[1] >= 32 && (unsigned char)p[1] <= 126)
				p++;
			else if (ch < 32 || ch == '\\' || (ch > 126 && ch < 0x80))
				return NULL;
		}
		return NULL;
	}
	const char *start = p;
	while (p < end && (is_atext((unsigned char)*p) || *p == '.')) {
		if (*p == '.' && (p == start || p[-1] == '.'))
			return NULL; /* empty atom */
		p++;
	}
	return p > start && p[-1] != '.' ? p : NULL;
}

/* label_char - letter, digit or a UTF-8 octet (a U-label, RFC 6531) */
static bool label_char(unsigned char ch)
{
	return is_alnum(ch) || ch >= 0x80;
}

/* domain - sub-domains or an address literal (of letters, digits, ".", ":"
 * and "-" only); the end, or NULL */
static const char *domain(const char *p, const char *end)
{
	if (p < end && *p == '[') {
		const char *q = p + 1;
		while (q < end && (is_alnum((unsigned char)*q) || *q == '.' || *q == ':' || *q == '-'))
			q++; /* IPv4, "IPv6:..." and tagged literals; nothing that needs quoting */
		return q > p + 1 && q < end && *q == ']' ? q + 1 : NULL;
	}
	const char *start = p;
	for (;;) {
		const char *label = p;
		bool ascii = true;
		while (p < end && (label_char((unsigned char)*p) || *p == '-'))
			ascii &= (unsigned char)*p++ < 0x80;
		if (p == label || p[-1] == '-' || *label == '-' || (ascii && p - label > 63))
			return NULL;
		if (p < end && *p == '.') {
			p++; /* a trailing dot leaves an empty label: refused */
			continue;
		}
		return p - start <= DOMAIN_MAX ? p : NULL;
	}
}

/* route - an obsolete source route "@a,@b:" (RFC 5321 4.1.2: accepted, ignored) */
static const char *route(const char *p, const char *end)
{
	if (p >= end || *p != '@')
		return p;
	while (p < end && *p == '@') {
		p = domain(p + 1, end);
		if (!p || p >= end)
			return NULL;
		if (*p == ':')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
	return NULL;
}

/* mailbox - Local-part ["@" Domain] up to the '>' into cmd->addr */
static bool mailbox(struct cur *c, const char *close, bool sender)
{
	const char *enh = sender ? "5.1.7" : "5.1.3";
	const char *text = sender ? "bad sender address syntax" : "bad recipient address syntax";
	const char *p = route(c->p, close);
	const char *lp_end = p ? local_part(p, close) : NULL;
	if (!lp_end || lp_end - p > LOCAL_MAX)
		return bad(c, 501, enh, text);
	const char *d_end = lp_end;
	if (lp_end < close && *lp_end == '@')
		d_end = domain(lp_end + 1, close);
	if (d_end != close)
		return bad(c, 501, enh, text);
	if (close - p > MAILBOX_MAX)
		return bad(c, 501, enh, sender ? "sender address too long" : "recipient address too long");
	if (!utf8_ok(p, close, &c->cmd->utf8))
		return bad(c, 501, enh, "address is not valid UTF-8");
	memcpy(c->cmd->addr, p, (size_t)(close - p));
	c->cmd->addr[close - p] = '\0';
	return true;
}

/* path - "<" mailbox ">", or "<>" for the sender */
static bool path(struct cur *c, bool sender)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++; /* "MAIL FROM: <a@b>": common, and harmless */
	if (c->p >= c->end || *c->p != '<')
		return bad(c, 501, "5.5.4", sender ? "syntax: MAIL FROM:<address>" : "syntax: RCPT TO:<address>");
	c->p++;
	const char *close = memchr(c->p, '>', (size_t)(c->end - c->p));
	/* a quoted local part may hold '>': look for the '>' after it */
	if (c->p < c->end && *c->p == '"') {
		const char *q = local_part(c->p, c->end);
		close = q ? memchr(q, '>', (size_t)(c->end - q)) : NULL;
	}
	if (!close)
		return bad(c, 501, "5.5.4", "missing '>'");
	if (close == c->p && !sender)
		return bad(c, 501, "5.1.3", "empty recipient address");
	bool ok = close == c->p || mailbox(c, close, sender);
	c->p = close + 1;
	return ok;
}

/* keyword_is - the parameter keyword [k, k+n) is name (no case) */
static bool keyword_is(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(k, name, n) == 0;
}

/* size_value - SIZE=1*20DIGIT (RFC 1870 4); larger values saturate */
static bool size_value(struct cur *c, const char *v, size_t n)
{
	if (!n || n > 20 || c->cmd->has_size)
		return bad(c, 501, "5.5.4", "bad SIZE parameter");
	unsigned long long s = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return bad(c, 501, "5.5.4", "bad SIZE parameter");
		unsigned d = (unsigned)(v[i] - '0');
		s = s > (~0ULL - d) / 10 ? ~0ULL : s * 10 + d;
	}
	c->cmd->size = s;
	c->cmd->has_size = true;
	return true;
}

/* mail_param - one "keyword[=value]" of MAIL FROM */
static bool mail_param(struct cur *c, const char *k, size_t kn, const char *v, size_t vn, bool has_v)
{
	struct pn_cmd *cmd = c->cmd;
	if (keyword_is(k, kn, "SIZE"))
		return size_value(c, v, vn);
	if (keyword_is(k, kn, "BODY")) {
		if (!has_v || cmd->body != PN_BODY_NONE)
			return bad(c, 501, "5.5.4", "bad BODY parameter");
		if (keyword_is(v, vn, "7BIT") || keyword_is(v, vn, "8BITMIME")) {
			cmd->body = vn == 4 ? PN_BODY_7BIT : PN_BODY_8BITMIME;
			return true;
		}
		return bad(c, 555, "5.5.4", "unsupported BODY type");
	}
	if (keyword_is(k, kn, "SMTPUTF8")) {
		if (has_v || cmd->smtputf8)
			return bad(c, 501, "5.5.4", "bad SMTPUTF8 parameter");
		cmd->smtputf8 = true;
		return true;
	}
	return bad(c, 555, "5.5.4", "unsupported parameter");
}

/* params - the esmtp-params after a path (RFC 5321 4.1.2) */
static bool params(struct cur *c, bool mail)
{
	while (c->p < c->end) {
		if (*c->p != ' ')
			return bad(c, 501, "5.5.4", "syntax error in parameters");
		while (c->p < c->end && *c->p == ' ')
			c->p++;
		const char *k = c->p;
		while (c->p < c->end && (is_alnum((unsigned char)*c->p) || (*c->p == '-' && c->p > k)))
			c->p++;
		size_t kn = (size_t)(c->p - k);
		bool has_v = c->p < c->end && *c->p == '=';
		const char *v = has_v ? ++c->p : c->p;
		while (c->p < c->end && *c->p > 32 && *c->p < 127 && *c->p != '=')
			c->p++;
		size_t vn = (size_t)(c->p - v);
		if (!kn || (c->p < c->end && *c->p != ' ') || (has_v && !vn))
			return bad(c, 501, "5.5.4", "syntax error in parameters");
		if (!mail)
			return bad(c, 555, "5.5.4", "RCPT TO takes no parameters here");
		if (!mail_param(c, k, kn, v, vn, has_v))
			return false;
	}
	return true;
}

/* prefix - the line continues with word (no case), e.g. " FROM:" */
static bool prefix(struct cur *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* mail_rcpt - "MAIL FROM:<path> params" / "RCPT TO:<path> params" */
static bool mail_rcpt(struct cur *c, bool mail)
{
	if (!prefix(c, mail ? " FROM:" : " TO:"))
		return bad(c, 501, "5.5.4", mail ? "syntax: MAIL FROM:<address>" : "syntax: RCPT TO:<address>");
	return path(c, mail) && params(c, mail);
}

static const struct {
	const char *name;
	enum pn_verb verb;
} verbs[] = {
	{"HELO", PN_VERB_HELO}, {"EHLO", PN_VERB_EHLO}, {"MAIL", PN_VERB_MAIL}, {"RCPT", PN_VERB_RCPT},
	{"DATA", PN_VERB_DATA}, {"RSET", PN_VERB_RSET}, {"NOOP", PN_VERB_NOOP}, {"QUIT", PN_VERB_QUIT},
	{"VRFY", PN_VERB_VRFY}, {"HELP", PN_VERB_HELP},
	{"EXPN", PN_VERB_NOTIMPL}, {"AUTH", PN_VERB_NOTIMPL}, {"STARTTLS", PN_VERB_NOTIMPL},
	{"BDAT", PN_VERB_NOTIMPL}, {"ETRN", PN_VERB_NOTIMPL}, {"TURN", PN_VERB_NOTIMPL},
	{"ATRN", PN_VERB_NOTIMPL}, {"SEND", PN_VERB_NOTIMPL}, {"SOML", PN_VERB_NOTIMPL},
	{"SAML", PN_VERB_NOTIMPL}, {"XCLIENT", PN_VERB_NOTIMPL}, {"XFORWARD", PN_VERB_NOTIMPL},
	/* a browser made to post to localhost:25 (cross-protocol request) */
	{"GET", PN_VERB_HTTP}, {"POST", PN_VERB_HTTP}, {"HEAD", PN_VERB_HTTP}, {"PUT", PN_VERB_HTTP},
	{"CONNECT", PN_VERB_HTTP}, {"OPTIONS", PN_VERB_HTTP}, {"DELETE", PN_VERB_HTTP},
	{"PATCH", PN_VERB_HTTP}, {"TRACE", PN_VERB_HTTP},
};

/* verb - the command word */
static enum pn_verb verb(struct cur *c)
{
	const char *w = c->p;
	while (c->p < c->end && ((*c->p | 0x20) >= 'a' && (*c->p | 0x20) <= 'z'))
		c->p++;
	size_t n = (size_t)(c->p - w);
	if (c->p < c->end && *c->p == ':' && n)
		return PN_VERB_HTTP; /* "Host:", an HTTP header line */
	if (c->p < c->end && *c->p != ' ')
		return PN_VERB_UNKNOWN;
	for (size_t i = 0; i < PN_ARRAY_LEN(verbs); i++)
		if (keyword_is(w, n, verbs[i].name))
			return verbs[i].verb;
	return PN_VERB_UNKNOWN;
}

/* arguments - what each verb takes after it */
static bool arguments(struct cur *c)
{
	bool empty = c->p >= c->end;
	switch (c->cmd->verb) {
	case PN_VERB_HELO:
	case PN_VERB_EHLO:
		return !empty && c->p + 1 < c->end ? true : bad(c, 501, "5.5.4", "syntax: EHLO domain");
	case PN_VERB_MAIL:
	case PN_VERB_RCPT:
		return mail_rcpt(c, c->cmd->verb == PN_VERB_MAIL);
	case PN_VERB_DATA:
	case PN_VERB_RSET:
	case PN_VERB_QUIT:
		return empty ? true : bad(c, 501, "5.5.4", "syntax: no parameters allowed");
	case PN_VERB_VRFY:
		return !empty && c->p + 1 < c->end ? true : bad(c, 501, "5.5.4", "syntax: VRFY address");
	default:
		return true;
	}
}

/* pn_serve_parse - see serve.h */
bool pn_serve_parse(const char *line, size_t n, struct pn_cmd *out)
{
	memset(out, 0, sizeof(*out));
	struct cur c = {line, line + n, out};
	if (n + 2 > PN_SERVE_LINE_MAX)
		return bad(&c, 500, "5.5.2", "line too long");
	if (memchr(line, '\0', n) || memchr(line, '\r', n) || memchr(line, '\n', n))
		return bad(&c, 500, "5.5.2", "invalid character in command");
	while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t'))
		c.end--; /* trailing blanks, which some clients send */
	out->verb = verb(&c);
	return arguments(&c);
}

/* ---- the DATA un-stuffer ---- */

enum { D_LS, D_DOT, D_DOTCR, D_MID, D_CR };

void pn_unstuff_init(struct pn_unstuff *u)
{
	u->st = D_LS;
	u->done = false;
}

/* pn_unstuff_feed - see serve.h */
size_t pn_unstuff_feed(struct pn_unstuff *u, const char *p, size_t n, char *out, size_t *outn)
{
	size_t o = 0, i;
	for (i = 0; i < n && !u->done; i++) {
		char ch = p[i];
		switch (u->st) {
		case D_LS: /* a leading dot is stuffing or the end: never text */
			if (ch == '.') {
				u->st = D_DOT;
				continue;
			}
			break;
		case D_DOT:
			if (ch == '\r') {
				u->st = D_DOTCR;
				continue;
			}
			break;
		case D_DOTCR:
			if (ch == '\n') {
				u->done = true;
				continue;
			}
			out[o++] = '\r'; /* ".\rX": the CR was text */
			u->st = D_CR;
			break;
		}
		out[o++] = ch;
		if (ch == '\r')
			u->st = D_CR;
		else if (ch == '\n' && u->st == D_CR)
			u->st = D_LS;
		else
			u->st = D_MID;
	}
	*outn = o;
	return i;
}

/* ---- replies ---- */

/* printable - text as printable ASCII on one line, cut to fit */
static void printable(char *to, size_t size, const char *from)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)from; *p && o + 1 < size; p++)
		to[o++] = *p >= 32 && *p < 127 ? (char)*p : '?';
	while (o && to[o - 1] == ' ')
		o--;
	to[o] = '\0';
}

void pn_serve_reply_set(struct pn_serve_reply *r, int code, const char *enhanced, const char *fmt, ...)
{
	char text[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->code = code;
	snprintf(r->enhanced, sizeof(r->enhanced), "%s", enhanced);
	printable(r->text, sizeof(r->text), text);
}

void pn_serve_local(struct pn_serve_reply *r, int exit_code, bool address, const char *msg)
{
	int code = 554;
	const char *enh = "5.3.0";
	switch (exit_code) {
	case EX_TEMPFAIL: case EX_OSERR: case EX_IOERR: code = 451; enh = "4.3.0"; break;
	case EX_CONFIG: code = 451; enh = "4.3.5"; break;
	case EX_NOHOST: code = 451; enh = "4.4.3"; break;
	case EX_DATAERR:
		code = address ? 550 : 554;
		enh = address ? "5.1.3" : "5.6.0";
		break;
	}
	pn_serve_reply_set(r, code, enh, "postern: %s", msg);
}

/* pn_serve_verdict - see serve.h: one rule, from the outcome alone */
void pn_serve_verdict(struct pn_serve_reply *r, const struct pn_error *o)
{
	int code = o->reply;
	bool replied = o->code ? code >= 400 && code <= 599 : code >= 200 && code <= 299;
	if (!replied) {
		pn_serve_local(r, o->code ? o->code : EX_SOFTWARE, false, o->msg);
		return;
	}
	char enh[16];
	if (o->enhanced[0] == '0' + code / 100)
		snprintf(enh, sizeof(enh), "%s", o->enhanced);
	else
		snprintf(enh, sizeof(enh), "%d.0.0", code / 100);
	code = code == 421 ? 451 : code;
	if (!o->server[0]) {
		pn_serve_reply_set(r, code, enh, "postern: %s", o->msg);
		return;
	}
	const char *text = strlen(o->server) > 4 ? o->server + 4 : ""; /* after "250 " */
	pn_serve_reply_set(r, code, enh, "%s said: %s", o->host[0] ? o->host : "the smarthost", text);
}
