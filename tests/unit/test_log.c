/* test_log.c - escaping of log and sidecar values, and exact log lines. */
#include "escape.h"
#include "log.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sysexits.h>

/* escaped - v as pn_escape writes it (a static buffer's copy) */
static const char *escaped(const char *v, bool quote)
{
	static char out[512];
	struct pn_buf b;
	pn_buf_init(&b, 4096);
	bool ok = pn_escape(&b, v, quote);
	snprintf(out, sizeof(out), "%s", ok && b.data ? b.data : "(failed)");
	pn_buf_free(&b);
	return out;
}

/* unescaped - v[0..n) read back; "(refused)" when pn_unescape says no */
static const char *unescaped(const char *v, size_t n)
{
	static char out[512];
	struct pn_buf b;
	pn_buf_init(&b, 4096);
	bool ok = pn_unescape(v, n, &b);
	snprintf(out, sizeof(out), "%s", !ok ? "(refused)" : b.data ? b.data : "");
	pn_buf_free(&b);
	return out;
}

struct ecase {
	const char *in, *want;
	bool quote;
};

/* test_escape - the table of documented forms */
static void test_escape(void)
{
	static const struct ecase cases[] = {
		{"alice@example.com", "alice@example.com", false},
		{"", "", false},
		{"", "''", true},
		{"j\xc3\xb6rg@example.com", "j\xc3\xb6rg@example.com", false},
		{"a b", "'a b'", false},
		{"a@b\nx recipients=evil exitcode=EX_OK", "'a@b\\nx recipients\\x3devil exitcode\\x3dEX_OK'", false},
		{"it's", "'it\\x27s'", false},
		{"say \"hi\"", "'say \"hi\"'", false},
		{"back\\slash", "'back\\\\slash'", false},
		{"tab\there\rcr", "'tab\\there\\rcr'", false},
		{"esc\x1b[31m", "'esc\\x1b[31m'", false},
		{"del\x7f", "'del\\x7f'", false},
		{"latin1 \xe9t\xe9", "'latin1 \\xe9t\\xe9'", false},
		{"c1 \xc2\x85", "'c1 \\xc2\\x85'", false},
		{"cut \xc3", "'cut \\xc3'", false},
		{"535 5.7.8 Error: authentication failed", "'535 5.7.8 Error: authentication failed'", true},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++) {
		char what[64];
		snprintf(what, sizeof(what), "escape case %zu", i);
		tap_is_str(escaped(cases[i].in, cases[i].quote), cases[i].want, what);
	}
}

/* test_unescape - strict reading: every escaped form reads back, and what
 * pn_escape never writes is refused */
static void test_unescape(void)
{
	static const char *const back[] = {"plain@x", "a b", "x\ny=z", "it's", "\\", "\xff\xfe", "\x01\x7f", "",
					   "j\xc3\xb6rg", "say \"hi\""};
	for (size_t i = 0; i < PN_ARRAY_LEN(back); i++) {
		const char *e = escaped(back[i], i % 2);
		char copy[512];
		snprintf(copy, sizeof(copy), "%s", e);
		tap_is_str(unescaped(copy, strlen(copy)), back[i], i % 2 ? "round trip, quoted" : "round trip");
	}
	static const char *const bad[] = {"a b", "a=b", "'a", "'a'b", "'\\q'", "'\\x0'", "'\\x00'", "'\\xZZ'",
					  "'\\x4A'", "'\\'", "'a\nb'", "'a'b'", "it's", "a\"b", "a\\nb", "\xff",
					  "'=\\x3d'", "'\xc3'", "\x7f", "'\x01'"};
	for (size_t i = 0; i < PN_ARRAY_LEN(bad); i++) {
		char what[64];
		snprintf(what, sizeof(what), "refused form %zu", i);
		tap_is_str(unescaped(bad[i], strlen(bad[i])), "(refused)", what);
	}
	tap_is_str(unescaped("a\0b", 3), "(refused)", "a NUL byte");
	const char *each = "'\\x41\\\\\\n\\r\\t'";
	tap_is_str(unescaped(each, strlen(each)), "A\\\n\r\t", "each escape");
}

/* count - how often needle occurs in s */
static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* line - the formatted line of e */
static const char *line(const struct pn_log_entry *e)
{
	static char out[1024];
	struct pn_buf b;
	pn_buf_init(&b, 1 << 20);
	bool ok = pn_log_format(e, &b);
	snprintf(out, sizeof(out), "%s", ok ? b.data : "(cut)");
	pn_buf_free(&b);
	return out;
}

/* test_format - exact lines: msmtp's for ordinary values, one line with
 * each key once for hostile ones */
static void test_format(void)
{
	struct pn_account a = {.host = "smtp.example.com", .user = "alice", .tls = 1, .auth = PN_AUTH_ON};
	struct pn_addrlist rcpt;
	pn_addrlist_init(&rcpt);
	pn_addrlist_add(&rcpt, "bob@example.org");
	pn_addrlist_add(&rcpt, "carol@example.org");
	struct pn_error ok;
	pn_error_init(&ok);
	pn_error_accepted(&ok, "smtp.example.com", 250, "2.0.0", "250 2.0.0 Ok: queued as 4Q7 (it's 'x')");
	struct pn_log_entry e = {&a, "alice@example.com", &rcpt, 1873, &ok, NULL};
	tap_is_str(line(&e),
		   "host=smtp.example.com tls=on auth=on user=alice from=alice@example.com "
		   "recipients=bob@example.org,carol@example.org mailsize=1873 smtpstatus=250 "
		   "smtpmsg='250 2.0.0 Ok: queued as 4Q7 (it\\x27s \\x27x\\x27)' exitcode=EX_OK",
		   "a delivered message: msmtp's line, with the smarthost's acceptance");
	struct pn_error none;
	pn_error_init(&none);
	struct pn_log_entry n = {&a, "alice@example.com", &rcpt, 12, &none, NULL};
	tap_is_str(line(&n),
		   "host=smtp.example.com tls=on auth=on user=alice from=alice@example.com "
		   "recipients=bob@example.org,carol@example.org mailsize=12 exitcode=EX_OK",
		   "no reply known: no smtpstatus");

	struct pn_error fail;
	pn_error_init(&fail);
	pn_error_reply(&fail, PN_PHASE_AUTH, "smtp.example.com", 535, "5.7.8", "535 5.7.8 it's wrong",
		       "smtp.example.com:587: authentication failed: 535 it's wrong");
	struct pn_log_entry f = {&a, "", &rcpt, 0, &fail, "/var/dead/new/1.P2.h"};
	tap_is_str(line(&f),
		   "host=smtp.example.com tls=on auth=on user=alice from= "
		   "recipients=bob@example.org,carol@example.org smtpstatus=535 smtpmsg='535 5.7.8 it\\x27s wrong' "
		   "errormsg='smtp.example.com:587: authentication failed: 535 it\\x27s wrong' "
		   "deadletter=/var/dead/new/1.P2.h exitcode=EX_NOPERM",
		   "a refusal: smtpstatus, smtpmsg, errormsg, deadletter");

	struct pn_error bad;
	pn_error_init(&bad);
	pn_error_set(&bad, EX_DATAERR, "invalid sender a@b\nx recipients=evil exitcode=EX_OK");
	struct pn_account h = {.host = "h\nexitcode=EX_OK", .user = "u s", .tls = 0, .auth = PN_AUTH_ON};
	struct pn_addrlist evil;
	pn_addrlist_init(&evil);
	pn_addrlist_add(&evil, "x@y exitcode=EX_OK\n");
	struct pn_log_entry g = {&h, "a@b\nx recipients=evil exitcode=EX_OK", &evil, 0, &bad, "/d ir/new/x"};
	const char *l = line(&g);
	tap_is_str(l,
		   "host='h\\nexitcode\\x3dEX_OK' tls=off auth=on user='u s' "
		   "from='a@b\\nx recipients\\x3devil exitcode\\x3dEX_OK' "
		   "recipients='x@y exitcode\\x3dEX_OK\\n' "
		   "errormsg='invalid sender a@b x recipients\\x3devil exitcode\\x3dEX_OK' "
		   "deadletter='/d ir/new/x' exitcode=EX_DATAERR",
		   "hostile values are escaped");
	tap_ok(!strchr(l, '\n') && count(l, "exitcode=") == 1 && count(l, "recipients=") == 1 && count(l, "'") % 2 == 0,
	       "one line, each key once, quotes paired");
	pn_addrlist_free(&rcpt);
	pn_addrlist_free(&evil);
}

struct scase {
	const char *fmt, *prefix;
};

/* written - the log file's bytes after one pn_log_write of e */
static const char *written(const struct pn_log_entry *e)
{
	static char out[1024];
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path);
	struct pn_error err;
	pn_error_init(&err);
	if (fd < 0 || !pn_log_write(e, fd, path, -1, NULL, &err)) {
		snprintf(out, sizeof(out), "(not written)");
	} else {
		ssize_t n = pread(fd, out, sizeof(out) - 1, 0);
		out[n > 0 ? n : 0] = '\0';
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return out;
}

/* test_stamp - logfile_time_format: "none" (msmtp 1.8.28) writes no time
 * stamp and no blank before the line; a format is written before it */
static void test_stamp(void)
{
	static const struct scase cases[] = {
		{"none", ""},
		{"T", "T "},
		{"none ", "none  "}, /* only the exact word */
		{"%%none", "%none "},
	};
	struct pn_account a = {.host = "h.example", .tls = 1, .auth = PN_AUTH_OFF};
	struct pn_addrlist rcpt;
	pn_addrlist_init(&rcpt);
	pn_addrlist_add(&rcpt, "bob@example.org");
	struct pn_error ok;
	pn_error_init(&ok);
	struct pn_log_entry e = {&a, "a@example.com", &rcpt, 1, &ok, NULL};
	char want[1100], label[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a.logfile_time_format = (char *)cases[i].fmt;
		snprintf(want, sizeof(want), "%s%s\n", cases[i].prefix, line(&e));
		snprintf(label, sizeof(label), "logfile_time_format '%s': the line as written", cases[i].fmt);
		tap_is_str(written(&e), want, label);
	}
	pn_addrlist_free(&rcpt);
}

int main(void)
{
	test_escape();
	test_unescape();
	test_format();
	test_stamp();
	return tap_done();
}
