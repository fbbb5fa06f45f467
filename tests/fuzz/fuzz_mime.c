/* fuzz_mime.c - libFuzzer target for the MIME walk and the 7-bit
 * conversion (mime.c).
 *
 * The first input byte chooses SMTPUTF8 (bit 0: header fields stay) and
 * 8BITMIME (bit 1: only NUL bytes are encoded); the rest is the message.
 * When the conversion succeeds:
 *  - the output holds no NUL, and with neither bit no byte above 127;
 *  - converting the output again succeeds, finds as many parts, and changes
 *    nothing (only a line end may be added at the very end): a converted
 *    message needs nothing more, and its structure is the same (no encoded
 *    line reads as a boundary).
 * A refusal must be 65 with a message.  The rest of the input also goes
 * through the quoted-printable encoder: lines of at most 76 characters,
 * 7-bit, and decoding gives the input back.
 */
#include "../../src/mime.h"
#include "invariants.h"

#include <stdint.h>
#include <sysexits.h>

/* check_bytes - no NUL; no 8-bit byte unless allowed */
static void check_bytes(const char *p, size_t n, bool utf8)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!c)
			fuzz_fail("a NUL in the converted message", i);
		if (c >= 0x80 && !utf8)
			fuzz_fail("an 8-bit byte in the converted message", i);
	}
}

/* again - the converted message converts to itself, with as many parts */
static void again(const struct pn_buf *first, bool keep8, bool utf8, size_t parts)
{
	struct pn_buf out;
	pn_buf_init(&out, (size_t)1 << 28);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_mime_info info;
	if (!pn_mime_convert_mem(first->data ? first->data : "", first->len, keep8, utf8, &out, &info, &err))
		fuzz_fail("a converted message is refused when converted again", 0);
	if (info.parts != parts)
		fuzz_fail("the converted message has another structure", info.parts);
	size_t n = first->len;
	bool same = out.len >= n &&
	            memcmp(out.data ? out.data : "", first->data ? first->data : "", n) == 0 &&
	            (out.len == n || (out.len == n + 1 && out.data[n] == '\n'));
	if (!same)
		fuzz_fail("converting a converted message changes it", n);
	pn_buf_free(&out);
}

/* qp_round_trip - p[0..n) through the encoder and back */
static void qp_round_trip(const char *p, size_t n)
{
	struct pn_buf out;
	pn_buf_init(&out, (size_t)1 << 28);
	struct pn_qp q;
	pn_qp_init(&q);
	for (size_t i = 0; i < n;) {
		const char *lf = memchr(p + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - p) : n;
		if (!pn_qp_feed(&q, p + i, end - i, &out) || (lf && !pn_qp_eol(&q, &out)))
			abort();
		i = end + 1;
	}
	if (!pn_qp_finish(&q, &out))
		abort();
	char *dec = malloc(out.len + 1);
	size_t o = 0, col = 0;
	for (size_t i = 0; i < out.len; i++) {
		char c = out.data[i];
		col = c == '\n' ? 0 : col + 1;
		if (col > 76 || (unsigned char)c >= 0x80 || !c)
			fuzz_fail("a quoted-printable line is too long or not 7-bit", i);
		if (c == '=' && i + 1 < out.len && out.data[i + 1] == '\n') {
			i++;
			col = 0;
		} else if (c == '=' && i + 2 < out.len) {
			dec[o++] = (char)(pn_hexval(out.data[i + 1]) * 16 + pn_hexval(out.data[i + 2]));
			i += 2;
			col += 2;
		} else {
			dec[o++] = c;
		}
	}
	if (o != n || (n && memcmp(dec, p, n) != 0))
		fuzz_fail("quoted-printable does not decode to its input", o);
	free(dec);
	pn_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	bool utf8 = data[0] & 1, keep8 = data[0] & 2;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	struct pn_buf out;
	pn_buf_init(&out, (size_t)1 << 28);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_mime_info info;
	if (pn_mime_convert_mem(p, n, keep8, utf8, &out, &info, &err)) {
		check_bytes(out.data ? out.data : "", out.len, utf8 || keep8);
		again(&out, keep8, utf8, info.parts);
	} else if (err.code != EX_DATAERR || !err.msg[0]) {
		fuzz_fail("a refusal that is not 65 with a reason", 0);
	}
	pn_buf_free(&out);
	qp_round_trip(p, n);
	return 0;
}
