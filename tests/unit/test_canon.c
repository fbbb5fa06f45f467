/* test_canon.c - the CRLF canonicalizer and dot-stuffer, and the BDAT
 * chunk framing, table-driven. */
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

struct fcase {
	const char *name, *in;
	size_t chunk, block; /* chunk size; the input arrives in blocks of this size */
	const char *want;
};

/* frame - what goes on the wire: each chunk's command with CRLF, then its
 * octets, as smtp_bdat.c writes them */
static void frame(const struct fcase *t)
{
	size_t n = strlen(t->in), o = 0;
	char out[512], line[PN_BDAT_LINE_MAX];
	struct pn_bdat b;
	pn_bdat_init(&b, n, t->chunk);
	bool ok = true;
	for (size_t i = 0; ok && i < n;) {
		size_t blk = n - i < t->block ? n - i : t->block;
		while (ok && blk) {
			if (!b.left) {
				ok = pn_bdat_begin(&b, line);
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\r\n", line);
			}
			size_t k = pn_bdat_take(&b, blk);
			memcpy(out + o, t->in + i, k);
			o += k, i += k, blk -= k;
		}
	}
	if (ok && !b.chunks && pn_bdat_begin(&b, line)) /* the empty message */
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\r\n", line);
	tap_ok(ok, "%s: every chunk could begin", t->name);
	tap_ok(pn_bdat_done(&b), "%s: framed whole", t->name);
	tap_is_mem(out, o, t->want, strlen(t->want), t->name);
}

/* frame_limits - more octets than announced, or fewer, are caught */
static void frame_limits(void)
{
	struct pn_bdat b;
	char line[PN_BDAT_LINE_MAX];
	pn_bdat_init(&b, 3, 2);
	tap_ok(pn_bdat_begin(&b, line) && !pn_bdat_begin(&b, line), "a chunk begins only when the last is full");
	tap_is_int((long)pn_bdat_take(&b, 5), 2, "a chunk takes its size and no more");
	tap_ok(!pn_bdat_done(&b), "one octet short is not done");
	tap_ok(pn_bdat_begin(&b, line), "the last chunk begins");
	tap_is_str(line, "BDAT 1 LAST", "the last chunk is the rest, marked LAST");
	tap_is_int((long)pn_bdat_take(&b, 4), 1, "the last chunk takes the one octet left");
	tap_ok(pn_bdat_done(&b), "all framed");
	tap_ok(!pn_bdat_begin(&b, line), "no chunk after the LAST one");
	tap_is_int((long)pn_bdat_take(&b, 4), 0, "and no octet");
}

int main(void)
{
	static const struct fcase frames[] = {
		{"one chunk", "abcdef", 1 << 20, 4096, "BDAT 6 LAST\r\nabcdef"},
		{"two chunks, the last shorter", "abcdef", 4, 4096, "BDAT 4\r\nabcdBDAT 2 LAST\r\nef"},
		{"an exact multiple: the last is full", "abcdef", 3, 1, "BDAT 3\r\nabcBDAT 3 LAST\r\ndef"},
		{"blocks across chunks", "abcdefg", 2, 3, "BDAT 2\r\nabBDAT 2\r\ncdBDAT 2\r\nefBDAT 1 LAST\r\ng"},
		{"dots are not stuffed", ".\r\n", 8, 8, "BDAT 3 LAST\r\n.\r\n"},
		{"the empty message", "", 8, 8, "BDAT 0 LAST\r\n"},
	};
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		frame(&frames[i]);
	frame_limits();

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
