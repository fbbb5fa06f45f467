/* test_saslprep.c - SASLprep (RFC 4013): the examples of RFC 4013 3, each
 * table of RFC 3454 that it uses, and the bidirectional rule. */
#include "saslprep.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

struct pcase {
	const char *in;
	enum pn_saslprep rc;
	const char *out; /* with PN_SASLPREP_OK */
	const char *what;
};

static const struct pcase cases[] = {
	/* RFC 4013 3 */
	{"I\xc2\xadX", PN_SASLPREP_OK, "IX", "U+00AD (soft hyphen) is mapped to nothing"},
	{"user", PN_SASLPREP_OK, "user", "no transformation"},
	{"USER", PN_SASLPREP_OK, "USER", "case preserved"},
	{"\xc2\xaa", PN_SASLPREP_OK, "a", "U+00AA (feminine ordinal) is NFKC'd to a"},
	{"\xe2\x85\xa8", PN_SASLPREP_OK, "IX", "U+2168 (roman numeral nine) is NFKC'd to IX"},
	{"\x07", PN_SASLPREP_PROHIBITED, NULL, "U+0007 is prohibited"},
	{"\xd8\xa7" "1", PN_SASLPREP_BIDI, NULL, "U+0627 then 1: the bidi rule"},
	/* the fast path: printable ASCII as it is */
	{"pencil with spaces & ,=", PN_SASLPREP_OK, "pencil with spaces & ,=", "printable ASCII as it is"},
	{"", PN_SASLPREP_OK, "", "empty stays empty"},
	/* C.1.2 mapped to SPACE */
	{"a\xc2\xa0" "b", PN_SASLPREP_OK, "a b", "U+00A0 becomes a space"},
	{"a\xe3\x80\x80" "b", PN_SASLPREP_OK, "a b", "U+3000 becomes a space"},
	{"a\xe2\x80\x8b" "b", PN_SASLPREP_OK, "a b", "U+200B (C.1.2 before B.1) becomes a space"},
	/* B.1 */
	{"a\xef\xbb\xbf" "b", PN_SASLPREP_OK, "ab", "U+FEFF is mapped to nothing"},
	{"a\xe2\x80\x8d" "b", PN_SASLPREP_OK, "ab", "U+200D is mapped to nothing"},
	{"\xc2\xad", PN_SASLPREP_EMPTY, NULL, "nothing left"},
	/* prohibited tables */
	{"a\x7f", PN_SASLPREP_PROHIBITED, NULL, "C.2.1 U+007F"},
	{"a\xc2\x85", PN_SASLPREP_PROHIBITED, NULL, "C.2.2 U+0085"},
	{"a\xe2\x80\xa8", PN_SASLPREP_PROHIBITED, NULL, "C.2.2 U+2028"},
	{"a\xee\x80\x80", PN_SASLPREP_PROHIBITED, NULL, "C.3 U+E000 (private use)"},
	{"a\xf3\xb0\x80\x80", PN_SASLPREP_PROHIBITED, NULL, "C.3 U+F0000"},
	{"a\xef\xb7\x90", PN_SASLPREP_PROHIBITED, NULL, "C.4 U+FDD0"},
	{"a\xf0\x9f\xbf\xbe", PN_SASLPREP_PROHIBITED, NULL, "C.4 U+1FFFE"},
	{"a\xef\xbf\xbd", PN_SASLPREP_PROHIBITED, NULL, "C.6 U+FFFD"},
	{"a\xe2\xbf\xb0", PN_SASLPREP_PROHIBITED, NULL, "C.7 U+2FF0"},
	{"a\xe2\x80\x8e", PN_SASLPREP_PROHIBITED, NULL, "C.8 U+200E"},
	{"a\xcd\x81", PN_SASLPREP_OK, "\xc3\xa1", "C.8 U+0341 is NFKC'd to U+0301 before the check"},
	{"a\xe2\x80\xaa", PN_SASLPREP_PROHIBITED, NULL, "C.8 U+202A"},
	{"a\xf3\xa0\x80\x81", PN_SASLPREP_PROHIBITED, NULL, "C.9 U+E0001"},
	/* not UTF-8 */
	{"a\xff", PN_SASLPREP_UTF8, NULL, "a byte that is never UTF-8"},
	{"a\xc3", PN_SASLPREP_UTF8, NULL, "a cut sequence"},
	{"a\xed\xa0\x80", PN_SASLPREP_UTF8, NULL, "an encoded surrogate (C.5)"},
	/* bidi */
	{"\xd8\xa7" "1\xd8\xa7", PN_SASLPREP_OK, "\xd8\xa7" "1\xd8\xa7", "RandALCat first and last"},
	{"\xd7\x90" "a\xd7\x90", PN_SASLPREP_BIDI, NULL, "RandALCat with LCat"},
	{"1\xd7\x90", PN_SASLPREP_BIDI, NULL, "RandALCat not first"},
	/* unassigned code points pass (the query profile RFC 5802 asks for) */
	{"a\xf0\xb0\x80\x80", PN_SASLPREP_OK, "a\xf0\xb0\x80\x80", "an unassigned code point (U+30000) passes"},
	{"caf\xc3\xa9", PN_SASLPREP_OK, "caf\xc3\xa9", "precomposed stays"},
	{"cafe\xcc\x81", PN_SASLPREP_OK, "caf\xc3\xa9", "e and a combining acute compose"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		struct pn_secret out = {(char *)"untouched", 9};
		enum pn_saslprep rc = pn_saslprep(c->in, strlen(c->in), &out);
		tap_is_int(rc, c->rc, c->what);
		if (c->rc == PN_SASLPREP_OK)
			tap_is_mem(out.p, out.n, c->out, strlen(c->out), c->what);
		else
			tap_ok(!out.p && !out.n, "%s: no output", c->what);
		pn_secret_wipe(&out);
	}
	return tap_done();
}
