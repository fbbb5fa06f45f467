/* test_mime.c - the quoted-printable encoder, the boundary parameter, the
 * MIME walk and the 7-bit conversion (golden outputs and properties: lines
 * of at most 76, only 7-bit bytes, decoding gives the input back), and a
 * NUL in the body or the header of a message read from a file. */
#include "mime.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* qp - pn_qp over text whose "\n" are hard line breaks */
static char *qp(const char *p, size_t n, bool *ok)
{
	struct pn_buf out;
	pn_buf_init(&out, 1 << 24);
	struct pn_qp q;
	pn_qp_init(&q);
	*ok = true;
	for (size_t i = 0; i < n;) {
		const char *lf = memchr(p + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - p) : n;
		*ok = *ok && pn_qp_feed(&q, p + i, end - i, &out) && (!lf || pn_qp_eol(&q, &out));
		i = end + 1;
	}
	*ok = *ok && pn_qp_finish(&q, &out);
	char *s = pn_xstrndup(out.data ? out.data : "", out.len);
	pn_buf_free(&out);
	return s;
}

/* qp_decode - RFC 2045 6.7 decoding of a quoted-printable text */
static size_t qp_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '\n') {
			i++;
		} else if (s[i] == '=' && i + 2 < n && pn_hexval(s[i + 1]) >= 0 && pn_hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(pn_hexval(s[i + 1]) * 16 + pn_hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* lines_fit - every line at most 76 characters, 7-bit, no NUL, no blank
 * before a line end */
static bool lines_fit(const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			if (i && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				return false;
			col = 0;
			continue;
		}
		if (c >= 0x80 || !c || ++col > 76)
			return false;
	}
	return true;
}

/* seven_bit - no byte above 127, no NUL */
static bool seven_bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || !s[i])
			return false;
	return true;
}

/* qp_golden - chosen inputs and their exact encoding */
static void qp_golden(void)
{
	static const struct {
		const char *name, *in, *want;
	} t[] = {
	    {"plain text as it is", "hello world\n", "hello world\n"},
	    {"= is encoded", "a=b\n", "a=3Db\n"},
	    {"a trailing space is encoded", "a \n", "a=20\n"},
	    {"a trailing tab is encoded", "a\t\n", "a=09\n"},
	    {"blanks inside a line stay", "a  b\tc\n", "a  b\tc\n"},
	    {"a blank at the very end is encoded", "end ", "end=20"},
	    {"8-bit bytes are =XX", "caf\xc3\xa9\n", "caf=C3=A9\n"},
	    {"DEL and controls are =XX", "\x7f\x01\x1b\n", "=7F=01=1B\n"},
	    {"an empty line stays", "a\n\nb\n", "a\n\nb\n"},
	    {"75 characters fit on a line",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"},
	    {"the 76th character goes after a soft break",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy\n",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\ny\n"},
	    {"a - after a soft break is encoded: no line reads as a boundary",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx--b\n",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\n=2D-b\n"},
	    {"a - at the start of a text line stays", "-- \nsig\n", "--=20\nsig\n"},
	    {"an =XX is not split by a soft break",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xff\n",
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\n=FF\n"},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(t); i++) {
		bool ok;
		char *got = qp(t[i].in, strlen(t[i].in), &ok);
		tap_ok(ok, "qp: %s: encoded", t[i].name);
		tap_is_str(got, t[i].want, t[i].name);
		free(got);
	}
	bool ok;
	char *got = qp("a\0b\n", 4, &ok);
	tap_is_str(got, "a=00b\n", "qp: NUL is =00");
	free(got);
}

/* qp_property - random bytes: lines fit, and decoding gives them back */
static void qp_property(void)
{
	static const char pool[] = "ab =\t\n\0\x7f\xc3\xa9.";
	srand(7);
	bool fit = true, same = true;
	for (int round = 0; round < 300; round++) {
		char in[600], dec[2000];
		size_t n = (size_t)(rand() % 600);
		for (size_t i = 0; i < n; i++)
			in[i] = pool[rand() % (int)(sizeof(pool) - 1)];
		bool ok;
		char *out = qp(in, n, &ok);
		size_t on = strlen(out);
		fit = fit && ok && lines_fit(out, on);
		same = same && qp_decode(out, on, dec) == n && memcmp(dec, in, n) == 0;
		free(out);
	}
	tap_ok(fit, "qp: 300 random texts: lines of at most 76, 7-bit, no blank before a line end");
	tap_ok(same, "qp: 300 random texts decode to themselves");
}

/* boundaries - the boundary parameter of Content-Type */
static void boundaries(void)
{
	static const struct {
		const char *ct, *want;
	} t[] = {
	    {"multipart/mixed; boundary=abc", "abc"},
	    {"multipart/mixed; BOUNDARY=abc", "abc"},
	    {"multipart/mixed;boundary = \"a b:c\"", "a b:c"},
	    {"multipart/mixed; charset=x; Boundary=\"q\\\"x\"", "q\"x"},
	    {"multipart/mixed; (comment) boundary=abc (another)", "abc"},
	    {"multipart/mixed; xboundary=abc", NULL},
	    {"multipart/mixed", NULL},
	    {"multipart/mixed; boundary=\"\"", NULL},
	    {"multipart/mixed; boundary="
	     "\"01234567890123456789012345678901234567890123456789012345678901234567890\"",
	     NULL},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(t); i++) {
		char *b = pn_mime_boundary(t[i].ct);
		tap_is_str(b, t[i].want, t[i].ct);
		free(b);
	}
}

/* convert_is - the conversion of in is want exactly (with utf8 headers or not) */
static void convert_is(const char *name, const char *in, size_t n, bool utf8, const char *want)
{
	struct pn_buf out;
	pn_buf_init(&out, 1 << 24);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_mime_info info;
	bool ok = pn_mime_convert_mem(in, n, false, utf8, &out, &info, &err);
	tap_ok(ok, "convert: %s: converted", name);
	if (!ok)
		printf("#   %s\n", err.msg);
	tap_is_mem(out.data ? out.data : "", out.len, want, strlen(want), name);
	tap_ok(utf8 || seven_bit(out.data ? out.data : "", out.len), "convert: %s: only 7-bit bytes, no NUL",
	       name);
	pn_buf_free(&out);
}

/* refused - the conversion of in fails 65 with a message matching what */
static void refused(const char *name, const char *in, const char *what, bool want_binary)
{
	struct pn_buf out;
	pn_buf_init(&out, 1 << 24);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_mime_info info = {false, 0};
	bool ok = pn_mime_convert_mem(in, strlen(in), false, false, &out, &info, &err);
	bool binary = info.binary;
	tap_ok(!ok && err.code == EX_DATAERR, "refused: %s: 65", name);
	tap_ok(strstr(err.msg, what) != NULL, "refused: %s: says %s", name, what);
	if (!strstr(err.msg, what))
		printf("#   %s\n", err.msg);
	tap_is_int(binary, want_binary, "refused: binary flag");
	pn_buf_free(&out);
}

#define MP_HEAD "Subject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed;\n boundary=\"=_b 1\"\n\n"

/* single_parts - a message without MIME, and single-part ones */
static void single_parts(void)
{
	const char *utf = "Subject: s\n\ncaf\xc3\xa9 \n.\n";
	convert_is("no MIME, UTF-8", utf, strlen(utf), false,
	           "Subject: s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	           "Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9=20\n.\n");
	const char *latin = "Subject: s\n\ncaf\xe9\n";
	convert_is("no MIME, not UTF-8", latin, strlen(latin), false,
	           "Subject: s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=unknown-8bit\n"
	           "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n");
	const char *cte = "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
	                  "content-transfer-encoding: 8BIT\n\ncaf\xe9\r\n";
	convert_is("text/plain 8bit", cte, strlen(cte), false,
	           "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
	           "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n");
	const char nul[] = "Subject: cron\n\na\0b\n";
	convert_is("a NUL in a 7-bit body", nul, sizeof(nul) - 1, false,
	           "Subject: cron\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	           "Content-Transfer-Encoding: quoted-printable\n\na=00b\n");
	const char *seven = "Subject: s\n\nplain\n";
	convert_is("a 7-bit message is not changed", seven, strlen(seven), false, seven);
	const char *oct =
	    "Content-Type: application/octet-stream\nContent-Transfer-Encoding: 8bit\n\n\xff\xfe\n";
	convert_is("8-bit application data goes base64", oct, strlen(oct), false,
	           "Content-Type: application/octet-stream\nMIME-Version: 1.0\nContent-Transfer-Encoding: "
	           "base64\n\n//4NCg==");
}

/* headers - 8-bit header fields */
static void headers(void)
{
	const char *subj = "Subject: caf\xc3\xa9\nX-Note:  \xc3\xa9t\xc3\xa9 \nTo: bob@example.org\n\nbody\n";
	convert_is(
	    "an 8-bit Subject and X- field are encoded", subj, strlen(subj), false,
	    "Subject: =?utf-8?B?Y2Fmw6k=?=\nX-Note: =?utf-8?B?w6l0w6k=?=\nTo: bob@example.org\n\nbody\n");
	convert_is("with SMTPUTF8 the fields stay", subj, strlen(subj), true, subj);
	refused("8-bit in To", "To: J\xc3\xb6rg <j@example.org>\n\nbody\n", "header field To holds 8-bit",
	        false);
	refused("a Latin-1 Subject", "Subject: caf\xe9\n\nbody\n", "header field Subject holds 8-bit", false);
	const char part_nul[] = MP_HEAD "--=_b 1\nContent-Description: a\0b\n\ntext\n--=_b 1--\n";
	struct pn_buf out;
	pn_buf_init(&out, 1 << 20);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_mime_info info;
	bool ok = pn_mime_convert_mem(part_nul, sizeof(part_nul) - 1, false, true, &out, &info, &err);
	tap_ok(!ok && err.code == EX_DATAERR && strstr(err.msg, "NUL"),
	       "a NUL in a part's header is refused, SMTPUTF8 or not");
	pn_buf_free(&out);
}

/* multiparts - nested multiparts, folded headers, quoted boundaries */
static void multiparts(void)
{
	const char *in =
	    MP_HEAD "preamble\n"
	            "--=_b 1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
	            "gr\xc3\xbc\xc3\x9f \n"
	            "--=_b 1\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n"
	            "--=_b 1  \nContent-Type: MULTIPART/alternative; Boundary=inner\n"
	            "Content-Transfer-Encoding: 8bit\n\n"
	            "--inner\n\n\xc3\xa9\n--inner\nContent-Type: text/html\n\n<p>ascii</p>\n--inner--\n"
	            "--=_b 1--\nepilogue\n";
	convert_is("nested multipart", in, strlen(in), false,
	           MP_HEAD
	           "preamble\n"
	           "--=_b 1\nContent-Type: text/plain; charset=utf-8\n"
	           "Content-Transfer-Encoding: quoted-printable\n\ngr=C3=BC=C3=9F=20\n"
	           "--=_b 1\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n"
	           "--=_b 1  \nContent-Type: MULTIPART/alternative; Boundary=inner\n"
	           "Content-Transfer-Encoding: 7bit\n\n"
	           "--inner\nContent-Transfer-Encoding: quoted-printable\n\n=C3=A9\n"
	           "--inner\nContent-Type: text/html\n\n<p>ascii</p>\n--inner--\n"
	           "--=_b 1--\nepilogue\n");
	const char *msg = MP_HEAD "--=_b 1\nContent-Type: message/rfc822\nContent-Transfer-Encoding: 8bit\n\n"
	                          "Subject: inner\n\n\xc3\xa9\n--=_b 1--\n";
	convert_is("message/rfc822 inside", msg, strlen(msg), false,
	           MP_HEAD "--=_b 1\nContent-Type: message/rfc822\nContent-Transfer-Encoding: 7bit\n\n"
	                   "Subject: inner\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	                   "Content-Transfer-Encoding: quoted-printable\n\n=C3=A9\n--=_b 1--\n");
	const char *signed_part = MP_HEAD "--=_b 1\n\nascii  \n--=_b 1\n\n\xc3\xa9\n--=_b 1--\n";
	convert_is("a 7-bit part stays byte for byte", signed_part, strlen(signed_part), false,
	           MP_HEAD
	           "--=_b 1\n\nascii  \n--=_b 1\nContent-Transfer-Encoding: quoted-printable\n\n=C3=A9\n"
	           "--=_b 1--\n");
	const char *crlf =
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n\xc3\xa9\r\nx\r\n--b--\r\n";
	convert_is("CRLF lines", crlf, strlen(crlf), false,
	           "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: "
	           "quoted-printable\n\n"
	           "=C3=A9\nx\n--b--\n");
	const char *unclosed = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n\xc3\xa9\n";
	convert_is("no close delimiter", unclosed, strlen(unclosed), false,
	           "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: "
	           "quoted-printable\n\n"
	           "=C3=A9\n");
}

/* keep8 - a server with 8BITMIME: only the part with a NUL changes */
static void keep8(void)
{
	static const char in[] =
	    "From: J\xc3\xb6rg <j@example.org>\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Transfer-Encoding: 8bit\n\n\xc3\xa9\n--b\n\na\0b\n--b--\n";
	static const char want[] =
	    "From: J\xc3\xb6rg <j@example.org>\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Transfer-Encoding: 8bit\n\n\xc3\xa9\n"
	    "--b\nContent-Transfer-Encoding: quoted-printable\n\na=00b\n--b--\n";
	struct pn_buf out;
	pn_buf_init(&out, 1 << 20);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_mime_info info;
	bool ok = pn_mime_convert_mem(in, sizeof(in) - 1, true, true, &out, &info, &err);
	tap_ok(ok, "keep8: converted");
	tap_is_mem(out.data ? out.data : "", out.len, want, sizeof(want) - 1,
	           "keep8: the 8-bit part and header stay, the NUL part goes quoted-printable");
	pn_buf_free(&out);
}

/* refusals - what cannot be converted */
static void refusals(void)
{
	refused("binary part", MP_HEAD "--=_b 1\nContent-Transfer-Encoding: binary\n\n\xff\n--=_b 1--\n",
	        "binary", true);
	refused("a binary message", "Content-Transfer-Encoding: Binary\n\n\xff\n", "binary", true);
	refused("a multipart without boundary", "Content-Type: multipart/mixed\n\n--x\n\n\xc3\xa9\n--x--\n",
	        "without a boundary", false);
	refused("8-bit in the preamble", MP_HEAD "pr\xc3\xa9\n--=_b 1\n\nx\n--=_b 1--\n", "before the first",
	        false);
	refused("8-bit in a base64 part", "Content-Transfer-Encoding: base64\n\n\xc3\xa9\n", "encoded",
	        false);
	struct pn_buf out;
	pn_buf_init(&out, 1 << 20);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_mime_info info = {false, 0};
	const char *seven_binary = "Content-Transfer-Encoding: binary\n\nascii\n";
	bool ok = pn_mime_convert_mem(seven_binary, strlen(seven_binary), false, false, &out, &info, &err);
	tap_ok(ok && info.binary, "a 7-bit binary part goes as it is, and is noted binary");
	pn_buf_free(&out);
}

/* deep - nesting past the limit with 8-bit data in it is refused */
static void deep(void)
{
	struct pn_buf in;
	pn_buf_init(&in, 1 << 20);
	bool ok = true;
	for (int i = 0; i < 40; i++)
		ok = ok && pn_buf_printf(&in, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	ok = ok && pn_buf_addstr(&in, "\n\xc3\xa9\n");
	tap_ok(ok, "deep: input built");
	refused("40 levels deep", in.data, "nested", false);
	pn_buf_free(&in);
}

/* message_nul - pn_message_read: a NUL in the body is noted, one in the
 * header block refused; the converted copy of a large file is 7-bit and
 * its size is what it streams */
static void message_nul(void)
{
	char path[] = "/tmp/test_mime.XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	const char in[] = "Subject: s\n\na\0b\n";
	bool ok = fd >= 0 && pn_write_all(fd, in, sizeof(in) - 1) && lseek(fd, 0, SEEK_SET) == 0;
	struct pn_message m;
	struct pn_error err;
	pn_error_init(&err);
	ok = ok && pn_message_read(&m, fd, true, NULL, &err);
	tap_ok(ok && m.nul && !m.eightbit, "a NUL in the body is read and noted");
	tap_ok(ok && pn_message_prepare(&m, &err) && !m.binary, "prepared");
	struct pn_message *c = ok ? pn_mime_convert(&m, false, false, &err) : NULL;
	tap_ok(c && !c->nul && !c->eightbit, "its converted copy has no NUL");
	pn_mime_free(c);
	pn_message_free(&m);
	if (fd >= 0)
		close(fd);

	char path2[] = "/tmp/test_mime.XXXXXX";
	fd = mkstemp(path2);
	unlink(path2);
	const char bad[] = "Subject: a\0b\n\nbody\n";
	ok = fd >= 0 && pn_write_all(fd, bad, sizeof(bad) - 1) && lseek(fd, 0, SEEK_SET) == 0;
	pn_error_init(&err);
	ok = ok && !pn_message_read(&m, fd, true, NULL, &err);
	tap_ok(ok && err.code == EX_DATAERR && strstr(err.msg, "header"), "a NUL in the header block: 65");
	pn_message_free(&m);
	if (fd >= 0)
		close(fd);
}

/* count - a sink that counts and checks for 8-bit bytes */
struct tally {
	size_t n;
	bool high;
};
static bool tally(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	struct tally *t = ctx;
	(void)err;
	t->n += n;
	for (size_t i = 0; i < n; i++)
		t->high |= (unsigned char)p[i] >= 0x80 || !p[i];
	return true;
}

/* big - a 2.7 MB 8-bit message read from a file converts; SIZE counts
 * the converted copy */
static void big(void)
{
	char path[] = "/tmp/test_mime.XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	static const char line[] =
	    "caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 \0x\n";
	bool ok = fd >= 0 && pn_write_all(fd, "Subject: big\n\n", 14);
	for (int i = 0; ok && i < 70000; i++)
		ok = pn_write_all(fd, line, sizeof(line) - 1);
	ok = ok && lseek(fd, 0, SEEK_SET) == 0;
	struct pn_message m;
	struct pn_error err;
	pn_error_init(&err);
	ok = ok && pn_message_read(&m, fd, true, NULL, &err) && pn_message_prepare(&m, &err);
	struct pn_message *c = ok ? pn_mime_convert(&m, false, false, &err) : NULL;
	struct tally t0 = {0, false};
	tap_ok(ok && pn_message_canon(&m, tally, &t0, &err) && t0.n == m.size,
	       "big: the 8-bit original's size is what it streams (counted by the scan)");
	struct tally t = {0, false};
	bool streamed = c && pn_message_canon(c, tally, &t, &err);
	tap_ok(streamed && !t.high, "big: the converted copy is 7-bit");
	tap_ok(c && t.n == c->size && c->size > m.size,
	       "big: its size is what goes, larger than the original");
	pn_mime_free(c);
	if (ok)
		pn_message_free(&m);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	qp_golden();
	qp_property();
	boundaries();
	single_parts();
	headers();
	multiparts();
	keep8();
	refusals();
	deep();
	message_nul();
	big();
	return tap_done();
}
