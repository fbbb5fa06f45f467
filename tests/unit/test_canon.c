/* test_canon.c - the CRLF canonicalizer and dot-stuffer, table-driven. */
#include "canon.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tcase {
	const char *name, *in, *want;
};

/* run - whole input at once, then one byte at a time: same output */
static void run(const struct tcase *t)
{
	size_t n = strlen(t->in);
	char *out = malloc(PN_CANON_OUT_MAX(n) + 16);
	struct pn_canon c;
	pn_canon_init(&c, true);
	size_t o = pn_canon_feed(&c, t->in, n, out);
	o += pn_canon_finish(&c, out + o);
	tap_is_mem(out, o, t->want, strlen(t->want), t->name);
	pn_canon_init(&c, true);
	o = 0;
	for (size_t i = 0; i < n; i++)
		o += pn_canon_feed(&c, t->in + i, 1, out + o);
	o += pn_canon_finish(&c, out + o);
	char label[200];
	snprintf(label, sizeof(label), "%s (byte by byte)", t->name);
	tap_is_mem(out, o, t->want, strlen(t->want), label);
	free(out);
}

int main(void)
{
	static const struct tcase cases[] = {
		{"empty input", "", ".\r\n"},
		{"LF lines", "a\nb\n", "a\r\nb\r\n.\r\n"},
		{"CRLF stays", "a\r\nb\r\n", "a\r\nb\r\n.\r\n"},
		{"no final newline", "a\nb", "a\r\nb\r\n.\r\n"},
		{"bare CR becomes CRLF", "a\rb\r", "a\r\nb\r\n.\r\n"},
		{"CR CR LF", "a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"},
		{"a line that is only a dot", "a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n"},
		{"leading dot on the first line", ".x\n", "..x\r\n.\r\n"},
		{"dot after bare CR", "a\r.\r\nQUIT\r\n", "a\r\n..\r\nQUIT\r\n.\r\n"},
		{"smuggling LF.LF", "a\n.\nMAIL FROM:<x>\n", "a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n"},
		{"smuggling LF.CRLF", "a\n.\r\nRCPT\n", "a\r\n..\r\nRCPT\r\n.\r\n"},
		{"smuggling CR.CR", "a\r.\rDATA", "a\r\n..\r\nDATA\r\n.\r\n"},
		{"dots mid-line stay", "a.b\n..\n", "a.b\r\n...\r\n.\r\n"},
		{"trailing CR only", "x\r", "x\r\n.\r\n"},
		{"blank lines", "\n\n", "\r\n\r\n.\r\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);

	/* without stuffing: the size postern announces with SIZE= */
	struct pn_canon c;
	char out[64];
	pn_canon_init(&c, false);
	size_t o = pn_canon_feed(&c, ".a\nb", 4, out);
	o += pn_canon_finish(&c, out + o);
	tap_is_mem(out, o, ".a\r\nb\r\n", 7, "no stuffing and no end marker when counting");
	return tap_done();
}
