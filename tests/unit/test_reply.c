/* test_reply.c - SMTP reply parsing and the reply-to-exit-code table,
 * table-driven. */
#include "error.h"
#include "reply.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define MAXLINES 4

/* one reply fed line by line; the state after each line, then the result */
struct rcase {
	const char *name;
	const char *lines[MAXLINES]; /* NULL-terminated */
	enum pn_reply_state want[MAXLINES];
	int code;             /* checked only when the last state is DONE */
	const char *enhanced;
	const char *text;
	const char *oneline;  /* NULL: not checked */
};

static const char *state_name(enum pn_reply_state s)
{
	switch (s) {
	case PN_REPLY_MORE: return "MORE";
	case PN_REPLY_DONE: return "DONE";
	case PN_REPLY_BAD: return "BAD";
	}
	return "?";
}

/* run - feed every line, check each state and the final fields */
static void run(const struct rcase *t)
{
	struct pn_reply r;
	pn_reply_init(&r);
	char label[256];
	enum pn_reply_state last = PN_REPLY_MORE;
	size_t i;
	for (i = 0; i < MAXLINES && t->lines[i]; i++) {
		last = pn_reply_feed(&r, t->lines[i], strlen(t->lines[i]));
		snprintf(label, sizeof(label), "%s: line %zu gives %s", t->name, i + 1,
			 state_name(t->want[i]));
		tap_is_str(state_name(last), state_name(t->want[i]), label);
		if (last == PN_REPLY_BAD)
			break;
	}
	if (last == PN_REPLY_DONE) {
		snprintf(label, sizeof(label), "%s: code", t->name);
		tap_is_int(r.code, t->code, label);
		snprintf(label, sizeof(label), "%s: enhanced code", t->name);
		tap_is_str(r.enhanced, t->enhanced, label);
		snprintf(label, sizeof(label), "%s: text", t->name);
		tap_is_mem(r.text.data ? r.text.data : "", r.text.len, t->text, strlen(t->text),
			   label);
		snprintf(label, sizeof(label), "%s: line count", t->name);
		tap_is_int((long)r.lines, (long)(i), label);
		if (t->oneline) {
			char out[512];
			pn_reply_oneline(&r, out, sizeof(out));
			snprintf(label, sizeof(label), "%s: one-line form", t->name);
			tap_is_str(out, t->oneline, label);
		}
	}
	pn_reply_free(&r);
}

static void reply_cases(void)
{
	static const struct rcase cases[] = {
		{"single line", {"250 OK"}, {PN_REPLY_DONE}, 250, "", "OK", "250 OK"},
		{"multi-line",
		 {"250-a", "250-b", "250 c"},
		 {PN_REPLY_MORE, PN_REPLY_MORE, PN_REPLY_DONE},
		 250, "", "a\nb\nc", "250 a / b / c"},
		{"bare code, no text", {"250"}, {PN_REPLY_DONE}, 250, "", "", "250"},
		{"enhanced 5.1.1", {"550 5.1.1 user unknown"}, {PN_REPLY_DONE}, 550, "5.1.1",
		 "5.1.1 user unknown", "550 5.1.1 user unknown"},
		{"enhanced 2.0.0", {"250 2.0.0 Ok"}, {PN_REPLY_DONE}, 250, "2.0.0", "2.0.0 Ok", NULL},
		{"enhanced code alone", {"250 2.0.0"}, {PN_REPLY_DONE}, 250, "2.0.0", "2.0.0", NULL},
		{"enhanced with 3-digit parts", {"554 5.123.456 x"}, {PN_REPLY_DONE}, 554,
		 "5.123.456", "5.123.456 x", NULL},
		{"enhanced from the first line only",
		 {"250-2.1.0 first", "250 2.1.5 second"},
		 {PN_REPLY_MORE, PN_REPLY_DONE},
		 250, "2.1.0", "2.1.0 first\n2.1.5 second", "250 2.1.0 first / 2.1.5 second"},
		{"enhanced class differs from the code", {"550 2.1.1 x"}, {PN_REPLY_DONE}, 550, "",
		 "2.1.1 x", NULL},
		{"enhanced with two parts only", {"250 2.0 x"}, {PN_REPLY_DONE}, 250, "", "2.0 x",
		 NULL},
		{"enhanced glued to the text", {"250 2.0.0x"}, {PN_REPLY_DONE}, 250, "", "2.0.0x",
		 NULL},
		{"enhanced subject of 4 digits", {"550 5.1234.1 x"}, {PN_REPLY_DONE}, 550, "",
		 "5.1234.1 x", NULL},
		{"multi-line with an empty continuation",
		 {"250-", "250 end"},
		 {PN_REPLY_MORE, PN_REPLY_DONE},
		 250, "", "\nend", NULL},
		{"control characters replaced", {"250 a\tb\x01" "c\x7f"}, {PN_REPLY_DONE}, 250, "",
		 "a\tb\x01" "c\x7f", "250 a?b?c?"},
		{"trailing blanks trimmed in one-line form", {"250 ok   "}, {PN_REPLY_DONE}, 250, "",
		 "ok   ", "250 ok"},
		/* malformed */
		{"two digits", {"25"}, {PN_REPLY_BAD}, 0, "", "", NULL},
		{"letters", {"abc"}, {PN_REPLY_BAD}, 0, "", "", NULL},
		{"letter after the code", {"250x"}, {PN_REPLY_BAD}, 0, "", "", NULL},
		{"four digits", {"2500 x"}, {PN_REPLY_BAD}, 0, "", "", NULL},
		{"class 6", {"650 no"}, {PN_REPLY_BAD}, 0, "", "", NULL},
		{"class 1", {"150 no"}, {PN_REPLY_BAD}, 0, "", "", NULL},
		{"empty line", {""}, {PN_REPLY_BAD}, 0, "", "", NULL},
		{"codes differ across lines",
		 {"250-a", "251 b"},
		 {PN_REPLY_MORE, PN_REPLY_BAD},
		 0, "", "", NULL},
		{"garbage continuation",
		 {"250-a", "hello"},
		 {PN_REPLY_MORE, PN_REPLY_BAD},
		 0, "", "", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);
}

/* oneline_cases - direct checks of the one-line form */
static void oneline_cases(void)
{
	struct pn_reply r;
	pn_reply_init(&r);
	const char *l1 = "250-a", *l2 = "250 b";
	tap_ok(pn_reply_feed(&r, l1, strlen(l1)) == PN_REPLY_MORE, "oneline: first line MORE");
	tap_ok(pn_reply_feed(&r, l2, strlen(l2)) == PN_REPLY_DONE, "oneline: second line DONE");
	char out[64];
	pn_reply_oneline(&r, out, sizeof(out));
	tap_is_str(out, "250 a / b", "oneline: lines joined with ' / '");

	/* a small buffer is truncated, still NUL-terminated inside it */
	memset(out, 'X', sizeof(out));
	pn_reply_oneline(&r, out, 6);
	tap_ok(memchr(out, '\0', 6) != NULL, "oneline: small buffer is terminated inside it");
	tap_ok(out[6] == 'X', "oneline: nothing written past the buffer");

	/* reset: a fresh reply may have another code */
	pn_reply_reset(&r);
	const char *l3 = "354 go ahead";
	tap_ok(pn_reply_feed(&r, l3, strlen(l3)) == PN_REPLY_DONE,
	       "reset: a new reply with another code is accepted");
	tap_is_int(r.code, 354, "reset: new code");
	tap_is_str(r.text.data, "go ahead", "reset: old text forgotten");
	tap_is_int((long)r.lines, 1, "reset: line count restarts");

	/* the line is taken by length, not up to a NUL */
	pn_reply_reset(&r);
	tap_ok(pn_reply_feed(&r, "250 okXYZ", 6) == PN_REPLY_DONE, "explicit length: DONE");
	tap_is_str(r.text.data, "ok", "explicit length: only len bytes are the text");
	pn_reply_free(&r);

	/* what reaches a terminal: valid UTF-8 kept, anything else '?' */
	static const struct {
		const char *line, *want, *what;
	} u8[] = {
		{"550 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", "550 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7",
		 "valid UTF-8 (2, 3 and 4 bytes) is kept"},
		{"550 a\x9b[2Jb", "550 a?[2Jb", "a C1 byte (8-bit CSI) becomes '?'"},
		{"550 a\xc2\x9b[2Jb", "550 a?" "?[2Jb", "a C1 control encoded as UTF-8 becomes '?'"},
		{"550 \xff\xfe", "550 ??", "bytes that are never UTF-8 become '?'"},
		{"550 \xc0\xaf", "550 ??", "an overlong form becomes '?'"},
		{"550 \xed\xa0\x80", "550 ???", "a surrogate becomes '?'"},
		{"550 end \xe2\x82", "550 end ??", "a sequence cut by the end of the line becomes '?'"},
		{"550 \x1b[31mred", "550 ?[31mred", "ESC becomes '?'"},
	};
	for (size_t i = 0; i < sizeof(u8) / sizeof(u8[0]); i++) {
		pn_reply_init(&r);
		tap_ok(pn_reply_feed(&r, u8[i].line, strlen(u8[i].line)) == PN_REPLY_DONE, "oneline: %s: parsed", u8[i].what);
		pn_reply_oneline(&r, out, sizeof(out));
		tap_is_str(out, u8[i].want, u8[i].what);
		pn_reply_free(&r);
	}

	/* a reply over PN_REPLY_MAX is malformed */
	static char big[PN_REPLY_LINE_MAX];
	memcpy(big, "250-", 4);
	memset(big + 4, 'x', sizeof(big) - 4);
	pn_reply_init(&r);
	enum pn_reply_state st = PN_REPLY_MORE;
	size_t n = 0;
	while (st == PN_REPLY_MORE && n < 2 * PN_REPLY_MAX / sizeof(big) + 2) {
		st = pn_reply_feed(&r, big, sizeof(big));
		n++;
	}
	tap_ok(st == PN_REPLY_BAD, "a reply larger than PN_REPLY_MAX is malformed");
	tap_ok(n * (sizeof(big) - 4) > PN_REPLY_MAX - sizeof(big),
	       "... and only once it is past the bound (%zu lines)", n);
	pn_reply_free(&r);
}

struct ecase {
	int code;
	const char *enhanced;
	int want;
};

static void exit_cases(void)
{
	static const struct ecase cases[] = {
		{421, "", EX_TEMPFAIL},
		{421, NULL, EX_TEMPFAIL},
		{451, "4.7.1", EX_TEMPFAIL},
		{450, "4.2.0", EX_TEMPFAIL},
		{535, "", EX_NOPERM},
		{535, NULL, EX_NOPERM},
		{535, "5.7.8", EX_NOPERM},
		{530, "", EX_NOPERM},
		{550, "5.1.1", EX_NOUSER},
		{553, "5.1.3", EX_DATAERR},
		{554, "5.7.1", EX_NOPERM},
		{550, "5.7.0", EX_NOPERM},
		{550, "", EX_UNAVAILABLE},
		{550, NULL, EX_UNAVAILABLE},
		{552, "5.3.4", EX_UNAVAILABLE},
		{554, "5.0.0", EX_UNAVAILABLE},
		{550, "5.1.10", EX_UNAVAILABLE},
		{354, "", EX_PROTOCOL},
		{250, "2.0.0", EX_PROTOCOL},
		{600, "", EX_PROTOCOL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char label[128];
		snprintf(label, sizeof(label), "exit for %d %s", cases[i].code,
			 cases[i].enhanced ? (*cases[i].enhanced ? cases[i].enhanced : "(none)")
					   : "(NULL)");
		tap_is_int(pn_exit_for_reply(cases[i].code, cases[i].enhanced), cases[i].want, label);
	}
	tap_is_str(pn_exit_name(EX_TEMPFAIL), "EX_TEMPFAIL", "exit name of 75");
	tap_is_str(pn_exit_name(EX_NOPERM), "EX_NOPERM", "exit name of 77");
}

/* end to end: a parsed reply's enhanced code drives the exit code */
static void parsed_exit(void)
{
	static const struct {
		const char *line;
		int want;
	} cases[] = {
		{"550 5.1.1 user unknown", EX_NOUSER},
		{"550 2.1.1 mismatched class", EX_UNAVAILABLE},
		{"535 Authentication failed", EX_NOPERM},
		{"451 4.7.1 greylisted", EX_TEMPFAIL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_reply r;
		pn_reply_init(&r);
		bool done = pn_reply_feed(&r, cases[i].line, strlen(cases[i].line)) == PN_REPLY_DONE;
		char label[128];
		snprintf(label, sizeof(label), "parsed \"%s\" exits %d", cases[i].line, cases[i].want);
		tap_ok(done && pn_exit_for_reply(r.code, r.enhanced) == cases[i].want, "%s", label);
		pn_reply_free(&r);
	}
}

/* tiny_buffers - buffers too small for the code, exactly sized so that a
 * sanitizer sees any access past them.  Last, since a sanitizer stops the
 * program at the first bad access. */
static void tiny_buffers(void)
{
	struct pn_reply r;
	pn_reply_init(&r);
	const char *l1 = "250-a", *l2 = "250 b";
	bool fed = pn_reply_feed(&r, l1, strlen(l1)) == PN_REPLY_MORE &&
		   pn_reply_feed(&r, l2, strlen(l2)) == PN_REPLY_DONE;
	tap_ok(fed, "tiny buffers: reply parsed");
	for (size_t size = 1; fed && size <= 5; size++) {
		char *tiny = malloc(size);
		fflush(stdout); /* a sanitizer's abort must not lose the results so far */
		pn_reply_oneline(&r, tiny, size);
		char label[80];
		snprintf(label, sizeof(label), "oneline: %zu-byte buffer holds a prefix of the text",
			 size);
		tap_ok(memchr(tiny, '\0', size) != NULL &&
			       strncmp(tiny, "250 a / b", strlen(tiny)) == 0,
		       "%s", label);
		free(tiny);
	}
	pn_reply_free(&r);
}

int main(void)
{
	reply_cases();
	oneline_cases();
	exit_cases();
	parsed_exit();
	tiny_buffers();
	return tap_done();
}
