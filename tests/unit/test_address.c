/* test_address.c - address lists (RFC 5322 3.4) into addr-specs, and the
 * envelope address check, table-driven. */
#include "address.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#define MAXADDR 6

struct pcase {
	const char *name;
	const char *in;
	const char *want[MAXADDR]; /* NULL-terminated */
};

/* run - parse one list into a fresh list; compare every address */
static void run(const struct pcase *t)
{
	struct pn_addrlist l;
	struct pn_error err;
	char label[256];
	pn_addrlist_init(&l);
	pn_error_init(&err);
	bool ok = pn_address_parse_list(t->in, strlen(t->in), &l, &err);
	snprintf(label, sizeof(label), "%s: parses", t->name);
	tap_ok(ok, "%s", label);
	if (!ok)
		printf("#   %s\n", err.msg);
	size_t n = 0;
	while (n < MAXADDR && t->want[n])
		n++;
	snprintf(label, sizeof(label), "%s: %zu address(es)", t->name, n);
	tap_is_int((long)l.n, (long)n, label);
	for (size_t i = 0; i < n && i < l.n; i++) {
		snprintf(label, sizeof(label), "%s: address %zu", t->name, i + 1);
		tap_is_str(l.addr[i], t->want[i], label);
	}
	pn_addrlist_free(&l);
}

static void lists(void)
{
	static const struct pcase cases[] = {
		{"one address", "a@b", {"a@b"}},
		{"two addresses", "a@b, c@d", {"a@b", "c@d"}},
		{"white space separates bare addresses", "a@b c@d\te@f", {"a@b", "c@d", "e@f"}},
		{"folding around @ and . is no separator", "a @ b . c", {"a@b.c"}},
		{"quoted local part with blanks", "\"john doe\"@x y@z", {"\"john doe\"@x", "y@z"}},
		{"comment between bare addresses", "a@b(c)d@e", {"a@b", "d@e"}},
		{"cron's comma-joined word", "a@x,b@y", {"a@x", "b@y"}},
		{"display name", "Name <a@b>", {"a@b"}},
		{"quoted display name with a comma", "\"Doe, John\" <j@x>", {"j@x"}},
		{"quoted display name with an escaped quote", "\"a \\\" b, c\" <q@x>", {"q@x"}},
		{"comment with a comma", "a@b (comment, with comma)", {"a@b"}},
		{"nested comments", "a@b (outer (inner, x) more), c@d", {"a@b", "c@d"}},
		{"comment with an escaped paren", "a@b (x \\) y, z), c@d", {"a@b", "c@d"}},
		{"comment inside the angle address", "<a(c)@b>", {"a@b"}},
		{"bare angle address", "<a@b>", {"a@b"}},
		{"angle address with blanks", "Name < a@b >", {"a@b"}},
		{"group", "friends: a@b, c@d;", {"a@b", "c@d"}},
		{"group then a mailbox", "friends: a@b;, e@f", {"a@b", "e@f"}},
		{"empty group", "undisclosed-recipients:;", {NULL}},
		{"bare local name", "root", {"root"}},
		{"two bare local names", "root, www-data", {"root", "www-data"}},
		{"source route", "<@r1,@r2:u@d>", {"u@d"}},
		{"source route with a display name", "Routed <@r1:u@d>, x@y", {"u@d", "x@y"}},
		{"encoded-word display name", "=?UTF-8?B?w6k=?= <e@x>", {"e@x"}},
		{"quoted local part", "\"john doe\"@x", {"\"john doe\"@x"}},
		{"quoted local part in angles", "J <\"j d\"@x>", {"\"j d\"@x"}},
		{"duplicate, domain case differs", "a@b, a@B", {"a@b"}},
		{"local part case differs", "A@b, a@b", {"A@b", "a@b"}},
		{"duplicate across forms", "a@b, Name <a@b>, <a@b>", {"a@b"}},
		{"empty list", "", {NULL}},
		{"only commas and blanks", " , ,\t, ", {NULL}},
		{"trailing comma", "a@b,", {"a@b"}},
		{"eight-bit display name", "J\xc3\xa9r\xc3\xb4me <j@x>", {"j@x"}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);
}

struct ecase {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen */
};

/* errors - lists that do not parse: EX_DATAERR, and nothing appended */
static void errors(void)
{
	static const struct ecase cases[] = {
		{"unterminated quote", "\"Doe, John <j@x>", 0},
		{"missing '>'", "Name <a@b", 0},
		{"missing '>' before the next address", "Name <a@b, c@d", 0},
		{"unterminated comment", "a@b (comment", 0},
		{"unterminated nested comment", "a@b (x (y) z", 0},
		{"CRLF inside", "a@b\r\nRCPT TO:<evil@x>", 0},
		{"bare LF inside", "a@b\nc@d", 0},
		{"bare CR inside", "a@b\rc@d", 0},
		{"NUL inside", "a@b\0c@d", 7},
		{"control character in an address", "a\x01@b", 0},
		{"DEL in an address", "a\x7f@b", 0},
		{"two angle addresses", "<a@b> <c@d>", 0},
		{"several bare words (a bare name is sent as written)", "not an address", 0},
		{"white space before a word without a domain", "a@b c@d\troot", 0},
		{"white space after a word without a domain", "root a@b", 0},
		{"a word ending in '@'", "a@ b@c", 0},
		{"two '@' in an address", "a@b@c", 0},
		{"two '@' in an angle address", "Name <a@b@c>", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ecase *t = &cases[i];
		struct pn_addrlist l;
		struct pn_error err;
		char label[256];
		pn_addrlist_init(&l);
		pn_error_init(&err);
		size_t len = t->len ? t->len : strlen(t->in);
		bool ok = pn_address_parse_list(t->in, len, &l, &err);
		snprintf(label, sizeof(label), "%s: refused with EX_DATAERR", t->name);
		tap_ok(!ok && err.code == EX_DATAERR, "%s", label);
		snprintf(label, sizeof(label), "%s: a message is set", t->name);
		tap_ok(err.msg[0] != '\0', "%s", label);
		pn_addrlist_free(&l);
	}

	/* an address longer than the path bound inside a list */
	char big[400];
	memset(big, 'a', 300);
	memcpy(big + 300, "@example.com", 13);
	struct pn_addrlist l;
	struct pn_error err;
	pn_addrlist_init(&l);
	pn_error_init(&err);
	bool ok = pn_address_parse_list(big, strlen(big), &l, &err);
	tap_ok(!ok && err.code == EX_DATAERR, "a 312-byte address in a list: EX_DATAERR");
	tap_is_int((long)l.n, 0, "... and it is not added");
	pn_addrlist_free(&l);

	/* found by tests/fuzz/fuzz_address: a quoted string after white space
	 * at the bound failed without an error (postern said "postern: ", 70) */
	char full[1100];
	memset(full, 'x', 1024);
	memcpy(full + 1024, " \"y\"", 4);
	pn_addrlist_init(&l);
	pn_error_init(&err);
	ok = pn_address_parse_list(full, 1028, &l, &err);
	tap_ok(!ok && err.code == EX_DATAERR && strstr(err.msg, "too long"),
	       "1024 bytes, a blank and a quoted string: EX_DATAERR, address too long");
	pn_addrlist_free(&l);
}

/* explicit_length - the list is taken by length, not up to a NUL */
static void explicit_length(void)
{
	struct pn_addrlist l;
	struct pn_error err;
	pn_addrlist_init(&l);
	pn_error_init(&err);
	const char *text = "a@b, c@d";
	bool ok = pn_address_parse_list(text, 3, &l, &err);
	tap_ok(ok && l.n == 1 && strcmp(l.addr[0], "a@b") == 0, "only len bytes are parsed");
	/* a second list appends to the first, duplicates dropped */
	ok = pn_address_parse_list(text, strlen(text), &l, &err);
	tap_ok(ok, "second list parses");
	tap_is_int((long)l.n, 2, "second list appends, its duplicate dropped");
	tap_is_str(l.n > 1 ? l.addr[1] : NULL, "c@d", "second list: the new address");
	pn_addrlist_free(&l);
	tap_is_int((long)l.n, 0, "free empties the list");
}

/* field_lists - a header field's value: RFC 5322 rules, no word lists */
static void field_lists(void)
{
	static const struct pcase ok[] = {
		{"field: display name in angles", "Carol Dave <bob@example.com>", {"bob@example.com"}},
		{"field: two mailboxes", "Carol <c@x>, Dave <d@x>", {"c@x", "d@x"}},
		{"field: folding around @ and .", "a @ b . c", {"a@b.c"}},
		{"field: quoted local part with blanks", "\"john doe\"@x", {"\"john doe\"@x"}},
		{"field: a bare local name", "root", {"root"}},
		{"field: a comment after the address", "bob@x (Bob), <c@y> (C)", {"bob@x", "c@y"}},
		{"field: group", "friends: a@b, Carol <c@d>;", {"a@b", "c@d"}},
	};
	static const struct pcase bad[] = {
		{"field: display name without angles", "Carol Dave bob@example.com", {0}},
		{"field: two bare addresses", "a@b c@d", {0}},
		{"field: a comment between two bare addresses", "a@b(c)d@e", {0}},
		{"field: quoted display name without angles", "\"Carol\" bob@x", {0}},
		{"field: a group of bare words", "friends: a@b c@d;", {0}},
		{"field: a word after the angle address", "Carol <c@x> dave@y", {0}},
		{"field: a quoted string after the angle address", "<c@x> \"d\"", {0}},
		{"field: two '@' in an address", "Carol <a@b@c>", {0}},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct pn_addrlist l;
		struct pn_error err;
		pn_addrlist_init(&l);
		pn_error_init(&err);
		bool parsed = pn_address_parse_field(ok[i].in, strlen(ok[i].in), &l, &err);
		size_t n = 0;
		while (n < MAXADDR && ok[i].want[n])
			n++;
		bool same = parsed && l.n == n;
		for (size_t k = 0; same && k < n; k++)
			same = strcmp(l.addr[k], ok[i].want[k]) == 0;
		tap_ok(same, "%s", ok[i].name);
		pn_addrlist_free(&l);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pn_addrlist l;
		struct pn_error err;
		pn_addrlist_init(&l);
		pn_error_init(&err);
		bool parsed = pn_address_parse_field(bad[i].in, strlen(bad[i].in), &l, &err);
		tap_ok(!parsed && err.code == EX_DATAERR && l.n == 0, "%s: refused with EX_DATAERR, nothing added",
		       bad[i].name);
		pn_addrlist_free(&l);
	}
	struct pn_addrlist l;
	struct pn_error err;
	pn_addrlist_init(&l);
	pn_error_init(&err);
	const char *cd = "Carol Dave bob@example.com";
	bool parsed = pn_address_parse_field(cd, strlen(cd), &l, &err);
	tap_ok(!parsed && strstr(err.msg, "'Carol Dave bob@example.com' is not one address"),
	       "field: the message shows the words");
	pn_error_init(&err);
	parsed = pn_address_parse_list(cd, strlen(cd), &l, &err);
	tap_ok(!parsed && err.code == EX_DATAERR && l.n == 0,
	       "argv word: the same words are refused too (two have no domain: never three recipients)");
	pn_addrlist_free(&l);
}

/* addrlist - add, has, dedup by domain case only */
static void addrlist(void)
{
	struct pn_addrlist l;
	pn_addrlist_init(&l);
	pn_addrlist_add(&l, "u@Example.COM");
	pn_addrlist_add(&l, "u@example.com");
	tap_is_int((long)l.n, 1, "add: same address, domain case differs: kept once");
	tap_is_str(l.addr[0], "u@Example.COM", "add: the first spelling is kept");
	pn_addrlist_add(&l, "U@example.com");
	tap_is_int((long)l.n, 2, "add: local part case differs: a second address");
	pn_addrlist_add(&l, "root");
	pn_addrlist_add(&l, "root");
	tap_is_int((long)l.n, 3, "add: bare name kept once");
	pn_addrlist_add(&l, "Root");
	tap_is_int((long)l.n, 4, "add: bare names compare exactly");
	pn_addrlist_add(&l, "root@x");
	tap_is_int((long)l.n, 5, "add: bare name differs from name@domain");
	pn_addrlist_add(&l, "u@example.co");
	tap_is_int((long)l.n, 6, "add: a domain prefix is another address");
	tap_ok(pn_addrlist_has(&l, "u@EXAMPLE.com"), "has: domain without case");
	tap_ok(!pn_addrlist_has(&l, "x@example.com"), "has: another local part is absent");
	/* growth past the first allocation keeps every address */
	for (int i = 0; i < 40; i++) {
		char a[32];
		snprintf(a, sizeof(a), "user%d@grow.example", i);
		pn_addrlist_add(&l, a);
	}
	tap_is_int((long)l.n, 46, "add: 40 more distinct addresses");
	tap_is_str(l.addr[45], "user39@grow.example", "add: the last one is intact");
	tap_is_str(l.addr[6], "user0@grow.example", "add: the first grown one is intact");
	pn_addrlist_free(&l);

	tap_is_str(pn_address_domain("a@b@c.example"), "c.example", "domain: after the last '@'");
	tap_is_str(pn_address_domain("root"), NULL, "domain: none without '@'");
}

/* cpu_seconds - CPU time this process has used: unlike the wall clock it
 * does not grow when other work shares the machine */
static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define MANY 200000   /* additions: each of MANY / 2 values twice */
#define CPU_BUDGET 5.0 /* seconds; hashed adds take ~0.1, a pairwise scan
			* runs past this before 50,000 additions */

/* many_address - the i-th address added: value v = i * 7919 mod MANY/2 runs
 * through every value twice; the second time the domain is upper case (the
 * same address), and for every tenth value the local part too (another one) */
static void many_address(char *a, size_t size, size_t i)
{
	size_t v = i * 7919 % (MANY / 2);
	bool again = i >= MANY / 2;
	snprintf(a, size, "%s%zu@%s", again && v % 10 == 0 ? "User" : "user", v,
		 again ? "HOST.Example" : "host.example");
}

/* dedup_many - 200,000 additions come out exact, in the order of first
 * appearance, within a CPU budget the old pairwise scan cannot meet */
static void dedup_many(void)
{
	struct pn_addrlist l;
	pn_addrlist_init(&l);
	char a[64], want[64];
	double start = cpu_seconds();
	size_t i = 0;
	for (; i < MANY; i++) {
		if (i % 1000 == 0 && cpu_seconds() - start > CPU_BUDGET)
			break; /* fail now rather than run for minutes */
		many_address(a, sizeof(a), i);
		pn_addrlist_add(&l, a);
	}
	tap_ok(i == MANY, "dedup: %d additions within %.0f s of CPU (stopped after %zu)", MANY, CPU_BUDGET, i);
	tap_is_int((long)l.n, i == MANY ? MANY / 2 + MANY / 20 : (long)l.n, "dedup: every address once");
	size_t bad = 0, k = 0;
	for (size_t j = 0; j < i && k < l.n; j++) {
		many_address(want, sizeof(want), j);
		if (j < MANY / 2 || strncmp(want, "User", 4) == 0)
			bad += strcmp(l.addr[k++], want) != 0;
	}
	tap_ok(bad == 0 && k == l.n, "dedup: first appearances, in order");
	many_address(a, sizeof(a), MANY - 1);
	tap_ok(pn_addrlist_has(&l, a), "dedup: has finds an address by another domain case");
	pn_addrlist_free(&l);
}

/* appended_by_hand - entries appended without pn_addrlist_add (envelope.c
 * does) and entries rewritten in place are still found */
static void appended_by_hand(void)
{
	struct pn_addrlist l;
	pn_addrlist_init(&l);
	pn_addrlist_add(&l, "a@x");
	l.addr = realloc(l.addr, 8 * sizeof(*l.addr));
	l.cap = 8;
	l.addr[l.n++] = strdup("b@x");
	l.addr[l.n++] = strdup("b@X");
	tap_ok(pn_addrlist_has(&l, "B@x") == false && pn_addrlist_has(&l, "b@x"), "by hand: found before the next add");
	pn_addrlist_add(&l, "b@x");
	pn_addrlist_add(&l, "c@x");
	tap_is_int((long)l.n, 4, "by hand: the next add indexes them");
	pn_addrlist_free(&l);
}

struct ccase {
	const char *name;
	const char *addr;
	bool ok;
};

/* check - the envelope address check */
static void check(void)
{
	char max[300], over[300];
	memset(max, 'a', 256);
	max[256] = '\0';
	memcpy(max + 256 - 4, "@b.c", 4);
	memset(over, 'a', 257);
	over[257] = '\0';
	memcpy(over + 257 - 4, "@b.c", 4);
	const struct ccase cases[] = {
		{"plain address", "user@example.com", true},
		{"bare name", "root", true},
		{"eight-bit address", "j\xc3\xa9@x", true},
		{"256 bytes", max, true},
		{"empty", "", false},
		{"CR", "a@b\rc", false},
		{"LF", "a@b\nRCPT TO:<x@y>", false},
		{"tab", "a@b\tc", false},
		{"control 0x01", "a\x01@b", false},
		{"DEL", "a\x7f@b", false},
		{"'<'", "a<b@c", false},
		{"'>'", "a>b@c", false},
		{"257 bytes", over, false},
		{"a space", "a@b recipients=evil exitcode=EX_OK", false},
		{"a space in a quoted local part", "\"john doe\"@example.com", true},
		{"an escaped quote, then a space outside", "\"a\\\"\" b@c", false},
		{"a space after the quoted part", "\"a b\"@c d", false},
		{"an escaped angle bracket in quotes", "\"a\\<b\"@c", false},
		{"an escaped control byte in quotes", "\"a\\\001b\"@c", false},
		{"two '@'", "a@b@c", false},
		{"three '@'", "a@b@c@d", false},
		{"'@' then a second '@' after a quoted part", "\"a\"@b@c", false},
		{"'@' inside a quoted local part", "\"a@b\"@c", true},
		{"an escaped quote does not end the quotes", "\"a\\\"@b\"@c", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_error err;
		char label[128];
		pn_error_init(&err);
		bool ok = pn_address_check(cases[i].addr, "recipient", &err);
		snprintf(label, sizeof(label), "check %s: %s", cases[i].name,
			 cases[i].ok ? "accepted" : "refused with EX_DATAERR");
		if (cases[i].ok)
			tap_ok(ok && err.code == 0, "%s", label);
		else
			tap_ok(!ok && err.code == EX_DATAERR, "%s", label);
	}
	struct pn_error err;
	pn_error_init(&err);
	bool ok = pn_address_check("", "sender", &err);
	tap_ok(!ok && strstr(err.msg, "sender") != NULL, "check: the message names what was checked");
}

int main(void)
{
	lists();
	errors();
	explicit_length();
	field_lists();
	addrlist();
	dedup_many();
	appended_by_hand();
	check();
	return tap_done();
}
