/* test_log.c - escaping of log and sidecar values, and exact log lines. */
#include "escape.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* member - the JSON member name of text decoded, "(missing)" when absent */
static const char *member(const char *text, const char *name)
{
	static char out[16384];
	struct pn_json j;
	const char *why;
	struct pn_buf b;
	pn_buf_init(&b, sizeof(out));
	if (!pn_json_parse(&j, text, strlen(text), &why))
		snprintf(out, sizeof(out), "(not JSON: %s)", why);
	else if (!pn_json_string(&j, name, &b))
		snprintf(out, sizeof(out), "(missing)");
	else
		snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	pn_buf_free(&b);
	return out;
}

/* json_line - e's JSON line at a fixed time (a static copy) */
static const char *json_line(const struct pn_log_entry *e)
{
	static char out[65536];
	struct timespec when = {1764584102, 123456789}; /* 2025-12-01T10:15:02.123Z */
	struct pn_buf b;
	pn_buf_init(&b, 1 << 20);
	bool ok = pn_log_format_json(e, &when, &b);
	snprintf(out, sizeof(out), "%s", ok ? b.data : "(cut)");
	pn_buf_free(&b);
	return out;
}

/* test_json - the JSON line: exact for ordinary values; hostile ones
 * (quotes, control bytes, invalid UTF-8, a long value) stay one line of
 * valid JSON that reads back */
static void test_json(void)
{
	struct pn_account a = {.host = "smtp.example.com", .user = "alice", .tls = 1, .auth = PN_AUTH_ON};
	struct pn_addrlist rcpt;
	pn_addrlist_init(&rcpt);
	pn_addrlist_add(&rcpt, "bob@example.org");
	pn_addrlist_add(&rcpt, "carol@example.org");
	struct pn_error ok;
	pn_error_init(&ok);
	pn_error_accepted(&ok, "smtp.example.com", 250, "2.0.0", "250 2.0.0 Ok: queued as 4Q7");
	struct pn_log_entry e = {&a, "alice@example.com", &rcpt, 1873, &ok, NULL};
	tap_is_str(json_line(&e),
		   "{\"timestamp\":\"2025-12-01T10:15:02.123Z\",\"host\":\"smtp.example.com\",\"tls\":true,\"auth\":true,"
		   "\"user\":\"alice\",\"from\":\"alice@example.com\",\"recipients\":[\"bob@example.org\",\"carol@example.org\"],"
		   "\"mailsize\":1873,\"smtpstatus\":250,\"smtpmsg\":\"250 2.0.0 Ok: queued as 4Q7\",\"exitcode\":\"EX_OK\"}",
		   "a delivered message as JSON: the text line's keys, a timestamp");

	char *longfrom = pn_xcalloc(1, 10001);
	memset(longfrom, 'x', 10000);
	longfrom[5000] = '"';
	struct pn_error bad;
	pn_error_init(&bad);
	pn_error_set(&bad, EX_DATAERR, "invalid sender");
	struct pn_account h = {.host = "h\"},\"exitcode\":\"EX_OK", .user = "u", .tls = 0, .auth = PN_AUTH_OFF};
	const char *hostile = "say \"hi\" \\ back\nline\x01\x1b[31m\x7f \xc2\x85 \xe2\x80\xa8 j\xc3\xb6rg";
	struct pn_log_entry g = {&h, "latin1 \xe9t\xe9 cut \xc3", &rcpt, 0, &bad, hostile};
	const char *l = json_line(&g);
	tap_ok(!strchr(l, '\n') && !strchr(l, '\x1b') && !strchr(l, '\x7f'), "hostile values: one line, no raw control byte");
	tap_is_str(member(l, "host"), "h\"},\"exitcode\":\"EX_OK", "a host with quotes reads back");
	tap_is_str(member(l, "exitcode"), "EX_DATAERR", "... and exitcode is the real one");
	tap_is_str(member(l, "deadletter"), "say \"hi\" \\ back\nline\x01\x1b[31m\x7f \xc2\x85 \xe2\x80\xa8 j\xc3\xb6rg",
		   "control bytes, C1, U+2028 and UTF-8 read back exactly");
	tap_ok(strstr(l, "\\u0001\\u001b[31m\\u007f \\u0085 \\u2028 j\xc3\xb6rg") != NULL,
	       "controls are \\u escapes, valid UTF-8 stays as it is");
	tap_is_str(member(l, "from"), "latin1 \xef\xbf\xbdt\xef\xbf\xbd cut \xef\xbf\xbd",
		   "each byte that is not UTF-8 becomes U+FFFD");
	tap_is_str(member(l, "errormsg"), "invalid sender", "errormsg");
	tap_ok(strstr(l, "\"tls\":false,\"auth\":false,\"from\"") && !strstr(l, "\"user\"") && !strstr(l, "mailsize"),
	       "booleans; no user without auth, no mailsize on failure");
	h.auth = PN_AUTH_ON;
	g.from = longfrom;
	l = json_line(&g);
	struct pn_buf big;
	pn_buf_init(&big, 1 << 20);
	struct timespec when = {0, 0};
	tap_ok(pn_log_format_json(&g, &when, &big), "a 10000-byte value is written whole");
	tap_ok(strlen(member(big.data, "from")) == 10000 && member(big.data, "from")[5000] == '"',
	       "... and reads back whole");
	tap_is_str(member(big.data, "timestamp"), "1970-01-01T00:00:00.000Z", "the timestamp is UTC, RFC 3339");
	pn_buf_free(&big);
	free(longfrom);

	/* a warning, and a log file line: the object alone, no time stamp before it */
	char path[] = "/tmp/test_log.XXXXXX", w[4096] = "";
	int fd = mkstemp(path);
	struct pn_error err;
	pn_error_init(&err);
	a.log_format = PN_LOG_JSON;
	a.logfile_time_format = (char *)"%b";
	bool wrote = fd >= 0 && pn_log_warning(&a, fd, path, -1, NULL, "warning: \"x\"\n", &err) &&
		     pn_log_write(&e, fd, path, -1, NULL, &err);
	ssize_t wn = wrote ? pread(fd, w, sizeof(w) - 1, 0) : -1;
	w[wn > 0 ? wn : 0] = '\0';
	char *second = strchr(w, '\n');
	tap_ok(wrote && second && strncmp(w, "{\"timestamp\":\"", 14) == 0 && strncmp(second + 1, "{\"timestamp\":\"", 14) == 0,
	       "log_format json: each line of the file is the object alone");
	if (second)
		*second = '\0';
	tap_is_str(member(w, "warning"), "warning: \"x\"\n", "a warning is {timestamp, warning}");
	tap_is_str(second ? member(second + 1, "exitcode") : "", "EX_OK", "the message's line follows");
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	pn_addrlist_free(&rcpt);
}

/* jfield - the value of field name in a native-protocol datagram d[0..n)
 * read as journald reads it, into out; false when absent or malformed */
static bool jfield(const char *d, size_t n, const char *name, char *out, size_t size)
{
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(d + i, '\n', n - i);
		const char *eq = memchr(d + i, '=', n - i);
		if (!nl)
			return false;
		size_t klen, vlen;
		const char *v;
		if (eq && eq < nl) {
			klen = (size_t)(eq - (d + i));
			v = eq + 1;
			vlen = (size_t)(nl - v);
		} else {
			klen = (size_t)(nl - (d + i));
			if ((size_t)(nl - d) + 9 > n)
				return false;
			unsigned long long len = 0;
			for (int k = 7; k >= 0; k--)
				len = len << 8 | (unsigned char)nl[1 + k];
			v = nl + 9;
			vlen = (size_t)len;
			if ((size_t)(v - d) + vlen + 1 > n || v[vlen] != '\n')
				return false;
			nl = v + vlen;
		}
		if (klen == strlen(name) && memcmp(d + i, name, klen) == 0) {
			snprintf(out, size, "%.*s", (int)vlen, v);
			return true;
		}
		i = (size_t)(nl - d) + 1;
	}
	return false;
}

/* big_entry - an entry larger than a datagram may be reaches the test
 * journal socket s (at path) as journald takes it: a sealed memfd */
static void big_entry(int s, const char *path)
{
	size_t n = 4 << 20;
	char *big = pn_xmalloc(n);
	memset(big, 'r', n);
	memcpy(big, "POSTERN_RECIPIENTS=", 19);
	big[n - 1] = '\n';
	tap_ok(pn_journal_send(path, big, n), "a 4 MiB entry is sent");
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char one;
	struct iovec iov = {&one, 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
	ssize_t got = recvmsg(s, &mh, MSG_DONTWAIT);
	struct cmsghdr *c = got >= 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	int fd = -1;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	tap_ok(got == 0 && fd >= 0, "... as a descriptor alone, no bytes");
	int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : 0;
	tap_ok((seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
	       "... of a sealed memfd");
	char *back = pn_xmalloc(n + 1);
	ssize_t r = fd >= 0 ? pread(fd, back, n + 1, 0) : -1;
	tap_ok(r == (ssize_t)n && memcmp(back, big, n) == 0, "... holding the entry");
	if (fd >= 0)
		close(fd);
	free(back);
	free(big);
}

/* test_journal - the native protocol: plain and binary-safe fields, the
 * entry's fields, and the datagram through a socket */
static void test_journal(void)
{
	struct pn_buf d;
	pn_buf_init(&d, 4096);
	tap_ok(pn_journal_field(&d, "A", "x=y", 3) && pn_journal_field(&d, "B", "l1\nl2", 5), "two fields");
	tap_ok(d.len == 6 + 2 + 8 + 5 + 1 && memcmp(d.data, "A=x=y\nB\n\x05\0\0\0\0\0\0\0l1\nl2\n", d.len) == 0,
	       "a value with a line feed: name, 64-bit little-endian length, value");
	pn_buf_free(&d);

	struct pn_account a = {.host = "smtp.example.com", .user = "alice", .tls = 1, .auth = PN_AUTH_ON};
	struct pn_addrlist rcpt;
	pn_addrlist_init(&rcpt);
	pn_addrlist_add(&rcpt, "bob@example.org");
	pn_addrlist_add(&rcpt, "carol@example.org");
	struct pn_error fail;
	pn_error_init(&fail);
	pn_error_reply(&fail, PN_PHASE_AUTH, "smtp.example.com", 535, "5.7.8", "535 5.7.8 no",
		       "authentication failed:\nsecond line");
	struct pn_log_entry e = {&a, "a@b\nexitcode=EX_OK", &rcpt, 0, &fail, NULL};
	pn_buf_init(&d, 1 << 20);
	tap_ok(pn_log_journal(&e, "the text line", 2 << 3, "postern", &d), "the entry's datagram");
	char v[256];
	static const char *const want[][2] = {
		{"MESSAGE", "the text line"}, {"PRIORITY", "3"}, {"SYSLOG_IDENTIFIER", "postern"},
		{"SYSLOG_FACILITY", "2"}, {"POSTERN_HOST", "smtp.example.com"}, {"POSTERN_TLS", "on"},
		{"POSTERN_USER", "alice"}, {"POSTERN_FROM", "a@b\nexitcode=EX_OK"},
		{"POSTERN_RECIPIENTS", "bob@example.org,carol@example.org"}, {"POSTERN_SMTPSTATUS", "535"},
		{"POSTERN_SMTPMSG", "535 5.7.8 no"}, {"POSTERN_ERRORMSG", "authentication failed: second line"},
		{"POSTERN_EXITCODE", "EX_NOPERM"},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(want); i++) {
		char what[96];
		snprintf(what, sizeof(what), "journal field %s", want[i][0]);
		tap_is_str(jfield(d.data, d.len, want[i][0], v, sizeof(v)) ? v : "(absent)", want[i][1], what);
	}
	tap_ok(!jfield(d.data, d.len, "POSTERN_MAILSIZE", v, sizeof(v)), "no mailsize on failure");

	char dir[] = "/tmp/test_journal.XXXXXX";
	char path[64];
	tap_ok(mkdtemp(dir) != NULL, "a directory for the test socket");
	snprintf(path, sizeof(path), "%s/socket", dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	tap_ok(!pn_journal_send(path, d.data, d.len), "no socket there: not sent (syslog(3) instead)");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	tap_ok(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "a test journal socket");
	tap_ok(pn_journal_send(path, d.data, d.len), "sent to it");
	char got[4096];
	ssize_t n = recv(s, got, sizeof(got), MSG_DONTWAIT);
	tap_ok(n == (ssize_t)d.len && memcmp(got, d.data, d.len) == 0, "one datagram, the entry's bytes");
	big_entry(s, path);
	close(s);
	unlink(path);
	rmdir(dir);
	pn_buf_free(&d);
	pn_addrlist_free(&rcpt);
}

int main(void)
{
	test_escape();
	test_unescape();
	test_format();
	test_stamp();
	test_json();
	test_journal();
	return tap_done();
}
