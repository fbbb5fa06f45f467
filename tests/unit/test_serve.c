/* test_serve.c - the -bs command parser, the DATA un-stuffer (whole and
 * cut at every offset), and the replies: the local table from exit codes
 * and the smarthost's verdict.  Table-driven. */
#include "serve.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* one command line; want_code 0: accepted with verb and addr */
struct pcase {
	const char *line;
	enum pn_verb verb;
	int code;
	const char *enhanced;
	const char *addr;
};

static const struct pcase pcases[] = {
	{"EHLO client.example", PN_VERB_EHLO, 0, NULL, NULL},
	{"ehlo [127.0.0.1]", PN_VERB_EHLO, 0, NULL, NULL},
	{"HELO x", PN_VERB_HELO, 0, NULL, NULL},
	{"EHLO", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"EHLO ", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com>", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"mail from:<a@example.com>", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM: <a@example.com>", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM:<>", PN_VERB_MAIL, 0, NULL, ""},
	{"MAIL FROM:<root>", PN_VERB_MAIL, 0, NULL, "root"},
	{"MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM:<a@example.com> BODY=7BIT", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM:<a@example.com> SMTPUTF8", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM:<a@example.com> size=12", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM:<a@example.com>   ", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM:<@relay.example,@b.example:a@example.com>", PN_VERB_MAIL, 0, NULL, "a@example.com"},
	{"MAIL FROM:<\"john doe\"@example.com>", PN_VERB_MAIL, 0, NULL, "\"john doe\"@example.com"},
	{"MAIL FROM:<a@[192.0.2.1]>", PN_VERB_MAIL, 0, NULL, "a@[192.0.2.1]"},
	{"MAIL FROM:<a@example.com> RET=HDRS", PN_VERB_BAD, 555, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com> ENVID=x", PN_VERB_BAD, 555, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com> BODY=BINARYMIME", PN_VERB_BAD, 555, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com> SIZE=", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com> SIZE=12x", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com> SIZE=1 SIZE=2", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com> SMTPUTF8=yes", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com>x", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:a@example.com", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:<a@example.com", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL TO:<a@example.com>", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"MAIL FROM:<a b@example.com>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<a..b@example.com>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<.a@example.com>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<a@example.com.>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<a@-example.com>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<a@exa_mple.com>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<a@>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<a(comment)@example.com>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"MAIL FROM:<a,b@example.com>", PN_VERB_BAD, 501, "5.1.7", NULL},
	{"RCPT TO:<b@example.com>", PN_VERB_RCPT, 0, NULL, "b@example.com"},
	{"RCPT TO:<Postmaster>", PN_VERB_RCPT, 0, NULL, "Postmaster"},
	{"RCPT TO:<>", PN_VERB_BAD, 501, "5.1.3", NULL},
	{"RCPT TO:<b@example.com> NOTIFY=NEVER", PN_VERB_BAD, 555, "5.5.4", NULL},
	{"RCPT TO:<b@exa mple.com>", PN_VERB_BAD, 501, "5.1.3", NULL},
	{"RCPT TO:<\"b>c\"@example.com>", PN_VERB_RCPT, 0, NULL, "\"b>c\"@example.com"},
	{"RCPT TO:<\"unterminated@example.com>", PN_VERB_BAD, 501, NULL, NULL},
	{"RCPT TO:<j\xc3\xb6rg@b\xc3\xbc" "cher.example>", PN_VERB_RCPT, 0, NULL, "j\xc3\xb6rg@b\xc3\xbc" "cher.example"},
	{"RCPT TO:<j\xc3rg@example.com>", PN_VERB_BAD, 501, "5.1.3", NULL},
	{"RCPT TO:<j\xc0\xafrg@example.com>", PN_VERB_BAD, 501, "5.1.3", NULL},
	{"RCPT TO:<j\xc2\x85rg@example.com>", PN_VERB_BAD, 501, "5.1.3", NULL}, /* a C1 control (NEL) */
	{"RCPT TO:<j\xc3\xb6rg@example.com>", PN_VERB_RCPT, 0, NULL, "j\xc3\xb6rg@example.com"},
	{"DATA", PN_VERB_DATA, 0, NULL, NULL},
	{"data", PN_VERB_DATA, 0, NULL, NULL},
	{"DATA x", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"RSET", PN_VERB_RSET, 0, NULL, NULL},
	{"NOOP anything at all", PN_VERB_NOOP, 0, NULL, NULL},
	{"QUIT", PN_VERB_QUIT, 0, NULL, NULL},
	{"QUIT now", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"VRFY root", PN_VERB_VRFY, 0, NULL, NULL},
	{"VRFY", PN_VERB_BAD, 501, "5.5.4", NULL},
	{"HELP", PN_VERB_HELP, 0, NULL, NULL},
	{"EXPN staff", PN_VERB_NOTIMPL, 0, NULL, NULL},
	{"AUTH PLAIN AGFAYg==", PN_VERB_NOTIMPL, 0, NULL, NULL},
	{"STARTTLS", PN_VERB_NOTIMPL, 0, NULL, NULL},
	{"BDAT 100 LAST", PN_VERB_NOTIMPL, 0, NULL, NULL},
	{"GET / HTTP/1.1", PN_VERB_HTTP, 0, NULL, NULL},
	{"POST /x HTTP/1.0", PN_VERB_HTTP, 0, NULL, NULL},
	{"Host: localhost:25", PN_VERB_HTTP, 0, NULL, NULL},
	{"XYZZY", PN_VERB_UNKNOWN, 0, NULL, NULL},
	{"MAIL:FROM", PN_VERB_HTTP, 0, NULL, NULL},
	{"MAILFROM:<a@b>", PN_VERB_HTTP, 0, NULL, NULL},
	{"", PN_VERB_UNKNOWN, 0, NULL, NULL},
	{"1234", PN_VERB_UNKNOWN, 0, NULL, NULL},
};

/* parse_cases - the table */
static void parse_cases(void)
{
	char label[600];
	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *t = &pcases[i];
		struct pn_cmd c;
		bool ok = pn_serve_parse(t->line, strlen(t->line), &c);
		snprintf(label, sizeof(label), "parse '%s': verb", t->line);
		tap_is_int(c.verb, t->verb, label);
		snprintf(label, sizeof(label), "parse '%s': %s", t->line, t->code ? "refused" : "accepted");
		tap_ok(ok == !t->code, "%s", label);
		if (t->code) {
			snprintf(label, sizeof(label), "parse '%s': reply code", t->line);
			tap_is_int(c.code, t->code, label);
			if (t->enhanced) {
				snprintf(label, sizeof(label), "parse '%s': enhanced code", t->line);
				tap_is_str(c.enhanced, t->enhanced, label);
			}
		}
		if (t->addr) {
			snprintf(label, sizeof(label), "parse '%s': address", t->line);
			tap_is_str(c.addr, t->addr, label);
		}
	}
}

/* parse_params - what MAIL FROM's parameters set */
static void parse_params(void)
{
	struct pn_cmd c;
	const char *l = "MAIL FROM:<a@example.com> SIZE=99999999999999999999 BODY=8BITMIME SMTPUTF8";
	tap_ok(pn_serve_parse(l, strlen(l), &c), "params: accepted");
	tap_ok(c.has_size && c.size == ~0ULL, "params: a SIZE beyond 64 bits saturates");
	tap_is_int(c.body, PN_BODY_8BITMIME, "params: BODY=8BITMIME");
	tap_ok(c.smtputf8, "params: SMTPUTF8");
	l = "MAIL FROM:<j\xc3\xb6rg@example.com>";
	tap_ok(pn_serve_parse(l, strlen(l), &c) && c.utf8 && !c.smtputf8, "params: UTF-8 address flagged, no SMTPUTF8");
	l = "MAIL FROM:<a@example.com> SIZE=12";
	tap_ok(pn_serve_parse(l, strlen(l), &c) && c.size == 12 && c.body == PN_BODY_NONE && !c.utf8,
	       "params: SIZE=12 alone");
}

/* parse_bounds - line length, control bytes, path limits */
static void parse_bounds(void)
{
	struct pn_cmd c;
	char line[1200];
	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	tap_ok(pn_serve_parse(line, 510, &c), "bounds: 510 octets (512 with CRLF) accepted");
	tap_ok(!pn_serve_parse(line, 511, &c) && c.code == 500 && strcmp(c.enhanced, "5.5.2") == 0,
	       "bounds: 511 octets is 500 5.5.2 line too long");
	tap_ok(!pn_serve_parse("NOOP a\rb", 8, &c) && c.code == 500, "bounds: a CR inside is refused");
	tap_ok(!pn_serve_parse("NOOP a\nb", 8, &c) && c.code == 500, "bounds: a LF inside is refused");
	tap_ok(!pn_serve_parse("NOOP a\0b", 8, &c) && c.code == 500, "bounds: a NUL inside is refused");
	tap_ok(!pn_serve_parse("RCPT TO:<a@b\0c>", 15, &c) && c.code == 500, "bounds: NUL in a path is refused");
	/* local part of 64 and of 65 octets */
	int n = snprintf(line, sizeof(line), "RCPT TO:<%.*s@example.com>", 64,
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	tap_ok(pn_serve_parse(line, (size_t)n, &c), "bounds: local part of 64 octets");
	n = snprintf(line, sizeof(line), "RCPT TO:<%.*s@example.com>", 65,
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	tap_ok(!pn_serve_parse(line, (size_t)n, &c) && c.code == 501, "bounds: local part of 65 octets refused");
	/* a mailbox of 254 octets and of 255 (labels of 50) */
	char dom[300] = "";
	while (strlen(dom) < 240)
		strcat(dom, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.");
	dom[strlen(dom) - 1] = '\0';
	for (int local = 1; local < 64; local++) {
		n = snprintf(line, sizeof(line), "RCPT TO:<%.*s@%s>", local, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", dom);
		size_t mbox = (size_t)n - 10;
		bool ok = pn_serve_parse(line, (size_t)n, &c);
		if (mbox == 254)
			tap_ok(ok, "bounds: a mailbox of 254 octets is accepted");
		if (mbox == 255)
			tap_ok(!ok && c.code == 501, "bounds: a mailbox of 255 octets is refused");
	}
	char label64[100];
	memset(label64, 'c', 64);
	label64[64] = '\0';
	n = snprintf(line, sizeof(line), "RCPT TO:<a@%s.example>", label64);
	tap_ok(!pn_serve_parse(line, (size_t)n, &c), "bounds: a label of 64 octets is refused");
	n = snprintf(line, sizeof(line), "RCPT TO:<a@%.63s.example>", label64);
	tap_ok(pn_serve_parse(line, (size_t)n, &c), "bounds: a label of 63 octets is accepted");
}

/* unstuff_all - feed in pieces of at most step octets; the text, the
 * number of octets used, and whether the end was seen */
static size_t unstuff_all(const char *in, size_t n, size_t step, char *out, size_t *outn, bool *done)
{
	struct pn_unstuff u;
	pn_unstuff_init(&u);
	size_t used = 0, o = 0;
	while (used < n && !u.done) {
		size_t piece = n - used < step ? n - used : step;
		size_t on = 0;
		used += pn_unstuff_feed(&u, in + used, piece, out + o, &on);
		o += on;
	}
	*outn = o;
	*done = u.done;
	return used;
}

struct ucase {
	const char *name;
	const char *in;
	const char *text; /* the message text */
	size_t rest;      /* octets after the end of data */
	bool done;
};

static const struct ucase ucases[] = {
	{"plain", "Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n", 0, true},
	{"empty message", ".\r\n", "", 0, true},
	{"stuffed dot", "a\r\n..b\r\n.\r\n", "a\r\n.b\r\n", 0, true},
	{"stuffed dot line", "a\r\n..\r\n.\r\n", "a\r\n.\r\n", 0, true},
	{"first line stuffed", "..x\r\n.\r\n", ".x\r\n", 0, true},
	{"commands after the end", "a\r\n.\r\nQUIT\r\n", "a\r\n", 6, true},
	{"bare LF dot LF does not end", "a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", 0, true},
	{"LF dot CRLF does not end", "a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n", 0, true},
	{"CR dot CR does not end", "a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", 0, true},
	{"CRLF dot LF does not end", "a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n", 0, true},
	{"dot CR X at line start", "a\r\n.\rX\r\n.\r\n", "a\r\n\rX\r\n", 0, true},
	{"dot CR CR LF", "a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", 0, true},
	{"no end yet", "a\r\nb\r\n", "a\r\nb\r\n", 0, false},
	{"held dot", "a\r\n.", "a\r\n", 0, false},
	{"long line", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n.\r\n",
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", 0, true},
};

/* unstuff_cases - each case whole and in pieces of every size */
static void unstuff_cases(void)
{
	char out[512], label[200];
	for (size_t i = 0; i < sizeof(ucases) / sizeof(ucases[0]); i++) {
		const struct ucase *t = &ucases[i];
		size_t n = strlen(t->in), bad_step = 0;
		for (size_t step = n ? n : 1; step >= 1; step--) {
			size_t on;
			bool done;
			size_t used = unstuff_all(t->in, n, step, out, &on, &done);
			bool same = done == t->done && used == n - t->rest && on == strlen(t->text) &&
				    memcmp(out, t->text, on) == 0;
			if (step == n || !n) {
				snprintf(label, sizeof(label), "unstuff %s: text", t->name);
				tap_is_mem(out, on, t->text, strlen(t->text), label);
				snprintf(label, sizeof(label), "unstuff %s: end and octets used", t->name);
				tap_ok(done == t->done && used == n - t->rest, "%s", label);
			}
			if (!same && !bad_step)
				bad_step = step;
		}
		snprintf(label, sizeof(label), "unstuff %s: the same in pieces of every size", t->name);
		tap_ok(!bad_step, "%s", label);
		if (bad_step)
			printf("#   differs with pieces of %zu\n", bad_step);
	}
}

struct lcase {
	int exit_code;
	bool address;
	int code;
	const char *enhanced;
};

/* local_cases - the documented table */
static void local_cases(void)
{
	static const struct lcase cases[] = {
		{EX_TEMPFAIL, false, 451, "4.3.0"}, {EX_DATAERR, false, 554, "5.6.0"},
		{EX_DATAERR, true, 550, "5.1.3"},   {EX_CONFIG, false, 451, "4.3.5"},
		{EX_NOHOST, false, 451, "4.4.3"},   {EX_OSERR, false, 451, "4.3.0"},
		{EX_IOERR, false, 451, "4.3.0"},    {EX_UNAVAILABLE, false, 554, "5.3.0"},
		{EX_SOFTWARE, false, 554, "5.3.0"}, {EX_PROTOCOL, false, 554, "5.3.0"},
		{EX_USAGE, true, 554, "5.3.0"},
	};
	char label[100];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_serve_reply r;
		pn_serve_local(&r, cases[i].exit_code, cases[i].address, "what failed");
		snprintf(label, sizeof(label), "local: exit %d%s gives %d %s", cases[i].exit_code,
			 cases[i].address ? " (address)" : "", cases[i].code, cases[i].enhanced);
		tap_ok(r.code == cases[i].code && strcmp(r.enhanced, cases[i].enhanced) == 0, "%s", label);
	}
	struct pn_serve_reply r;
	pn_serve_local(&r, EX_CONFIG, false, "caf\xc3\xa9\r\n250 injected");
	tap_is_str(r.text, "postern: caf????250 injected", "local: the text is printable ASCII on one line");
}

struct vcase {
	const char *name;
	int exit_code;        /* what the outcome's exit code is */
	int reply_code;       /* 0: no reply decided */
	const char *enhanced;
	const char *server;   /* the server's reply on one line */
	const char *want;     /* the reply line without CRLF */
};

/* vcase_outcome - the outcome value a case describes */
static void vcase_outcome(const struct vcase *t, struct pn_error *o)
{
	pn_error_init(o);
	if (t->reply_code && t->exit_code)
		pn_error_reply(o, PN_PHASE_RCPT, "smtp.example.com", t->reply_code, t->enhanced, t->server, "lost");
	else if (t->reply_code)
		pn_error_accepted(o, "smtp.example.com", t->reply_code, t->enhanced, t->server);
	else
		pn_error_set(o, t->exit_code, "lost");
}

/* verdict_cases - the answer to the final dot, from the outcome alone */
static void verdict_cases(void)
{
	static const struct vcase cases[] = {
		{"250 with enhanced", 0, 250, "2.0.0", "250 2.0.0 Ok: queued as ABC",
		 "250 2.0.0 smtp.example.com said: 2.0.0 Ok: queued as ABC"},
		{"250 without enhanced", 0, 250, "", "250 Ok", "250 2.0.0 smtp.example.com said: Ok"},
		{"554 5.7.1", EX_NOPERM, 554, "5.7.1", "554 5.7.1 <x@y>: Relay access denied",
		 "554 5.7.1 smtp.example.com said: 5.7.1 <x@y>: Relay access denied"},
		{"452 4.3.1", EX_TEMPFAIL, 452, "4.3.1", "452 4.3.1 Insufficient system storage",
		 "452 4.3.1 smtp.example.com said: 4.3.1 Insufficient system storage"},
		{"421 becomes 451", EX_TEMPFAIL, 421, "4.4.2", "421 4.4.2 closing",
		 "451 4.4.2 smtp.example.com said: 4.4.2 closing"},
		{"550 without enhanced", EX_UNAVAILABLE, 550, "", "550 no such user",
		 "550 5.0.0 smtp.example.com said: no such user"},
		{"enhanced class mismatch", EX_UNAVAILABLE, 550, "", "550 4.1.1 odd",
		 "550 5.0.0 smtp.example.com said: 4.1.1 odd"},
		{"MAIL 451 stays temporary", EX_TEMPFAIL, 451, "4.3.0", "451 4.3.0 try later",
		 "451 4.3.0 smtp.example.com said: 4.3.0 try later"},
		{"lost after the dot", EX_TEMPFAIL, 0, "", "", "451 4.3.0 postern: lost"},
		{"connection refused", EX_TEMPFAIL, 0, "", "", "451 4.3.0 postern: lost"},
		{"TLS failed after 220", EX_UNAVAILABLE, 0, "", "", "554 5.3.0 postern: lost"},
		{"a protocol error on a 2xx reply", EX_PROTOCOL, 250, "", "250 Ok", "554 5.3.0 postern: lost"},
		{"over the smarthost's SIZE, refused before MAIL", EX_UNAVAILABLE, 552, "5.3.4", "",
		 "552 5.3.4 postern: lost"},
	};
	char label[200], line[700];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *t = &cases[i];
		struct pn_error o;
		vcase_outcome(t, &o);
		snprintf(label, sizeof(label), "verdict %s: exit code", t->name);
		tap_is_int(o.code, t->exit_code, label);
		struct pn_serve_reply r;
		pn_serve_verdict(&r, &o);
		snprintf(line, sizeof(line), "%d %s %s", r.code, r.enhanced, r.text);
		snprintf(label, sizeof(label), "verdict %s", t->name);
		tap_is_str(line, t->want, label);
	}
}

int main(void)
{
	parse_cases();
	parse_params();
	parse_bounds();
	unstuff_cases();
	local_cases();
	verdict_cases();
	return tap_done();
}
