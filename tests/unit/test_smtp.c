/* test_smtp.c - the SMTP client (smtp.c over net.c) against scripted
 * servers, one case file per scenario in tests/smtp/ (the format is in
 * tests/smtp/README), the way curl's test data files work.
 *
 * For each case: listen on 127.0.0.1 port 0, fork a child that accepts one
 * connection and plays the case's dialogue, checking every line the client
 * sends; in the parent run pn_smtp_deliver() against that port, then
 * compare the outcome (exit code, phase, reply, enhanced code, message),
 * the log line (log.c's own formatting) and the -bs verdict
 * (pn_serve_verdict) with the case's <expect> section.  The child reports
 * the first line that differed through a pipe; a child still running 20 s
 * after the fork is killed.  TLS is tls_stub.c: a no-op, so the dialogue
 * stays in clear after STARTTLS.  No root, no Postfix, 127.0.0.1 only.
 *
 * Usage: test_smtp [CASE-FILE...]; without arguments every *.case file in
 * $top_srcdir/tests/smtp.  A case file that does not parse is a failure.
 */
#include "rcfile.h" /* struct pn_account, enum pn_auth */
#include "hint.h"
#include "log.h"
#include "message.h"
#include "serve.h"
#include "smtp.h"
#include "tap.h"

#include <dirent.h>
#include <gnutls/gnutls.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern int pn_tls_stub_fail, pn_tls_stub_starts; /* tls_stub.c */
extern struct pn_tls_cb pn_tls_stub_cb;

#define CHILD_LIMIT_MS 20000 /* the whole scripted session */
#define READ_LIMIT_MS 15000  /* one wait of the server for the client */
#define BODY_MAX (64u << 20)

enum step_kind { ST_SEND, ST_EXPECT, ST_EXPECT64, ST_BODY, ST_CHUNK, ST_SCLOSE, ST_CCLOSE };

static int case_port; /* the port of the case being played, for "C~" */

struct step {
	enum step_kind kind;
	char *text; /* ST_SEND: the bytes; ST_EXPECT: the line without CRLF */
	size_t len;
	int line;   /* in the case file */
	/* ST_BODY: len, when not 0, is the length the message must have;
	 * ST_CHUNK: the octets of a BDAT chunk */
};

struct expect {
	char *key, *value;
	int line;
};

struct scase {
	const char *path;
	char *name;
	int tls, auth, timeout, tlsfail, lmtp;
	int chunking, binary; /* enum pn_chunking; the message has a binary part */
	char *etrn; /* --rmqs: pn_smtp_etrn() with this argument, no message */
	char *user, *password, *from, *helo, *dsn_notify, *dsn_ret, *dsn_envid;
	struct pn_addrlist rcpt;
	long size;
	bool verify, verbose, refuse, has_message, has_body, serverinfo, auth_in_clear;
	bool oauth, cert;  /* an OAuth token source; a client certificate */
	char *nonce;       /* SCRAM's client nonce */
	char *binding;     /* "TYPE HEX": the stub session's channel binding */
	struct pn_buf message, body;
	struct step *steps;
	size_t nsteps;
	struct expect *exp;
	size_t nexp;
	char err[300]; /* why the file does not parse */
};

/* ---------------------------------------------------------------------- */
/* case files */

/* fail_at - note the first format error of the case file */
PN_PRINTF(3, 4) static bool fail_at(struct scase *c, int line, const char *fmt, ...)
{
	if (c->err[0])
		return false;
	int n = snprintf(c->err, sizeof(c->err), "%s:%d: ", c->path, line);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* unescape - \r \n \t \\ \xHH in raw server bytes; false on a bad escape */
static bool unescape(const char *in, char *out, size_t *len)
{
	size_t o = 0;
	for (const char *p = in; *p; p++) {
		if (*p != '\\') {
			out[o++] = *p;
			continue;
		}
		p++;
		char hex[3] = {0};
		switch (*p) {
		case 'r': out[o++] = '\r'; break;
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case '\\': out[o++] = '\\'; break;
		case 'x':
			if (!p[1] || !p[2])
				return false;
			hex[0] = p[1];
			hex[1] = p[2];
			char *end;
			out[o++] = (char)strtoul(hex, &end, 16);
			if (*end)
				return false;
			p += 2;
			break;
		default: return false;
		}
	}
	*len = o;
	return true;
}

/* add_step - one dialogue line: "S: text", "S! raw", "C: text", with the
 * <close> and <body> forms */
static bool add_step(struct scase *c, const char *l, int line)
{
	enum step_kind last = c->nsteps ? c->steps[c->nsteps - 1].kind : ST_SEND;
	if (last == ST_SCLOSE || last == ST_CCLOSE)
		return fail_at(c, line, "nothing may follow '%s'",
			       last == ST_SCLOSE ? "S: <close>" : "C: <close>");
	if (strlen(l) < 2 || (l[2] && l[2] != ' ') || !strchr("SC", l[0]) || !strchr(":!~", l[1]) ||
	    (l[0] == 'C' && l[1] == '!') || (l[0] == 'S' && l[1] == '~'))
		return fail_at(c, line, "a dialogue line is 'S: text', 'S! raw', 'C: text' or 'C~ prefix|raw': %s", l);
	const char *t = l[2] ? l + 3 : "";
	c->steps = pn_xrealloc(c->steps, (c->nsteps + 1) * sizeof(*c->steps));
	struct step *s = &c->steps[c->nsteps++];
	*s = (struct step){ST_SEND, NULL, 0, line};
	if (l[0] == 'S' && l[1] == ':' && strcmp(t, "<close>") == 0) {
		s->kind = ST_SCLOSE;
	} else if (l[0] == 'S' && l[1] == ':') {
		s->text = pn_xasprintf("%s\r\n", t);
		s->len = strlen(s->text);
	} else if (l[0] == 'S') {
		s->text = pn_xmalloc(strlen(t) + 1);
		if (!unescape(t, s->text, &s->len) || !s->len)
			return fail_at(c, line, "bad escape (\\r \\n \\t \\\\ \\xHH) or nothing to send: %s",
				       l);
	} else if (l[1] == '~') {
		s->kind = ST_EXPECT64; /* PREFIX|RAW: checked when played (PORT) */
		s->text = pn_xstrdup(t);
		char *raw = strchr(s->text, '|'), scratch[1024];
		if (!raw || strlen(raw) >= sizeof(scratch) || !unescape(raw + 1, scratch, &s->len))
			return fail_at(c, line, "'C~ prefix|raw' with the S! escapes, under 1 KiB: %s", l);
	} else if (strcmp(t, "<close>") == 0) {
		s->kind = ST_CCLOSE;
	} else if (strncmp(t, "<chunk ", 7) == 0 && t[strlen(t) - 1] == '>') {
		s->kind = ST_CHUNK; /* <chunk N>: N octets of a BDAT chunk, compared with <body> */
		char *end;
		s->len = strtoul(t + 7, &end, 10);
		if (end == t + 7 || *end != '>')
			return fail_at(c, line, "'C: <chunk N>' takes a number of octets: %s", l);
	} else if (strcmp(t, "<body>") == 0) {
		s->kind = ST_BODY;
	} else if (strncmp(t, "<body ", 6) == 0 && t[strlen(t) - 1] == '>') {
		s->kind = ST_BODY; /* <body N>: N octets, the final ".\r\n" included */
		char *end;
		s->len = strtoul(t + 6, &end, 10);
		if (end == t + 6 || *end != '>' || !s->len)
			return fail_at(c, line, "'C: <body N>' takes a number of octets: %s", l);
	} else {
		s->kind = ST_EXPECT;
		s->text = pn_xstrdup(t);
	}
	return true;
}

/* set_str - a setting given once */
static bool set_str(struct scase *c, char **dst, const char *v, int line, const char *key)
{
	if (*dst)
		return fail_at(c, line, "'%s' given twice", key);
	*dst = pn_xstrdup(v);
	return true;
}

/* set_num - a non-negative number */
static bool set_num(struct scase *c, long *dst, const char *v, int line)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 0)
		return fail_at(c, line, "not a number: %s", v);
	*dst = n;
	return true;
}

/* set_word - v is one of words[]; *dst its index */
static bool set_word(struct scase *c, int *dst, const char *v, const char *const *words, size_t n, int line)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, words[i]) == 0) {
			*dst = (int)i;
			return true;
		}
	return fail_at(c, line, "unknown value: %s", v);
}

/* set_bool - on or off */
static bool set_bool(struct scase *c, bool *dst, const char *v, int line)
{
	static const char *const onoff[] = {"off", "on"};
	int i = 0;
	if (!set_word(c, &i, v, onoff, 2, line))
		return false;
	*dst = i;
	return true;
}

/* header_enum - tls, auth, tlsfail and connect */
static bool header_enum(struct scase *c, const char *k, const char *v, int line, bool *done)
{
	static const char *const tls[] = {"off", "starttls", "implicit"};
	static const char *const auth[] = {"off", "on", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256",
					   "scram-sha-1-plus", "scram-sha-256-plus", "xoauth2", "oauthbearer", "external"};
	static const char *const tlsfail[] = {"none", "prepare", "handshake"};
	static const char *const conn[] = {"accept", "refuse"};
	static const char *const protocol[] = {"smtp", "lmtp"};
	static const char *const on_off[] = {"on", "off"};
	static const char *const chunking[] = {"auto", "on", "off"}; /* enum pn_chunking */
	int i = 0;
	*done = true;
	if (strcmp(k, "tls") == 0)
		return set_word(c, &c->tls, v, tls, PN_ARRAY_LEN(tls), line);
	static const int auth_value[] = {PN_AUTH_OFF, PN_AUTH_ON, PN_AUTH_PLAIN, PN_AUTH_LOGIN,
					 PN_AUTH_CRAM_MD5, PN_AUTH_SCRAM_SHA_1, PN_AUTH_SCRAM_SHA_256,
					 PN_AUTH_SCRAM_SHA_1_PLUS, PN_AUTH_SCRAM_SHA_256_PLUS, PN_AUTH_XOAUTH2,
					 PN_AUTH_OAUTHBEARER, PN_AUTH_EXTERNAL};
	if (strcmp(k, "auth") == 0) {
		bool ok = set_word(c, &i, v, auth, PN_ARRAY_LEN(auth), line);
		c->auth = auth_value[i];
		return ok;
	}
	if (strcmp(k, "protocol") == 0)
		return set_word(c, &c->lmtp, v, protocol, PN_ARRAY_LEN(protocol), line);
	if (strcmp(k, "chunking") == 0)
		return set_word(c, &c->chunking, v, chunking, PN_ARRAY_LEN(chunking), line);
	if (strcmp(k, "binary") == 0) {
		bool ok = set_word(c, &i, v, on_off, PN_ARRAY_LEN(on_off), line);
		c->binary = i == 0;
		return ok;
	}
	if (strcmp(k, "tlsfail") == 0)
		return set_word(c, &c->tlsfail, v, tlsfail, PN_ARRAY_LEN(tlsfail), line);
	if (strcmp(k, "connect") == 0) {
		bool ok = set_word(c, &i, v, conn, PN_ARRAY_LEN(conn), line);
		c->refuse = i == 1;
		return ok;
	}
	*done = false;
	return true;
}

/* set_binding - "tls-exporter HEX" or "tls-unique HEX" (at most 64 bytes) */
static bool set_binding(struct scase *c, const char *v, int line)
{
	const char *hex = strchr(v, ' ');
	size_t n = hex ? strlen(hex + 1) : 0;
	bool ok = hex && n && n % 2 == 0 && n <= 128 && strspn(hex + 1, "0123456789abcdef") == n &&
		  ((hex - v == 12 && strncmp(v, "tls-exporter", 12) == 0) || (hex - v == 10 && strncmp(v, "tls-unique", 10) == 0));
	if (!ok)
		return fail_at(c, line, "binding: '%s' is not TYPE HEX (tls-exporter or tls-unique, lower-case hex)", v);
	return set_str(c, &c->binding, v, line, "binding");
}

/* header_key - one "key: value" of the header */
static bool header_key(struct scase *c, const char *k, const char *v, int line)
{
	bool done;
	long n = 0;
	if (!header_enum(c, k, v, line, &done) || done)
		return !c->err[0];
	if (strcmp(k, "name") == 0)
		return set_str(c, &c->name, v, line, k);
	if (strcmp(k, "user") == 0)
		return set_str(c, &c->user, v, line, k);
	if (strcmp(k, "password") == 0)
		return set_str(c, &c->password, v, line, k);
	if (strcmp(k, "from") == 0)
		return set_str(c, &c->from, v, line, k);
	if (strcmp(k, "helo") == 0)
		return set_str(c, &c->helo, v, line, k);
	if (strcmp(k, "dsn_notify") == 0)
		return set_str(c, &c->dsn_notify, v, line, k);
	if (strcmp(k, "dsn_ret") == 0)
		return set_str(c, &c->dsn_ret, v, line, k);
	if (strcmp(k, "dsn_envid") == 0)
		return set_str(c, &c->dsn_envid, v, line, k);
	if (strcmp(k, "etrn") == 0)
		return set_str(c, &c->etrn, v, line, k);
	if (strcmp(k, "rcpt") == 0) {
		pn_addrlist_add(&c->rcpt, v);
		return true;
	}
	if (strcmp(k, "size") == 0)
		return set_num(c, &c->size, v, line);
	if (strcmp(k, "timeout") == 0) {
		bool ok = set_num(c, &n, v, line);
		c->timeout = (int)n;
		return ok;
	}
	if (strcmp(k, "verify") == 0)
		return set_bool(c, &c->verify, v, line);
	if (strcmp(k, "verbose") == 0)
		return set_bool(c, &c->verbose, v, line);
	if (strcmp(k, "serverinfo") == 0)
		return set_bool(c, &c->serverinfo, v, line);
	if (strcmp(k, "auth_in_clear") == 0)
		return set_bool(c, &c->auth_in_clear, v, line);
	if (strcmp(k, "oauth") == 0)
		return set_bool(c, &c->oauth, v, line);
	if (strcmp(k, "cert") == 0)
		return set_bool(c, &c->cert, v, line);
	if (strcmp(k, "nonce") == 0)
		return set_str(c, &c->nonce, v, line, k);
	if (strcmp(k, "binding") == 0)
		return set_binding(c, v, line);
	return fail_at(c, line, "unknown setting '%s'", k);
}

/* known_expect - the keys <expect> may hold */
static bool known_expect(const char *k)
{
	static const char *const keys[] = {"exit", "phase", "reply", "enhanced", "server", "msg", "log",
					   "bs", "onrcpt", "onrcpts", "trace", "notrace", "tlsstarts", "info", "hint"};
	for (size_t i = 0; i < PN_ARRAY_LEN(keys); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* split_key - "key: value" into its two parts (l is modified) */
static bool split_key(struct scase *c, char *l, int line, char **k, char **v)
{
	char *colon = strchr(l, ':');
	if (!colon || colon == l)
		return fail_at(c, line, "expected 'key: value': %s", l);
	*colon = '\0';
	*k = l;
	*v = colon + 1 + strspn(colon + 1, " \t");
	return true;
}

/* add_expect - one "key: value" of <expect> */
static bool add_expect(struct scase *c, char *l, int line)
{
	char *k, *v;
	if (!split_key(c, l, line, &k, &v))
		return false;
	if (!known_expect(k))
		return fail_at(c, line, "unknown expectation '%s'", k);
	bool repeatable = !strcmp(k, "onrcpt") || !strcmp(k, "trace") || !strcmp(k, "notrace") || !strcmp(k, "info");
	for (size_t i = 0; i < c->nexp && !repeatable; i++)
		if (strcmp(c->exp[i].key, k) == 0)
			return fail_at(c, line, "'%s' expected twice", k);
	c->exp = pn_xrealloc(c->exp, (c->nexp + 1) * sizeof(*c->exp));
	c->exp[c->nexp++] = (struct expect){pn_xstrdup(k), pn_xstrdup(v), line};
	return true;
}

enum section { SEC_HEADER, SEC_MESSAGE, SEC_BODY, SEC_DIALOGUE, SEC_EXPECT };

/* section_tag - a line that opens a section: "<word>" */
static bool section_tag(struct scase *c, const char *l, int line, enum section *sec, bool *seen)
{
	static const char *const tags[] = {"", "<message>", "<body>", "<dialogue>", "<expect>"};
	for (int i = 1; i < (int)PN_ARRAY_LEN(tags); i++)
		if (strcmp(l, tags[i]) == 0) {
			if (seen[i])
				return fail_at(c, line, "section %s given twice", l);
			seen[i] = true;
			*sec = (enum section)i;
			return true;
		}
	return fail_at(c, line, "unknown section %s", l);
}

/* text_line - one line of <message> or <body> */
static void text_line(struct pn_buf *b, const char *l, const char *eol)
{
	if (!pn_buf_addstr(b, l) || !pn_buf_addstr(b, eol))
		abort(); /* a case file is far below the buffer's cap */
}

/* parse_line - one line of the case file in its section */
static bool parse_line(struct scase *c, char *l, int line, enum section *sec, bool *seen)
{
	bool text = *sec == SEC_MESSAGE || *sec == SEC_BODY;
	size_t n = strlen(l);
	if (n > 2 && l[0] == '<' && l[n - 1] == '>' && strspn(l + 1, "abcdefghijklmnopqrstuvwxyz") == n - 2)
		return section_tag(c, l, line, sec, seen);
	if (text) {
		bool msg = *sec == SEC_MESSAGE;
		text_line(msg ? &c->message : &c->body, l, msg ? "\n" : "\r\n");
		return true;
	}
	if (!l[0] || l[0] == '#')
		return true;
	if (*sec == SEC_DIALOGUE)
		return add_step(c, l, line);
	if (*sec == SEC_EXPECT)
		return add_expect(c, l, line);
	char *k, *v;
	return split_key(c, l, line, &k, &v) && header_key(c, k, v, line);
}

/* trim_blank - the blank lines before the next section are not text */
static void trim_blank(struct pn_buf *b, const char *eol)
{
	size_t e = strlen(eol);
	while (b->len >= 2 * e && memcmp(b->data + b->len - 2 * e, eol, e) == 0)
		b->len -= e;
	if (b->data)
		b->data[b->len] = '\0';
}

/* check_case - what every case must state */
static bool check_case(struct scase *c, const bool *seen)
{
	if (!c->name)
		return fail_at(c, 1, "no 'name:'");
	if (!c->rcpt.n)
		pn_addrlist_add(&c->rcpt, "b@example.com");
	if (!seen[SEC_DIALOGUE] && !c->refuse)
		return fail_at(c, 1, "no <dialogue> section");
	if (c->refuse && c->nsteps)
		return fail_at(c, 1, "'connect: refuse' takes no dialogue");
	bool has_exit = false, body_step = false;
	for (size_t i = 0; i < c->nexp; i++)
		has_exit |= strcmp(c->exp[i].key, "exit") == 0;
	for (size_t i = 0; i < c->nsteps; i++)
		body_step |= c->steps[i].kind == ST_BODY || c->steps[i].kind == ST_CHUNK;
	if (!has_exit)
		return fail_at(c, 1, "no 'exit:' in <expect>");
	if (c->has_body && !body_step)
		return fail_at(c, 1, "a <body> section but no 'C: <body>' in the dialogue");
	if (c->has_message && c->size)
		return fail_at(c, 1, "both a <message> section and 'size:'");
	return true;
}

/* case_load - read and check one case file; false with c->err set */
static bool case_load(struct scase *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->timeout = 5;
	pn_buf_init(&c->message, 1 << 20);
	pn_buf_init(&c->body, 1 << 20);
	pn_addrlist_init(&c->rcpt);
	FILE *f = fopen(path, "r");
	if (!f)
		return fail_at(c, 0, "%s", strerror(errno));
	char *l = NULL;
	size_t cap = 0;
	ssize_t n;
	int line = 0;
	enum section sec = SEC_HEADER;
	bool seen[5] = {true, false, false, false, false};
	while ((n = getline(&l, &cap, f)) >= 0 && !c->err[0]) {
		line++;
		if (n && l[n - 1] == '\n')
			l[--n] = '\0';
		if (n && l[n - 1] == '\r')
			fail_at(c, line, "a CR in the case file (write \\r in an 'S!' line instead)");
		else
			parse_line(c, l, line, &sec, seen);
	}
	free(l);
	fclose(f);
	c->has_message = seen[SEC_MESSAGE];
	c->has_body = seen[SEC_BODY];
	trim_blank(&c->message, "\n");
	trim_blank(&c->body, "\r\n");
	return !c->err[0] && check_case(c, seen);
}

/* case_free - everything case_load allocated */
static void case_free(struct scase *c)
{
	char **strs[] = {&c->name, &c->user, &c->password, &c->from, &c->helo, &c->dsn_notify,
			 &c->dsn_ret, &c->dsn_envid, &c->etrn, &c->nonce, &c->binding};
	for (size_t i = 0; i < PN_ARRAY_LEN(strs); i++)
		free(*strs[i]);
	for (size_t i = 0; i < c->nsteps; i++)
		free(c->steps[i].text);
	for (size_t i = 0; i < c->nexp; i++) {
		free(c->exp[i].key);
		free(c->exp[i].value);
	}
	free(c->steps);
	free(c->exp);
	pn_addrlist_free(&c->rcpt);
	pn_buf_free(&c->message);
	pn_buf_free(&c->body);
}

/* ---------------------------------------------------------------------- */
/* the scripted server (the child) */

struct peer {
	int fd, report;
	char buf[16384];
	size_t len;
	bool eof;
	const char *path;
};

/* visible - bytes with CR, LF and controls escaped, for reports */
static void visible(const char *p, size_t n, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch == '\r' || ch == '\n')
			o += (size_t)snprintf(out + o, size - o, "\\%c", ch == '\r' ? 'r' : 'n');
		else if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	if (o + 5 >= size && size > 4) { /* cut: say so */
		memcpy(out + size - 4, "...", 3);
		o = size - 1;
	}
	out[o] = '\0';
}

/* report - one line to the parent: what the server saw that the case did not expect */
PN_PRINTF(3, 4) static void report(const struct peer *p, int line, const char *fmt, ...)
{
	char msg[2048];
	int n = snprintf(msg, sizeof(msg), "%s:%d: ", p->path, line);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(msg);
	msg[len++] = '\n';
	if (write(p->report, msg, len) < 0)
		_exit(3);
}

/* peer_fill - more bytes from the client; false at its end or after the
 * wait limit (p->eof tells which) */
static bool peer_fill(struct peer *p)
{
	if (p->len == sizeof(p->buf))
		return true;
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
	int r = poll(&pfd, 1, READ_LIMIT_MS);
	if (r <= 0)
		return false;
	ssize_t n = read(p->fd, p->buf + p->len, sizeof(p->buf) - p->len);
	if (n <= 0) {
		p->eof = true;
		return false;
	}
	p->len += (size_t)n;
	return true;
}

/* peer_take - drop n consumed bytes */
static void peer_take(struct peer *p, size_t n)
{
	memmove(p->buf, p->buf + n, p->len - n);
	p->len -= n;
}

/* got_what - "the connection closed" or "nothing for 15 s", for reports */
static const char *got_what(const struct peer *p)
{
	return p->eof ? "the client closed the connection" : "the client sent nothing more for 15 s";
}

/* expect_line - the next client line must be want + CRLF */
static bool expect_line(struct peer *p, const struct step *s)
{
	char *lf;
	while (!(lf = memchr(p->buf, '\n', p->len)))
		if (p->len == sizeof(p->buf) || !peer_fill(p)) {
			char part[200];
			visible(p->buf, p->len, part, sizeof(part));
			report(p, s->line, "expected \"%s\\r\\n\"; %s (after \"%s\")", s->text,
			       p->len == sizeof(p->buf) ? "got a line over 16 KiB" : got_what(p), part);
			return false;
		}
	size_t n = (size_t)(lf - p->buf) + 1, w = strlen(s->text);
	bool same = n == w + 2 && memcmp(p->buf, s->text, w) == 0 && p->buf[w] == '\r';
	if (!same) {
		char got[600];
		visible(p->buf, n, got, sizeof(got));
		report(p, s->line, "expected \"%s\\r\\n\", the client sent \"%s\"", s->text, got);
	}
	peer_take(p, n);
	return same;
}

/* body_end - where CRLF "." CRLF ends in b (the body starts a line), 0: not yet */
static size_t body_end(const char *b, size_t n)
{
	if (n >= 3 && memcmp(b, ".\r\n", 3) == 0)
		return 3;
	for (size_t i = 0; i + 5 <= n; i++)
		if (memcmp(b + i, "\r\n.\r\n", 5) == 0)
			return i + 5;
	return 0;
}

/* expect_body - the message up to and including CRLF "." CRLF; compared
 * with the case's <body> when it has one */
static bool expect_body(struct peer *p, const struct step *s, const struct pn_buf *want)
{
	struct pn_buf got;
	pn_buf_init(&got, BODY_MAX);
	size_t end = 0;
	bool ok = true;
	while (ok && !(end = body_end(got.data ? got.data : "", got.len))) {
		if (!p->len && !peer_fill(p)) {
			report(p, s->line, "expected the message and CRLF.CRLF; %s after %zu octets",
			       got_what(p), got.len);
			ok = false;
		} else if (!pn_buf_append(&got, p->buf, p->len)) {
			report(p, s->line, "the message is over %u octets", BODY_MAX);
			ok = false;
		} else {
			peer_take(p, p->len);
		}
	}
	if (ok && end < got.len) { /* what came after the dot goes back */
		memmove(p->buf + (got.len - end), p->buf, p->len);
		memcpy(p->buf, got.data + end, got.len - end);
		p->len += got.len - end;
		got.len = end;
	}
	if (ok && s->len && got.len != s->len) {
		report(p, s->line, "the message is %zu octets, the case expects %zu", got.len, s->len);
		ok = false;
	}
	if (ok && want && (got.len != want->len || memcmp(got.data, want->data, got.len) != 0)) {
		char g[700], w[700];
		visible(got.data, got.len, g, sizeof(g));
		visible(want->data, want->len, w, sizeof(w));
		report(p, s->line, "the message differs from <body>: got \"%s\", want \"%s\"", g, w);
		ok = false;
	}
	pn_buf_free(&got);
	return ok;
}

/* expect_chunk - "C: <chunk N>": N octets as they come, no line
 * structure; the chunks of a case, one after the other, must be its
 * <body> when it has one (each compared with its place in it) */
static bool expect_chunk(struct peer *p, const struct step *s, const struct pn_buf *want)
{
	static size_t at; /* where this chunk starts in <body>: the child plays one case */
	char g[700], w[700];
	for (size_t got = 0; got < s->len;) {
		if (!p->len && !peer_fill(p)) {
			report(p, s->line, "expected a chunk of %zu octets; %s after %zu", s->len, got_what(p), got);
			return false;
		}
		size_t k = p->len < s->len - got ? p->len : s->len - got;
		if (want && (at + k > want->len || memcmp(p->buf, want->data + at, k) != 0)) {
			visible(p->buf, k, g, sizeof(g));
			visible(want->data + at, at < want->len ? want->len - at : 0, w, sizeof(w));
			report(p, s->line, "the chunk differs from <body> at octet %zu: got \"%s\", want \"%s\"", at, g, w);
			return false;
		}
		peer_take(p, k);
		got += k;
		at += k;
	}
	return true;
}

/* sent_ahead - before the server replies, the client must have sent
 * nothing it had no reply for: a command sent early means it pipelined
 * where the case does not let it (peeked, so nothing is consumed) */
static bool sent_ahead(struct peer *p, const struct step *s)
{
	char b[200];
	ssize_t n = p->len ? 0 : recv(p->fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
	if (!p->len && n <= 0)
		return false;
	char shown[500];
	if (p->len)
		visible(p->buf, p->len, shown, sizeof(shown));
	else
		visible(b, (size_t)n, shown, sizeof(shown));
	report(p, s->line, "the client sent \"%s\" before this reply", shown);
	return true;
}

/* expect_close - the client ends the connection by itself */
static bool expect_close(struct peer *p, const struct step *s)
{
	while (!p->len && peer_fill(p))
		;
	if (p->len) {
		char got[500];
		visible(p->buf, p->len, got, sizeof(got));
		report(p, s->line, "expected the client to close; it sent \"%s\"", got);
		return false;
	}
	if (!p->eof)
		report(p, s->line, "expected the client to close; %s", got_what(p));
	return p->eof;
}

/* expect_base64 - "C~ PREFIX|RAW": the client's line must be PREFIX and
 * the base64 of RAW unescaped, "PORT" in it standing for the case's port */
static bool expect_base64(struct peer *p, const struct step *s)
{
	char raw[1100], ported[1100];
	size_t n = 0, o = 0;
	const char *bar = strchr(s->text, '|');
	(void)!unescape(bar + 1, raw, &n); /* checked when the case was read */
	for (size_t i = 0; i < n && o + 8 < sizeof(ported);)
		if (i + 4 <= n && memcmp(raw + i, "PORT", 4) == 0) {
			o += (size_t)snprintf(ported + o, sizeof(ported) - o, "%d", case_port);
			i += 4;
		} else {
			ported[o++] = raw[i++];
		}
	gnutls_datum_t in = {(unsigned char *)ported, (unsigned)o}, out = {NULL, 0};
	if (gnutls_base64_encode2(&in, &out) < 0)
		return false;
	struct step want = *s;
	want.text = pn_xasprintf("%.*s%.*s", (int)(bar - s->text), s->text, (int)out.size, (char *)out.data);
	gnutls_free(out.data);
	bool ok = expect_line(p, &want);
	free(want.text);
	return ok;
}

/* play_step - one line of the dialogue; false ends the script */
static bool play_step(struct peer *p, const struct step *s, const struct step *prev, const struct scase *c)
{
	switch (s->kind) {
	case ST_SEND:
		if (prev && prev->kind != ST_SEND && sent_ahead(p, s))
			return false;
		/* a client that left already shows at the next C: step */
		(void)!send(p->fd, s->text, s->len, MSG_NOSIGNAL);
		return true;
	case ST_EXPECT: return expect_line(p, s);
	case ST_EXPECT64: return expect_base64(p, s);
	case ST_BODY: return expect_body(p, s, c->has_body ? &c->body : NULL);
	case ST_CHUNK: return expect_chunk(p, s, c->has_body ? &c->body : NULL);
	case ST_CCLOSE: return expect_close(p, s);
	case ST_SCLOSE: return true;
	}
	return false;
}

/* finish - the server closes its side; the client must send nothing more */
static void finish(struct peer *p, int line)
{
	shutdown(p->fd, SHUT_WR);
	while (!p->eof && p->len < sizeof(p->buf) && peer_fill(p))
		;
	if (p->len) {
		char got[500];
		visible(p->buf, p->len, got, sizeof(got));
		report(p, line, "after the end of the dialogue the client sent \"%s\"", got);
	} else if (!p->eof) {
		report(p, line, "after the end of the dialogue the client did not close for 15 s");
	}
}

/* serve - the child: accept one connection and play the dialogue */
static PN_NORETURN void serve(const struct scase *c, int lfd, int rep)
{
	struct peer p = {.fd = -1, .report = rep, .path = c->path};
	struct pollfd pfd = {.fd = lfd, .events = POLLIN};
	if (poll(&pfd, 1, READ_LIMIT_MS) <= 0 || (p.fd = accept(lfd, NULL, NULL)) < 0) {
		report(&p, 0, "the client did not connect");
		_exit(1);
	}
	close(lfd);
	size_t i = 0;
	while (i < c->nsteps && play_step(&p, &c->steps[i], i ? &c->steps[i - 1] : NULL, c))
		i++;
	if (i == c->nsteps && (!i || c->steps[i - 1].kind != ST_CCLOSE))
		finish(&p, i ? c->steps[i - 1].line : 0);
	close(p.fd);
	_exit(0);
}

/* ---------------------------------------------------------------------- */
/* the client side (the parent) */

struct run {
	struct pn_error out;
	bool ok;
	char log[4096];
	char bs[1024];
	struct pn_buf onrcpt; /* "addr code reply" lines */
	size_t nrcpt;         /* how many */
	struct pn_buf trace;  /* the -v transcript */
	char report[8192];    /* what the scripted server saw go wrong */
	int tlsstarts;
	struct pn_buf info;   /* -S: "greeting: ", "ehlo: " and "tls: " lines */
};

/* on_info - the -S callback: what it was given, one line each */
static void on_info(void *ctx, const struct pn_smtp_info *info)
{
	struct run *r = ctx;
	if (!pn_buf_printf(&r->info, "greeting: %s\n", info->greeting))
		abort();
	for (const char *l = info->ehlo; *l;) {
		size_t n = strcspn(l, "\n");
		if (!pn_buf_printf(&r->info, "ehlo: %.*s\n", (int)n, l))
			abort();
		l += n + (l[n] == '\n');
	}
	if (!pn_buf_printf(&r->info, "tls: %s\n", info->tls ? "yes" : "no"))
		abort();
}

/* on_rcpt - the -bv callback: one line per recipient */
static void on_rcpt(void *ctx, size_t i, const char *addr, int code, const char *reply)
{
	struct run *r = ctx;
	(void)i;
	r->nrcpt++;
	if (!pn_buf_printf(&r->onrcpt, "%s %d %s\n", addr, code, reply))
		abort();
}

/* make_message - the case's message in a temporary file, read and prepared
 * as send.c does; *fd stays open for the message (it is read in place) */
static bool make_message(const struct scase *c, struct pn_message *m, int *fd)
{
	struct pn_error err;
	pn_error_init(&err);
	struct pn_buf text;
	pn_buf_init(&text, (size_t)c->size + (1 << 20));
	if (!pn_buf_addstr(&text, c->has_message ? c->message.data : "Subject: test\n\nhello\n"))
		abort();
	if (c->size) {
		pn_buf_reset(&text);
		bool ok = pn_buf_addstr(&text, "Subject: size\n\n");
		while (ok && text.len < (size_t)c->size) {
			size_t left = (size_t)c->size - text.len;
			int w = left > 77 ? 76 : (int)left - 1;
			ok = pn_buf_printf(&text, "%0*d\n", w, 0);
		}
	}
	*fd = pn_message_tmpfile(&err);
	bool ok = *fd >= 0 && write(*fd, text.data, text.len) == (ssize_t)text.len;
	ok = ok && lseek(*fd, 0, SEEK_SET) == 0;
	pn_buf_free(&text);
	ok = ok && pn_message_read(m, *fd, true, NULL, &err) && pn_message_prepare(m, &err);
	if (!ok)
		printf("# cannot make the message: %s\n", err.msg);
	return ok;
}

/* log_line - the outcome's log line as log.c formats it, without the
 * time stamp.  XXX: through pn_log_write into a temporary file with a
 * fixed "time format" that is stripped; switch to pn_log_format() when it
 * exists (another branch adds it). */
static void log_line(const struct scase *c, const struct pn_addrlist *rcpt, size_t mailsize,
		     const struct pn_error *out, char *line, size_t size)
{
	struct pn_account a;
	memset(&a, 0, sizeof(a));
	a.host = (char *)"127.0.0.1";
	a.tls = c->tls != PN_TLS_OFF;
	a.set[0] = a.set[1] = ~0ULL; /* tls as given, though 127.0.0.1 is local (pn_account_tls) */
	a.auth = c->auth;
	a.user = c->user;
	a.logfile_time_format = (char *)"STAMP";
	struct pn_log_entry e = {&a, c->from ? c->from : "a@example.com", rcpt, mailsize, out, NULL};
	struct pn_error err;
	pn_error_init(&err);
	int fd = pn_message_tmpfile(&err);
	ssize_t n = 0;
	if (fd >= 0 && pn_log_write(&e, fd, "(test)", -1, NULL, &err) && lseek(fd, 0, SEEK_SET) == 0)
		n = read(fd, line, size - 1);
	line[n > 0 ? n : 0] = '\0';
	if (n > 6 && memcmp(line, "STAMP ", 6) == 0)
		memmove(line, line + 6, (size_t)n - 6 + 1);
	line[strcspn(line, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
}

/* unport - "127.0.0.1:PORT" for the port the test got, in place (s has
 * room: "PORT" is never longer than an ephemeral port's digits) */
static void unport(char *s, int port)
{
	char have[32];
	int n = snprintf(have, sizeof(have), "127.0.0.1:%d", port);
	if (port < 1000)
		return;
	for (char *p = strstr(s, have); p; p = strstr(p, have)) {
		memmove(p + 14, p + n, strlen(p + n) + 1);
		memcpy(p + 10, "PORT", 4);
		p += 14;
	}
}

/* bs_line - the -bs verdict the outcome gives: "CODE ENH TEXT" */
static void bs_line(const struct pn_error *out, char *line, size_t size)
{
	struct pn_serve_reply r;
	pn_serve_verdict(&r, out);
	snprintf(line, size, "%d%s%s %s", r.code, r.enhanced[0] ? " " : "", r.enhanced, r.text);
}

/* listen_local - a socket on 127.0.0.1, port 0; *port the one it got */
static int listen_local(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("test_smtp: listen");
		exit(99);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* ascii_envelope - the envelope as envelope.c makes it: A-label forms,
 * and the first address whose local part needs SMTPUTF8 */
static void ascii_envelope(const struct scase *c, struct pn_envelope *env, struct pn_addrlist *ascii,
			   char **from_ascii)
{
	bool utf8 = false;
	struct pn_error err;
	pn_error_init(&err);
	env->from = c->from ? c->from : "a@example.com";
	*from_ascii = pn_address_ascii(env->from, &utf8, &err);
	env->utf8_addr = utf8 ? env->from : NULL;
	for (size_t i = 0; i < c->rcpt.n; i++) {
		char *a = pn_address_ascii(c->rcpt.addr[i], &utf8, &err);
		if (!a)
			a = pn_xstrdup(c->rcpt.addr[i]);
		if (utf8 && !env->utf8_addr)
			env->utf8_addr = c->rcpt.addr[i];
		pn_addrlist_add(ascii, a);
		free(a);
	}
	env->from_ascii = *from_ascii ? *from_ascii : env->from;
	env->rcpt = &c->rcpt;
	env->rcpt_ascii = ascii;
}

/* stub_binding - the stub session's channel binding from "TYPE HEX" */
static void stub_binding(const char *b)
{
	memset(&pn_tls_stub_cb, 0, sizeof(pn_tls_stub_cb));
	if (!b)
		return;
	const char *hex = strchr(b, ' ') + 1;
	pn_tls_stub_cb.type = b[4] == 'e' ? "tls-exporter" : "tls-unique";
	for (size_t i = 0; hex[2 * i]; i++) {
		char byte[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
		pn_tls_stub_cb.data[i] = (unsigned char)strtoul(byte, NULL, 16);
		pn_tls_stub_cb.len = i + 1;
	}
}

/* params - the session parameters from the case */
static void params(const struct scase *c, int port, struct run *r, struct pn_smtp_params *p)
{
	static struct pn_secret pw;
	pw = (struct pn_secret){c->password, c->password ? strlen(c->password) : 0};
	memset(p, 0, sizeof(*p));
	p->host = "127.0.0.1";
	p->port = port;
	p->helo = c->helo ? c->helo : "client.example";
	p->timeout = c->timeout;
	p->tls = (enum pn_tls_mode)c->tls;
	p->tlsp = (struct pn_tls_params){.hostname = "127.0.0.1", .certcheck = true, .port = port};
	p->auth = c->auth;
	p->user = c->user;
	p->password = c->password ? &pw : NULL;
	p->oauth = c->oauth;
	p->tlsp.cert_file = c->cert ? "client.pem" : NULL;
	p->tlsp.key_file = c->cert ? "client.key" : NULL;
	p->sasl_nonce = c->nonce;
	p->dsn_notify = c->dsn_notify;
	p->dsn_ret = c->dsn_ret;
	p->dsn_envid = c->dsn_envid;
	p->verbose = c->verbose;
	p->verify = c->verify;
	p->auth_in_clear = c->auth_in_clear;
	p->lmtp = c->lmtp;
	p->chunking = c->chunking;
	p->on_rcpt = on_rcpt;
	p->on_rcpt_ctx = r;
	p->on_info = c->serverinfo ? on_info : NULL;
	p->on_info_ctx = r;
}

/* deliver_traced - run deliver with stderr in a temporary file when -v */
static bool deliver_traced(const struct scase *c, const struct pn_smtp_params *p,
			   const struct pn_envelope *env, const struct pn_message *m, struct run *r)
{
	struct pn_error err;
	pn_error_init(&err);
	int tfd = c->verbose ? pn_message_tmpfile(&err) : -1, saved = -1;
	if (tfd >= 0) {
		fflush(stderr);
		saved = dup(2);
		dup2(tfd, 2);
	}
	bool ok = c->etrn ? pn_smtp_etrn(p, c->etrn, &r->out) : pn_smtp_deliver(p, env, m, &r->out);
	if (tfd < 0)
		return ok;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char b[4096];
	ssize_t n;
	lseek(tfd, 0, SEEK_SET);
	while ((n = read(tfd, b, sizeof(b))) > 0)
		if (!pn_buf_append(&r->trace, b, (size_t)n))
			break;
	close(tfd);
	return ok;
}

/* now_ms - monotonic milliseconds */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* collect - the child's report, then the child; killed past the limit */
static void collect(pid_t pid, int rep, long long start, struct run *r)
{
	size_t got = 0;
	for (;;) {
		long long left = start + CHILD_LIMIT_MS - now_ms();
		struct pollfd pfd = {.fd = rep, .events = POLLIN};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			kill(pid, SIGKILL);
			snprintf(r->report + got, sizeof(r->report) - got,
				 "the scripted server was still running after %d s\n", CHILD_LIMIT_MS / 1000);
			break;
		}
		ssize_t n = read(rep, r->report + got, sizeof(r->report) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		r->report[got] = '\0';
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(rep);
}

/* run_case - the session against the scripted server */
static bool run_case(const struct scase *c, struct run *r)
{
	struct pn_message m;
	int mfd = -1, port = 0, pfd[2];
	bool nomsg = c->verify || c->etrn;
	if (!nomsg && !make_message(c, &m, &mfd))
		return false;
	if (!nomsg)
		m.binary = c->binary; /* the test hook: mime.c sets it in postern */
	int lfd = listen_local(&port);
	struct pn_addrlist ascii;
	pn_addrlist_init(&ascii);
	char *from_ascii = NULL;
	struct pn_envelope env;
	ascii_envelope(c, &env, &ascii, &from_ascii);
	struct pn_smtp_params p;
	params(c, port, r, &p);
	case_port = port;
	pn_tls_stub_fail = c->tlsfail;
	pn_tls_stub_starts = 0;
	stub_binding(c->binding);
	pid_t pid = -1;
	long long start = now_ms();
	fflush(stdout);
	if (c->refuse) {
		close(lfd);
	} else if (pipe(pfd) < 0 || (pid = fork()) < 0) {
		perror("test_smtp: fork");
		exit(99);
	} else if (pid == 0) {
		close(pfd[0]);
		serve(c, lfd, pfd[1]);
	} else {
		close(pfd[1]);
		close(lfd);
	}
	r->ok = deliver_traced(c, &p, &env, nomsg ? NULL : &m, r);
	r->tlsstarts = pn_tls_stub_starts;
	if (pid > 0)
		collect(pid, pfd[0], start, r);
	log_line(c, &c->rcpt, nomsg ? 0 : m.size, &r->out, r->log, sizeof(r->log));
	bs_line(&r->out, r->bs, sizeof(r->bs));
	unport(r->out.msg, port);
	unport(r->log, port);
	unport(r->bs, port);
	if (r->trace.data)
		unport(r->trace.data, port);
	if (!nomsg) {
		pn_message_free(&m);
		close(mfd);
	}
	pn_addrlist_free(&ascii);
	free(from_ascii);
	return true;
}

/* ---------------------------------------------------------------------- */
/* the comparison */

/* regex_any - whether some line of text matches the extended regex re */
static bool regex_any(const char *re, const char *text, bool *bad)
{
	regex_t rx;
	*bad = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0;
	if (*bad)
		return false;
	bool hit = regexec(&rx, text, 0, NULL, 0) == 0;
	regfree(&rx);
	return hit;
}

/* check_num - one numeric expectation */
static void check_num(const char *file, const struct expect *e, long got)
{
	char *end;
	long want = strtol(e->value, &end, 10);
	if (*end || !*e->value) {
		tap_ok(false, "%s:%d: %s: not a number: %s", file, e->line, e->key, e->value);
		return;
	}
	char what[300];
	snprintf(what, sizeof(what), "%s: %s %s", file, e->key, e->value);
	tap_is_int(got, want, what);
}

/* show_lines - a TAP diagnostic of several lines */
static void show_lines(const char *title, const char *text)
{
	printf("#   %s:\n", title);
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");
		printf("#     %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
}

/* check_regex - msg, trace, notrace */
static void check_regex(const char *file, const struct expect *e, const char *text, bool want)
{
	bool bad;
	bool hit = regex_any(e->value, text, &bad);
	tap_ok(!bad && hit == want, "%s: %s %s", file, e->key, e->value);
	if (bad)
		printf("#   line %d: not a valid extended regular expression\n", e->line);
	else if (hit != want)
		show_lines(want ? "no line matches in" : "some line matches in", text);
}

/* check_hint - hint.c's line for the outcome matches, or ("-") there is none */
static void check_hint(const char *file, const struct expect *e, const struct pn_error *o)
{
	char hint[1024];
	bool got = pn_hint(o, hint, sizeof(hint));
	if (strcmp(e->value, "-") == 0) {
		tap_ok(!got, "%s: no hint", file);
		if (got)
			printf("#   the hint: %s\n", hint);
		return;
	}
	if (!got) {
		tap_ok(false, "%s: hint %s", file, e->value);
		printf("#   no hint\n");
		return;
	}
	check_regex(file, e, hint, true);
}

/* check_onrcpt - the next "addr code reply" line of the -bv callbacks */
static void check_onrcpt(const char *file, const struct expect *e, const struct run *r, size_t *pos)
{
	const char *t = r->onrcpt.data ? r->onrcpt.data + *pos : "";
	size_t n = strcspn(t, "\n");
	char got[1024];
	snprintf(got, sizeof(got), "%.*s", (int)n, t);
	*pos += n + (t[n] == '\n');
	char what[300];
	snprintf(what, sizeof(what), "%s: onrcpt %s", file, e->value);
	tap_is_str(got, e->value, what);
}

/* check_one - one expectation against the run */
static void check_one(const char *file, const struct expect *e, const struct run *r, size_t *rcpt_pos)
{
	const struct pn_error *o = &r->out;
	char what[600];
	snprintf(what, sizeof(what), "%s: %s", file, e->key);
	if (strcmp(e->key, "exit") == 0)
		check_num(file, e, o->code);
	else if (strcmp(e->key, "reply") == 0)
		check_num(file, e, o->reply);
	else if (strcmp(e->key, "tlsstarts") == 0)
		check_num(file, e, r->tlsstarts);
	else if (strcmp(e->key, "onrcpts") == 0)
		check_num(file, e, (long)r->nrcpt);
	else if (strcmp(e->key, "phase") == 0)
		tap_is_str(pn_error_phase_name(o->phase), e->value, what);
	else if (strcmp(e->key, "enhanced") == 0)
		tap_is_str(o->enhanced, e->value, what);
	else if (strcmp(e->key, "server") == 0)
		tap_is_str(o->server, e->value, what);
	else if (strcmp(e->key, "log") == 0)
		tap_is_str(r->log, e->value, what);
	else if (strcmp(e->key, "bs") == 0)
		tap_is_str(r->bs, e->value, what);
	else if (strcmp(e->key, "msg") == 0)
		check_regex(file, e, o->msg, true);
	else if (strcmp(e->key, "trace") == 0 || strcmp(e->key, "notrace") == 0)
		check_regex(file, e, r->trace.data ? r->trace.data : "", e->key[0] == 't');
	else if (strcmp(e->key, "onrcpt") == 0)
		check_onrcpt(file, e, r, rcpt_pos);
	else if (strcmp(e->key, "info") == 0)
		check_regex(file, e, r->info.data ? r->info.data : "", true);
	else if (strcmp(e->key, "hint") == 0)
		check_hint(file, e, o);
	else
		tap_ok(false, "%s:%d: unknown expectation %s", file, e->line, e->key); /* known_expect */
}

/* check_run - the server's report, then every expectation */
static void check_run(const struct scase *c, const struct run *r)
{
	const char *file = strrchr(c->path, '/') ? strrchr(c->path, '/') + 1 : c->path;
	tap_ok(!r->report[0], "%s: the dialogue (%s)", file, c->name);
	if (r->report[0])
		show_lines("the scripted server", r->report);
	tap_ok(r->ok == (r->out.code == 0), "%s: pn_smtp_deliver returns %s with exit %d", file,
	       r->ok ? "true" : "false", r->out.code);
	size_t pos = 0;
	bool onrcpt = false;
	for (size_t i = 0; i < c->nexp; i++) {
		check_one(file, &c->exp[i], r, &pos);
		onrcpt |= strcmp(c->exp[i].key, "onrcpt") == 0;
	}
	if (onrcpt)
		tap_ok(!r->onrcpt.data || !r->onrcpt.data[pos], "%s: no more -bv verdicts than listed", file);
}

/* one_case - load, run and check one case file */
static void one_case(const char *path)
{
	struct scase c;
	if (!case_load(&c, path)) {
		tap_ok(false, "%s: the case file parses", path);
		printf("#   %s\n", c.err);
		case_free(&c);
		return;
	}
	struct run r;
	memset(&r, 0, sizeof(r));
	pn_buf_init(&r.onrcpt, 1 << 20);
	pn_buf_init(&r.trace, 1 << 20);
	pn_buf_init(&r.info, 1 << 20);
	if (run_case(&c, &r))
		check_run(&c, &r);
	else
		tap_ok(false, "%s: the case could be run", path);
	pn_buf_free(&r.onrcpt);
	pn_buf_free(&r.trace);
	pn_buf_free(&r.info);
	case_free(&c);
}

/* refused_case - a file in tests/smtp/malformed must not load: the
 * strictness of the format is itself tested */
static void refused_case(const char *path)
{
	struct scase c;
	bool loaded = case_load(&c, path);
	const char *why = loaded ? "(it loaded)" : c.err + strlen(path) + 1;
	tap_ok(!loaded, "%s is refused: %s", strrchr(path, '/') + 1, why);
	case_free(&c);
}

/* is_case - a *.case file name */
static int is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 5 && strcmp(d->d_name + n - 5, ".case") == 0;
}

/* each_case - fn for every *.case file in dir, in name order */
static void each_case(const char *dir, void (*fn)(const char *path))
{
	struct dirent **names;
	int n = scandir(dir, &names, is_case, alphasort);
	tap_ok(n > 0, "case files in %s", dir);
	for (int i = 0; i < n; i++) {
		char *path = pn_xasprintf("%s/%s", dir, names[i]->d_name);
		fn(path);
		free(path);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setenv("LC_ALL", "C", 1); /* the messages compared are the untranslated ones */
	unsetenv("LANGUAGE");
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			one_case(argv[i]);
		return tap_done();
	}
	/* make check exports top_srcdir; else next to this source file */
	const char *top = getenv("top_srcdir");
	int here = (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') - __FILE__ + 1 : 0);
	char *dir = top && *top ? pn_xasprintf("%s/tests/smtp", top)
				: pn_xasprintf("%.*s../smtp", here, __FILE__);
	each_case(dir, one_case);
	char *bad = pn_xasprintf("%s/malformed", dir);
	each_case(bad, refused_case);
	free(bad);
	free(dir);
	return tap_done();
}
