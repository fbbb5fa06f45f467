/* test_message.c - reading the message, headers, recipients, Bcc removal,
 * added fields, and the transmitted form (canonical, dot-stuffed), from
 * pipes and temporary files under a mkdtemp() directory removed at the end. */
#include "message.h"
#include "tap.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

static char dir[256];
static char input_path[300];

/* ---- input and output helpers ---- */

/* write_all - false when not all n bytes could be written */
static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* the input as a caller gives it: a pipe (cron, PHP) or a regular file
 * (sendmail < report), which postern reads in place */
enum input_kind { INPUT_AUTO, INPUT_PIPE, INPUT_FILE };
static enum input_kind input_kind; /* AUTO: a pipe below 32 KiB, else a file */
static pid_t writer = -1;          /* the child that fills a large pipe */

/* pipe_fd - a pipe holding n bytes; beyond what a pipe buffers, a child
 * process writes them while the test reads (reaped by input_done) */
static int pipe_fd(const char *p, size_t n)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	if (n < 32768) {
		bool ok = write_all(fds[1], p, n);
		close(fds[1]);
		if (!ok)
			close(fds[0]);
		return ok ? fds[0] : -1;
	}
	fflush(stdout);
	writer = fork();
	if (writer == 0) {
		close(fds[0]);
		_exit(write_all(fds[1], p, n) ? 0 : 1);
	}
	close(fds[1]);
	if (writer < 0) {
		close(fds[0]);
		return -1;
	}
	return fds[0];
}

/* input_done - close the input unless the message reads it in place (then
 * free_msg closes it); reap the pipe's writer, which must have written all */
static void input_done(int fd, const struct pn_message *m)
{
	if (m->file_fd != fd)
		close(fd);
	if (writer > 0) {
		int st = 0;
		waitpid(writer, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			tap_ok(false, "the process writing the input pipe failed");
		writer = -1;
	}
}

/* input_fd - a readable fd holding n bytes, as input_kind says */
static int input_fd(const char *p, size_t n)
{
	if (input_kind == INPUT_PIPE || (input_kind == INPUT_AUTO && n < 32768))
		return pipe_fd(p, n);
	int fd = open(input_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (!write_all(fd, p, n)) {
		close(fd);
		return -1;
	}
	unlink(input_path);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* read_msg - pn_message_read over n input bytes */
static bool read_msg(struct pn_message *m, const char *p, size_t n, bool ignore_dots,
		     struct pn_error *err)
{
	pn_error_init(err);
	int fd = input_fd(p, n);
	if (fd < 0) {
		tap_ok(false, "cannot make the input");
		memset(m, 0, sizeof(*m));
		m->spill_fd = -1;
		m->file_fd = -1;
		return false;
	}
	bool ok = pn_message_read(m, fd, ignore_dots, NULL, err);
	if (!ok && m->file_fd >= 0) {
		close(m->file_fd);
		m->file_fd = -1;
	}
	input_done(fd, m);
	return ok;
}

/* free_msg - pn_message_free, and the input file it read in place */
static void free_msg(struct pn_message *m)
{
	int fd = m->file_fd;
	pn_message_free(m);
	if (fd >= 0)
		close(fd);
}

/* the collecting sink */
struct sink {
	char *data;
	size_t len, cap;
	size_t calls;
};

static bool collect(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	struct sink *s = ctx;
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		char *d = realloc(s->data, cap);
		if (!d) {
			pn_error_set(err, EX_OSERR, "out of memory in the test sink");
			return false;
		}
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
	s->calls++;
	return true;
}

/* stream - the transmitted message into a fresh sink */
static bool stream(const struct pn_message *m, struct sink *s)
{
	struct pn_error err;
	pn_error_init(&err);
	memset(s, 0, sizeof(*s));
	bool ok = pn_message_stream(m, collect, s, &err);
	if (!ok)
		printf("#   stream: %s\n", err.msg);
	return ok;
}

/* stuffed_dots - lines of the transmitted form that begin with '.', the
 * final ".\r\n" excepted: each carries exactly one added dot */
static size_t stuffed_dots(const char *p, size_t n)
{
	size_t dots = 0;
	for (size_t i = 0; i + 3 < n; i++)
		if ((i == 0 || p[i - 1] == '\n') && p[i] == '.')
			dots++;
	return dots;
}

/* check_size - m->size is the stream without stuffing and end marker */
static void check_size(struct pn_message *m, const struct sink *s, const char *name)
{
	struct pn_error err;
	char label[256];
	pn_error_init(&err);
	bool ok = pn_message_prepare(m, &err);
	snprintf(label, sizeof(label), "%s: size is streamed - stuffed dots - 3", name);
	size_t dots = stuffed_dots(s->data, s->len);
	tap_ok(ok && s->len >= 3 && m->size == s->len - dots - 3, "%s", label);
	if (!(ok && s->len >= 3 && m->size == s->len - dots - 3))
		printf("#   size %zu, streamed %zu, dots %zu\n", m->size, s->len, dots);
}

/* ---- table: input to transmitted bytes ---- */

struct tcase {
	const char *name;
	const char *in;
	bool ignore_dots;
	const char *drop; /* a field name to drop, or NULL */
	const char *want;
};

static void run(const struct tcase *t)
{
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	char label[256];
	bool ok = read_msg(&m, t->in, strlen(t->in), t->ignore_dots, &err);
	snprintf(label, sizeof(label), "%s: reads", t->name);
	tap_ok(ok, "%s", label);
	if (!ok) {
		printf("#   %s\n", err.msg);
		free_msg(&m);
		return;
	}
	if (t->drop)
		pn_message_drop(&m, t->drop);
	ok = stream(&m, &s);
	snprintf(label, sizeof(label), "%s: transmitted form", t->name);
	tap_is_mem(ok ? s.data : "", ok ? s.len : 0, t->want, strlen(t->want), label);
	if (ok)
		check_size(&m, &s, t->name);
	free(s.data);
	free_msg(&m);
}

static void transforms(void)
{
	static const struct tcase cases[] = {
		{"LF becomes CRLF", "Subject: s\n\nbody\nline 2\n", false, NULL,
		 "Subject: s\r\n\r\nbody\r\nline 2\r\n.\r\n"},
		{"CRLF stays", "Subject: s\r\n\r\nbody\r\nline 2\r\n", false, NULL,
		 "Subject: s\r\n\r\nbody\r\nline 2\r\n.\r\n"},
		{"no final newline", "Subject: s\n\nbody", false, NULL,
		 "Subject: s\r\n\r\nbody\r\n.\r\n"},
		{"dot line stuffed with -i", "Subject: s\n\na\n.\nb\n", true, NULL,
		 "Subject: s\r\n\r\na\r\n..\r\nb\r\n.\r\n"},
		{"dot CRLF line stuffed with -i", "Subject: s\r\n\r\na\r\n.\r\nb\r\n", true, NULL,
		 "Subject: s\r\n\r\na\r\n..\r\nb\r\n.\r\n"},
		{"dot line ends the input without -i", "Subject: s\n\na\n.\nb\nc\n", false, NULL,
		 "Subject: s\r\n\r\na\r\n.\r\n"},
		{"dot CRLF line ends the input without -i", "Subject: s\r\n\r\na\r\n.\r\nb\r\n", false,
		 NULL, "Subject: s\r\n\r\na\r\n.\r\n"},
		{"dot line as the first line without -i", ".\nSubject: s\n\nb\n", false, NULL, ".\r\n"},
		{"trailing dot without newline is text", "Subject: s\n\na\n.", false, NULL,
		 "Subject: s\r\n\r\na\r\n..\r\n.\r\n"},
		{"trailing dot CR at the end is text", "Subject: s\n\na\n.\r", false, NULL,
		 "Subject: s\r\n\r\na\r\n..\r\n.\r\n"},
		{"dot-dot line is text without -i", "Subject: s\n\n..\nz\n", false, NULL,
		 "Subject: s\r\n\r\n...\r\nz\r\n.\r\n"},
		{"dot-text line is text without -i", "Subject: s\n\n.x\nz\n", false, NULL,
		 "Subject: s\r\n\r\n..x\r\nz\r\n.\r\n"},
		{"dot CR text is text without -i", "Subject: s\n\n.\rz\n", false, NULL,
		 "Subject: s\r\n\r\n..\r\nz\r\n.\r\n"},
		{"dot after a blank line ends it", "Subject: s\n\na\n\n.\nrest\n", false, NULL,
		 "Subject: s\r\n\r\na\r\n\r\n.\r\n"},
		{"dot mid-line is not an end", "Subject: s\n\na.\n x.\n", false, NULL,
		 "Subject: s\r\n\r\na.\r\n x.\r\n.\r\n"},
		{"headers only, no blank line", "Subject: s\nTo: a@b\n", false, NULL,
		 "Subject: s\r\nTo: a@b\r\n.\r\n"},
		{"one header without a newline", "Subject: s", false, NULL, "Subject: s\r\n.\r\n"},
		{"no headers", "hello world\nline 2\n", false, NULL, "hello world\r\nline 2\r\n.\r\n"},
		{"empty input", "", false, NULL, ".\r\n"},
		{"a non-header line ends the header block", "Subject: s\nhello\n", false, NULL,
		 "Subject: s\r\n\r\nhello\r\n.\r\n"},
		{"Bcc dropped with its continuation",
		 "To: a@b\nBcc: x@y,\n z@w\nSubject: s\n\nbody\n", false, "Bcc",
		 "To: a@b\r\nSubject: s\r\n\r\nbody\r\n.\r\n"},
		{"Bcc dropped, tab continuation, CRLF",
		 "To: a@b\r\nBcc: x@y,\r\n\tz@w\r\nSubject: s\r\n\r\nbody\r\n", false, "Bcc",
		 "To: a@b\r\nSubject: s\r\n\r\nbody\r\n.\r\n"},
		{"lower-case bcc dropped by \"Bcc\"", "bcc: x@y\nTo: a@b\n\nbody\n", false, "Bcc",
		 "To: a@b\r\n\r\nbody\r\n.\r\n"},
		{"every Bcc dropped", "Bcc: x@y\nTo: a@b\nBCC: z@w\n\nbody\n", false, "Bcc",
		 "To: a@b\r\n\r\nbody\r\n.\r\n"},
		{"Bcc as the last field", "To: a@b\nBcc: x@y\n\nbody\n", false, "Bcc",
		 "To: a@b\r\n\r\nbody\r\n.\r\n"},
		{"Bcc-Like fields stay", "X-Bcc: k@k\nBcc: x@y\n\nbody\n", false, "Bcc",
		 "X-Bcc: k@k\r\n\r\nbody\r\n.\r\n"},
		{"Bcc not dropped unless asked", "To: a@b\nBcc: x@y\n\nbody\n", false, NULL,
		 "To: a@b\r\nBcc: x@y\r\n\r\nbody\r\n.\r\n"},
		{"leading mbox From line not transmitted",
		 "From root@host Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody\n", false, NULL,
		 "Subject: s\r\n\r\nbody\r\n.\r\n"},
		{"a From line in the body stays", "Subject: s\n\nFrom here on\n", false, NULL,
		 "Subject: s\r\n\r\nFrom here on\r\n.\r\n"},
		{"bare CR canonical", "Subject: s\r\rb\r", false, NULL,
		 "Subject: s\r\n\r\nb\r\n.\r\n"},
		/* found by tests/fuzz/fuzz_message: a lone CR is sent as a line end,
		 * so a Bcc behind one must be dropped like any other */
		{"Bcc behind a lone CR dropped", "To: a@b\nSubject: hi\rBcc: x@y\nX-T: a\r\n\r\nbody\n", false,
		 "Bcc", "To: a@b\r\nSubject: hi\r\nX-T: a\r\n\r\nbody\r\n.\r\n"},
		{"Bcc with a lone-CR continuation dropped", "Bcc: x@y\r z@w\rSubject: s\r\rbody", false, "Bcc",
		 "Subject: s\r\n\r\nbody\r\n.\r\n"},
		{"lone CR before a blank line ends the header", "Subject: s\r\r\nBcc: x@y\n", false, "Bcc",
		 "Subject: s\r\n\r\nBcc: x@y\r\n.\r\n"},
		/* RFC 5322 4.5: white space before the colon (obsolete syntax) */
		{"obsolete Bcc with a blank before the colon dropped", "To: a@b\nBcc : x@y\nSubject: s\n\nbody\n",
		 false, "Bcc", "To: a@b\r\nSubject: s\r\n\r\nbody\r\n.\r\n"},
		{"obsolete Bcc with tabs and a continuation dropped",
		 "bcc\t \t: x@y,\n z@w\nSubject: s\n\nbody\n", false, "Bcc", "Subject: s\r\n\r\nbody\r\n.\r\n"},
		{"obsolete field names pass unchanged", "To : a@b\nX-A\t:\tv\n\nbody\n", false, NULL,
		 "To : a@b\r\nX-A\t:\tv\r\n\r\nbody\r\n.\r\n"},
		{"a non-header line with no field after it starts the body", "Subject: s\nhello world\nmore\n\np2\n",
		 false, NULL, "Subject: s\r\n\r\nhello world\r\nmore\r\n\r\np2\r\n.\r\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);
}

/* ---- headers and recipients ---- */

/* stray_lines - a line in the header block that is no field is refused
 * when it has a colon or fields follow it: never moved into the body */
static void stray_lines(void)
{
	static const struct {
		const char *name, *in, *line;
	} cases[] = {
		{"a blank inside a field name", "To: a@b\nReply To: c@d\nSubject: s\n\nbody\n", "line 2 "},
		{"an 8-bit byte in a field name", "To: a@b\nS\xc3\xbc" "bject: s\n\nbody\n", "line 2 "},
		{"no colon, a field after it", "To: a@b\nSubject: s\nBcc carol@x\nX-A: v\n\nbody\n", "line 3 "},
		{"no colon, a field after it, no empty line", "To: a@b\nhello\nthere\nX-A: v\n", "line 2 "},
		{"a colon, last before the empty line", "To: a@b\nBcc carol@x: y\n\nbody\n", "line 2 "},
		{"after the mbox From line", "From x Mon Jan  1 00:00:00 2024\nTo: a@b\nDear Bob: hi\n", "line 3 "},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_message m;
		struct pn_error err;
		bool ok = read_msg(&m, cases[i].in, strlen(cases[i].in), false, &err);
		tap_ok(!ok && err.code == EX_DATAERR && strstr(err.msg, cases[i].line) &&
			       strstr(err.msg, "neither a header field"),
		       "header block: %s: refused with EX_DATAERR naming the line", cases[i].name);
		if (ok || !strstr(err.msg, cases[i].line))
			printf("#   %s\n", ok ? "read" : err.msg);
		free_msg(&m);
	}
	/* no header block at all: the whole input is the body, colons or not */
	static const char nohead[] = "Dear Bob: hello\nTo: x@y\n\nb\n";
	struct pn_message m;
	struct pn_error err;
	bool ok = read_msg(&m, nohead, strlen(nohead), false, &err);
	tap_ok(ok && m.nfields == 0 && m.body_off == 0, "no header block: a first line with a colon is body");
	free_msg(&m);
}

static void headers(void)
{
	static const char in[] = "Subject: hello\n world\n"
				 "X-Crlf: one\r\n\ttwo\r\n"
				 "x-twice: first\n"
				 "X-Twice: second\n"
				 "X-Empty:\n"
				 "X-Spaces:    padded\n"
				 "X-Obs \t: obsolete\n"
				 "\n"
				 "X-Body: not a header\n";
	struct pn_message m;
	struct pn_error err;
	bool ok = read_msg(&m, in, strlen(in), false, &err);
	tap_ok(ok, "headers: reads");
	struct {
		const char *name, *want;
	} cases[] = {
		{"Subject", "hello world"},
		{"subject", "hello world"},
		{"SUBJECT", "hello world"},
		{"x-crlf", "one\ttwo"},
		{"X-Twice", "first"},
		{"X-Empty", ""},
		{"X-Spaces", "padded"},
		{"X-Obs", "obsolete"},
		{"X-Body", NULL},
		{"X-Missing", NULL},
		{"Subjec", NULL},
	};
	for (size_t i = 0; ok && i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v = pn_message_header(&m, cases[i].name);
		char label[128];
		snprintf(label, sizeof(label), "header %s", cases[i].name);
		tap_is_str(v, cases[i].want, label);
		free(v);
	}
	free_msg(&m);
}

static void recipients(void)
{
	static const char in[] = "From: sender@x\n"
				 "To: a@b,\n c@d\n"
				 "CC: \"Doe, J\" <e@f>\n"
				 "Subject: hi\n"
				 "bcc: g@h, a@b\n"
				 "X-To: not@this\n"
				 "X-Resent-To: nor@this\n"
				 "\n"
				 "To: body@line\n";
	static const char *const want[] = {"a@b", "c@d", "e@f", "g@h"};
	struct pn_message m;
	struct pn_error err;
	struct pn_addrlist l;
	pn_addrlist_init(&l);
	bool ok = read_msg(&m, in, strlen(in), false, &err);
	ok = ok && pn_message_recipients(&m, &l, &err);
	tap_ok(ok, "recipients: collected");
	tap_is_int((long)l.n, 4, "recipients: To (folded), Cc, Bcc, duplicate once");
	for (size_t i = 0; i < 4 && i < l.n; i++) {
		char label[64];
		snprintf(label, sizeof(label), "recipient %zu", i + 1);
		tap_is_str(l.addr[i], want[i], label);
	}
	/* dropping Bcc changes what is sent, not who receives it */
	pn_message_drop(&m, "Bcc");
	pn_addrlist_free(&l);
	ok = pn_message_recipients(&m, &l, &err);
	tap_ok(ok && l.n == 4, "recipients: still 4 after Bcc is dropped");
	pn_addrlist_free(&l);
	free_msg(&m);

	static const char bad[] = "To: Name <a@b\nSubject: s\n\nx\n";
	ok = read_msg(&m, bad, strlen(bad), false, &err);
	tap_ok(ok, "recipients: bad list reads");
	pn_error_init(&err);
	ok = pn_message_recipients(&m, &l, &err);
	tap_ok(!ok && err.code == EX_DATAERR, "recipients: unparsable To gives EX_DATAERR");
	pn_addrlist_free(&l);
	free_msg(&m);

	/* found by tests/fuzz/fuzz_message: fields behind a lone CR are read for
	 * -t as the server will see them; a lone CR inside an address is refused */
	static const char crhead[] = "Subject: hi\rTo: x@y,\r c@d\rBcc: h@z\n\nb\n";
	ok = read_msg(&m, crhead, strlen(crhead), false, &err);
	pn_error_init(&err);
	ok = ok && pn_message_recipients(&m, &l, &err);
	tap_ok(ok && l.n == 3 && strcmp(l.addr[0], "x@y") == 0 && strcmp(l.addr[1], "c@d") == 0 &&
		       strcmp(l.addr[2], "h@z") == 0,
	       "recipients: To, its continuation and Bcc behind lone CRs");
	pn_addrlist_free(&l);
	free_msg(&m);
	/* ... but where the server would end the header block in the middle of
	 * a field, the message is refused */
	static const char *const crmid[] = {"To: x@y,\n c@d\nBcc: a\rb@z\nSubject: x\n\nb\n",
					    "Subject: hi\rthere\nBcc: h@z\n\nb\n", "To: x@y\n c@d\rz\n\nb\n"};
	for (size_t i = 0; i < sizeof(crmid) / sizeof(crmid[0]); i++) {
		ok = read_msg(&m, crmid[i], strlen(crmid[i]), false, &err);
		tap_ok(!ok && err.code == EX_DATAERR && strstr(err.msg, "lone CR"),
		       "a lone CR before text in a header field gives EX_DATAERR (%zu)", i + 1);
		free_msg(&m);
	}
	static const char crbody[] = "Subject: s\nbody\rmore\n";
	ok = read_msg(&m, crbody, strlen(crbody), false, &err);
	tap_ok(ok, "a lone CR in the first body line is fine");
	free_msg(&m);

	/* with Resent- fields the Resent- recipients are used, as sendmail does */
	static const char resent[] = "To: old@x\nResent-From: r@x\nResent-To: new@y\nResent-Bcc: hid@z\n\nb\n";
	ok = read_msg(&m, resent, strlen(resent), false, &err);
	ok = ok && pn_message_recipients(&m, &l, &err);
	tap_ok(ok && l.n == 2 && strcmp(l.addr[0], "new@y") == 0 && strcmp(l.addr[1], "hid@z") == 0,
	       "recipients: Resent-To and Resent-Bcc replace To when Resent- fields exist");
	pn_addrlist_free(&l);
	free_msg(&m);

	/* RFC 5322 4.5: "Bcc :" and "To :" are Bcc and To fields, and the fields
	 * after them stay in the header block */
	static const char obs[] = "To\t: a@b\nBcc : carol@x\nSubject: s\nCc :d@e\n\nb\n";
	ok = read_msg(&m, obs, strlen(obs), false, &err);
	ok = ok && pn_message_recipients(&m, &l, &err);
	tap_ok(ok && l.n == 3 && strcmp(l.addr[0], "a@b") == 0 && strcmp(l.addr[1], "carol@x") == 0 &&
		       strcmp(l.addr[2], "d@e") == 0,
	       "recipients: obsolete 'To\\t:', 'Bcc :' and 'Cc :' fields are read");
	char *subj = pn_message_header(&m, "subject");
	tap_is_str(subj, "s", "recipients: the field after 'Bcc :' is still a header field");
	free(subj);
	pn_addrlist_free(&l);
	free_msg(&m);

	/* in a header field white space separates no addresses (only argv words) */
	static const char words[] = "To: Carol Dave bob@example.com\nSubject: s\n\nb\n";
	ok = read_msg(&m, words, strlen(words), false, &err);
	pn_error_init(&err);
	ok = ok && pn_message_recipients(&m, &l, &err);
	tap_ok(!ok && err.code == EX_DATAERR && l.n == 0, "recipients: 'To: Carol Dave bob@example.com' is refused");
	tap_ok(strstr(err.msg, "(in the To field)") && strstr(err.msg, "Carol Dave bob@example.com"),
	       "recipients: the message names the field and shows the words");
	pn_addrlist_free(&l);
	free_msg(&m);

	static const char none[] = "Subject: s\n\nTo: a@b\n";
	ok = read_msg(&m, none, strlen(none), false, &err);
	ok = ok && pn_message_recipients(&m, &l, &err);
	tap_ok(ok && l.n == 0, "recipients: none without To/Cc/Bcc");
	pn_addrlist_free(&l);
	free_msg(&m);
}

/* ---- added fields ---- */

/* is_date - "Ddd, DD Mon YYYY HH:MM:SS +HHMM" */
static bool is_date(const char *s, size_t n)
{
	static const char pat[] = "Aaa, 99 Aaa 9999 99:99:99 S9999";
	if (n != sizeof(pat) - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (pat[i]) {
		case 'A': if (!isupper(c)) return false; break;
		case 'a': if (!islower(c)) return false; break;
		case '9': if (!isdigit(c)) return false; break;
		case 'S': if (c != '+' && c != '-') return false; break;
		default: if (c != (unsigned char)pat[i]) return false;
		}
	}
	return true;
}

/* split_line - the line starting at p (without CRLF), its length; NULL at the end */
static const char *next_line(const char **p, const char *end, size_t *len)
{
	if (*p >= end)
		return NULL;
	const char *s = *p;
	const char *e = s;
	while (e + 1 < end && !(e[0] == '\r' && e[1] == '\n'))
		e++;
	*len = (size_t)(e - s);
	*p = e + 2;
	return s;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

/* complete_added - a message with no headers gets From, Date, Message-ID
 * and a blank line before the body */
static void complete_added(void)
{
	static const char in[] = "hello world\nsecond\n";
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	bool ok = read_msg(&m, in, strlen(in), false, &err);
	ok = ok && pn_message_complete(&m, "cron@host.example", NULL, "host.example", &err);
	tap_ok(ok, "complete: no headers, fields added");
	ok = ok && stream(&m, &s);
	if (!ok) {
		free_msg(&m);
		return;
	}
	const char *p = s.data, *end = s.data + s.len, *l;
	size_t n;
	l = next_line(&p, end, &n);
	tap_ok(l && n == strlen("From: cron@host.example") && starts(l, n, "From: cron@host.example"),
	       "complete: From: from the envelope sender");
	l = next_line(&p, end, &n);
	tap_ok(l && starts(l, n, "Date: ") && is_date(l + 6, n - 6), "complete: Date: in RFC 5322 form");
	if (l && !(starts(l, n, "Date: ") && is_date(l + 6, n - 6)))
		printf("#   got \"%.*s\"\n", (int)n, l);
	l = next_line(&p, end, &n);
	tap_ok(l && starts(l, n, "Message-ID: <") && n > 27 &&
		       memcmp(l + n - 14, "@host.example>", 14) == 0 && memchr(l, ' ', n) == l + 11,
	       "complete: Message-ID: <...@hostname>");
	l = next_line(&p, end, &n);
	tap_ok(l && n == 0, "complete: a blank line after the added fields");
	static const char rest[] = "hello world\r\nsecond\r\n.\r\n";
	tap_is_mem(p, (size_t)(end - p), rest, strlen(rest), "complete: the body follows unchanged");
	check_size(&m, &s, "complete, no headers");
	free(s.data);
	free_msg(&m);

	/* headers present: the fields go in before the blank line */
	static const char in2[] = "Subject: s\n\nbody\n";
	ok = read_msg(&m, in2, strlen(in2), false, &err);
	ok = ok && pn_message_complete(&m, "root@x", "", "h", &err);
	ok = ok && stream(&m, &s);
	tap_ok(ok && s.len > 30 && starts(s.data, s.len, "Subject: s\r\nFrom: root@x\r\nDate: "),
	       "complete: added after the existing fields; empty name gives a bare From");
	static const char tail[] = "@h>\r\n\r\nbody\r\n.\r\n";
	tap_ok(ok && s.len > sizeof(tail) &&
		       memcmp(s.data + s.len - (sizeof(tail) - 1), tail, sizeof(tail) - 1) == 0,
	       "complete: ... and before the blank line");
	free(ok ? s.data : NULL);
	free_msg(&m);

	/* the mbox "From " line is no From: field */
	static const char in3[] = "From root Mon Jan  1 00:00:00 2024\nSubject: s\n\nb\n";
	ok = read_msg(&m, in3, strlen(in3), false, &err);
	ok = ok && pn_message_complete(&m, "root@x", NULL, "h", &err);
	ok = ok && stream(&m, &s);
	tap_ok(ok && starts(s.data, s.len, "Subject: s\r\nFrom: root@x\r\n"),
	       "complete: the mbox From line does not count as From:");
	free(ok ? s.data : NULL);
	free_msg(&m);
}

/* complete_present - nothing is added when the fields are there */
static void complete_present(void)
{
	static const struct {
		const char *name, *in, *want;
	} cases[] = {
		{"all present",
		 "From: me@x\nDate: Mon, 01 Jan 2024 00:00:00 +0000\nMessage-ID: <1@x>\n\nbody\n",
		 "From: me@x\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\nbody\r\n.\r\n"},
		{"all present, other case",
		 "from: me@x\ndate: Mon, 01 Jan 2024 00:00:00 +0000\nmessage-id: <1@x>\n\nbody\n",
		 "from: me@x\r\ndate: Mon, 01 Jan 2024 00:00:00 +0000\r\nmessage-id: <1@x>\r\n\r\nbody\r\n.\r\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_message m;
		struct pn_error err;
		struct sink s;
		char label[128];
		bool ok = read_msg(&m, cases[i].in, strlen(cases[i].in), false, &err);
		ok = ok && pn_message_complete(&m, "other@y", "Other Name", "h", &err);
		ok = ok && stream(&m, &s);
		snprintf(label, sizeof(label), "complete, %s: nothing added", cases[i].name);
		tap_is_mem(ok ? s.data : "", ok ? s.len : 0, cases[i].want, strlen(cases[i].want), label);
		free(ok ? s.data : NULL);
		free_msg(&m);
	}

	/* only Date missing: only Date is added */
	static const char in[] = "From: me@x\nMessage-ID: <1@x>\n\nbody\n";
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	bool ok = read_msg(&m, in, strlen(in), false, &err);
	ok = ok && pn_message_complete(&m, "other@y", NULL, "h", &err);
	ok = ok && stream(&m, &s);
	static const char head[] = "From: me@x\r\nMessage-ID: <1@x>\r\nDate: ";
	static const char tail[] = "\r\n\r\nbody\r\n.\r\n";
	tap_ok(ok && s.len == strlen(head) + 31 + strlen(tail) && starts(s.data, s.len, head) &&
		       is_date(s.data + strlen(head), 31) &&
		       memcmp(s.data + strlen(head) + 31, tail, strlen(tail)) == 0,
	       "complete: only the missing Date is added");
	free(ok ? s.data : NULL);
	free_msg(&m);
}

/* full_names - -F names, quoted when they must be */
static void full_names(void)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{"Cron Daemon", "From: Cron Daemon <root@x>\r\n"},
		{"Doe, John", "From: \"Doe, John\" <root@x>\r\n"},
		{"John Q. Public", "From: \"John Q. Public\" <root@x>\r\n"},
		{"Say \"hi\"", "From: \"Say \\\"hi\\\"\" <root@x>\r\n"},
		{"back\\slash", "From: \"back\\\\slash\" <root@x>\r\n"},
		{"a<b>", "From: \"a<b>\" <root@x>\r\n"},
	};
	static const char in[] = "Date: Mon, 01 Jan 2024 00:00:00 +0000\nMessage-ID: <1@x>\n\nb\n";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_message m;
		struct pn_error err;
		struct sink s;
		char label[128], want[256];
		bool ok = read_msg(&m, in, strlen(in), false, &err);
		ok = ok && pn_message_complete(&m, "root@x", cases[i].name, "h", &err);
		ok = ok && stream(&m, &s);
		snprintf(want, sizeof(want),
			 "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@x>\r\n%s\r\nb\r\n.\r\n",
			 cases[i].want);
		snprintf(label, sizeof(label), "full name '%s'", cases[i].name);
		tap_is_mem(ok ? s.data : "", ok ? s.len : 0, want, strlen(want), label);
		free(ok ? s.data : NULL);
		free_msg(&m);
	}
	static const char *const bad[] = {"Evil\nBcc: x@y", "Evil\r\nBcc: x@y", "Evil\r"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pn_message m;
		struct pn_error err;
		bool ok = read_msg(&m, in, strlen(in), false, &err);
		tap_ok(ok, "full name with a line break: message reads");
		pn_error_init(&err);
		ok = pn_message_complete(&m, "root@x", bad[i], "h", &err);
		tap_ok(!ok && err.code == EX_DATAERR, "full name with a line break (%zu): EX_DATAERR",
		       i + 1);
		free_msg(&m);
	}
}

/* rewritten - in through pn_message_rewrite with rw; the transmitted text
 * (free it), NULL when something failed */
static char *rewritten(const char *in, const struct pn_rewrite *rw)
{
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	bool ok = read_msg(&m, in, strlen(in), false, &err) && pn_message_rewrite(&m, rw, &err) && stream(&m, &s);
	free_msg(&m);
	char *str = ok ? pn_xstrndup(s.data, s.len) : NULL;
	free(ok ? s.data : NULL);
	return str;
}

/* encoded_names - a non-ASCII full name is RFC 2047-encoded (msmtp's
 * spelling, its upstream test's exact line) unless SMTPUTF8 carries it */
static void encoded_names(void)
{
	static const char in[] = "Date: d\nMessage-ID: <1@x>\n\nb\n";
	struct pn_rewrite rw = {.from = "test@example.com", .fullname = "Test \xc3\x9cser", .hostname = "h"};
	char *out = rewritten(in, &rw);
	tap_ok(out && strstr(out, "\r\nFrom: =?utf-8?B?VGVzdCDDnHNlcg==?= <test@example.com>\r\n"),
	       "a non-ASCII -F name is an RFC 2047 encoded-word, as msmtp writes it");
	free(out);
	rw.smtputf8 = true;
	out = rewritten(in, &rw);
	tap_ok(out && strstr(out, "\r\nFrom: Test \xc3\x9cser <test@example.com>\r\n"),
	       "with SMTPUTF8 the name is written as it is");
	free(out);
	rw.smtputf8 = false;
	rw.fullname = "Tab\there";
	out = rewritten(in, &rw);
	tap_ok(out && strstr(out, "\r\nFrom: =?utf-8?B?VGFiCWhlcmU=?= <test@example.com>\r\n"),
	       "a control byte in the name is encoded too");
	free(out);
	/* 30 two-byte characters: 60 bytes, more than one encoded-word holds */
	char name[64] = "";
	for (int i = 0; i < 30; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 3);
	rw.fullname = name;
	out = rewritten(in, &rw);
	const char *w1 = out ? strstr(out, "From: =?utf-8?B?") : NULL;
	const char *e1 = w1 ? strstr(w1, "?=\r\n =?utf-8?B?") : NULL;
	const char *e2 = e1 ? strstr(e1 + 4, "?= <test@example.com>\r\n") : NULL;
	tap_ok(e1 && e2 && e1 - (w1 + 6) + 2 <= 75 && e2 - (e1 + 5) + 2 <= 75,
	       "a long name: two encoded-words of at most 75 characters on folded lines");
	/* 44 bytes of é: the first word ends after 22 characters, not inside the 23rd */
	tap_ok(e1 && e1 - (w1 + 16) == 60 && strncmp(w1 + 16, "w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=", 60) == 0,
	       "a long name: the first word holds whole characters (44 bytes)");
	free(out);
}

/* to_headers - set_to_header on and undisclosed_recipients */
static void to_headers(void)
{
	static const char in[] = "To: root\nCc: c@x\nBcc: b@x\nSubject: s\n\nb\n";
	char *list[] = {"root@example.com", "c@x", "b@x"};
	struct pn_addrlist rcpt = {.addr = list, .n = 3, .cap = 3};
	struct pn_rewrite rw = {.from = "f@x", .hostname = "h", .from_header = PN_HDR_OFF, .date_header = PN_HDR_OFF,
				.msgid_header = PN_HDR_OFF, .to_header = PN_TO_ON, .rcpt = &rcpt};
	char *out = rewritten(in, &rw);
	tap_is_str(out, "Subject: s\r\nTo: root@example.com, c@x, b@x\r\n\r\nb\r\n.\r\n",
		   "set_to_header on: To, Cc and Bcc replaced by one To with every recipient");
	free(out);
	rw.to_header = PN_TO_UNDISCLOSED;
	out = rewritten(in, &rw);
	tap_is_str(out, "Subject: s\r\nTo: undisclosed-recipients:;\r\n\r\nb\r\n.\r\n",
		   "set_to_header undisclosed_recipients");
	free(out);
	char a[3][40];
	char *many[3] = {a[0], a[1], a[2]};
	for (int i = 0; i < 3; i++)
		snprintf(a[i], sizeof(a[i]), "recipient-number-%d@example.com", i);
	struct pn_addrlist three = {.addr = many, .n = 3, .cap = 3};
	rw.to_header = PN_TO_ON;
	rw.rcpt = &three;
	out = rewritten(in, &rw);
	tap_is_str(out,
		   "Subject: s\r\nTo: recipient-number-0@example.com, recipient-number-1@example.com,\r\n"
		   " recipient-number-2@example.com\r\n\r\nb\r\n.\r\n",
		   "set_to_header on: folded before a line would pass 78 characters");
	free(out);
}

/* senders - the From header's address (%F, --read-envelope-from) */
static void senders(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
		{"From: Some Name <from@example.com>\n\nb\n", "from@example.com", "From with a display name"},
		{"Subject: s\nfrom: a@x\nResent-From: r@x\n\nb\n", "a@x", "From before Resent-From"},
		{"Resent-From: r@x\nFrom: a@x\n\nb\n", "r@x", "Resent-From before From (msmtp)"},
		{"Subject: s\n\nb\n", NULL, "no From: none"},
		{"From: undisclosed:;\n\nb\n", NULL, "a From without an address: none"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_message m;
		struct pn_error err;
		bool ok = read_msg(&m, cases[i].in, strlen(cases[i].in), false, &err);
		char *got = ok ? pn_message_sender(&m) : NULL;
		if (cases[i].want)
			tap_is_str(got, cases[i].want, cases[i].name);
		else
			tap_ok(ok && !got, "%s", cases[i].name);
		free(got);
		free_msg(&m);
	}
}

/* ---- flags and refusals ---- */

/* binary_flag - a top-level Content-Transfer-Encoding: binary sets
 * m->binary (BDAT with BODY=BINARYMIME; mime.c looks into the parts) */
static void binary_flag(void)
{
	static const struct {
		const char *in;
		bool binary;
	} cases[] = {
		/* 8-bit bodies: mime.c's scan (mime branch) walks only those */
		{"Content-Transfer-Encoding: binary\n\nx\xff\n", true},
		{"Subject: s\nContent-Transfer-Encoding:  Binary (raw)\n\n\x01\xfe\n", true},
		{"Content-Transfer-Encoding: 8bit\n\nx\n", false},
		{"Content-Transfer-Encoding: binaryish\n\nx\n", false},
		{"Subject: s\n\nContent-Transfer-Encoding: binary\n", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_message m;
		struct pn_error err;
		bool ok = read_msg(&m, cases[i].in, strlen(cases[i].in), false, &err) && pn_message_prepare(&m, &err);
		tap_ok(ok && m.binary == cases[i].binary, "binary %s for case %zu", cases[i].binary ? "set" : "clear", i);
		free_msg(&m);
	}
}

static void flags(void)
{
	static const struct {
		const char *name, *in;
		bool eightbit;
	} cases[] = {
		{"ASCII", "Subject: s\n\nplain ascii \x7f\n", false},
		{"UTF-8 body", "Subject: s\n\ncaf\xc3\xa9\n", true},
		{"0x80 in a header", "Subject: \x80\n\nx\n", true},
		{"0xff last byte", "Subject: s\n\nx\xff", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_message m;
		struct pn_error err;
		char label[128];
		bool ok = read_msg(&m, cases[i].in, strlen(cases[i].in), false, &err);
		ok = ok && pn_message_prepare(&m, &err);
		snprintf(label, sizeof(label), "eightbit %s for %s", cases[i].eightbit ? "set" : "clear",
			 cases[i].name);
		tap_ok(ok && m.eightbit == cases[i].eightbit, "%s", label);
		free_msg(&m);
	}
	binary_flag();

	static const char nul[] = "Subject: s\n\na\0b\n";
	struct pn_message m;
	struct pn_error err;
	bool ok = read_msg(&m, nul, sizeof(nul) - 1, false, &err);
	tap_ok(ok && m.nul, "a NUL byte in the body is read and noted (mime.c encodes it)");
	free_msg(&m);
	static const char nulh[] = "Subject: \0\n\nb\n";
	ok = read_msg(&m, nulh, sizeof(nulh) - 1, true, &err);
	tap_ok(!ok && err.code == EX_DATAERR, "a NUL byte in a header with -i: EX_DATAERR");
	free_msg(&m);
}

/* failing_sink - the sink's error comes back from pn_message_stream */
static bool failing_sink(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	(*(int *)ctx)++;
	pn_error_set(err, EX_IOERR, "sink refused");
	return false;
}

static void sink_failure(void)
{
	static const char in[] = "Subject: s\n\nbody\n";
	struct pn_message m;
	struct pn_error err;
	bool ok = read_msg(&m, in, strlen(in), false, &err);
	int calls = 0;
	pn_error_init(&err);
	ok = ok && !pn_message_stream(&m, failing_sink, &calls, &err);
	tap_ok(ok && err.code == EX_IOERR, "a failing sink fails the stream with its error");
	tap_is_int(calls, 1, "... and the stream stops at the first failure");
	free_msg(&m);
}

/* ---- large inputs ---- */

/* growing byte buffer for the big inputs and expectations */
struct bytes {
	char *p;
	size_t n, cap;
};

static void put(struct bytes *b, const char *s, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void puts_(struct bytes *b, const char *s)
{
	put(b, s, strlen(s));
}

/* big_body - a 5 MB body streams back byte-exact: from a pipe it spills
 * to a temporary file, a regular file is read in place */
static void big_body(bool ignore_dots, enum input_kind kind)
{
	struct bytes in = {0}, want = {0};
	puts_(&in, "Subject: big\nBcc: hidden@x\n\n");
	puts_(&want, "Subject: big\r\n\r\n");
	char line[200];
	for (unsigned i = 0; in.n < 5 * 1024 * 1024; i++) {
		size_t len = 2 + (i * 7919u) % 150; /* lengths vary, so lines straddle chunks */
		for (size_t k = 0; k < len; k++)
			line[k] = (char)('a' + (i + k) % 26);
		if (i % 5 == 0) { /* ".text": stuffed */
			line[0] = '.';
			put(&in, line, len);
			puts_(&in, i % 3 ? "\n" : "\r\n");
			put(&want, ".", 1);
			put(&want, line, len);
			puts_(&want, "\r\n");
		} else if (i % 9 == 0) { /* "..": stuffed to "..." */
			puts_(&in, i % 2 ? "..\n" : "..\r\n");
			puts_(&want, "...\r\n");
		} else if (i % 13 == 0) { /* ".\rz": CR ends the line */
			puts_(&in, ".\rz\n");
			puts_(&want, "..\r\nz\r\n");
		} else if (ignore_dots && i % 17 == 0) { /* "." kept with -i */
			puts_(&in, i % 2 ? ".\n" : ".\r\n");
			puts_(&want, "..\r\n");
		} else if (i % 19 == 0) { /* a blank line */
			puts_(&in, "\n");
			puts_(&want, "\r\n");
		} else {
			put(&in, line, len);
			puts_(&in, i % 4 ? "\n" : "\r\n");
			put(&want, line, len);
			puts_(&want, "\r\n");
		}
	}
	if (!ignore_dots) /* the end: nothing after this line is the message */
		puts_(&in, ".\nnot part of the message\n.\n");
	else
		puts_(&in, "last\n");
	if (ignore_dots)
		puts_(&want, "last\r\n");
	puts_(&want, ".\r\n");

	char name[64];
	snprintf(name, sizeof(name), "5 MB body %s, from a %s", ignore_dots ? "with -i" : "ending in a dot line",
		 kind == INPUT_PIPE ? "pipe" : "file");
	char label[128];
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	input_kind = kind;
	bool ok = read_msg(&m, in.p, in.n, ignore_dots, &err);
	input_kind = INPUT_AUTO;
	snprintf(label, sizeof(label), "%s: reads", name);
	tap_ok(ok, "%s", label);
	if (!ok)
		printf("#   %s\n", err.msg);
	if (kind == INPUT_PIPE) {
		snprintf(label, sizeof(label), "%s: spilled to a temporary file", name);
		tap_ok(ok && m.file_fd < 0 && m.spill_fd >= 0 && m.spill_len > 0 && m.mem.len <= 256 * 1024, "%s",
		       label);
	} else {
		snprintf(label, sizeof(label), "%s: read in place, not copied", name);
		tap_ok(ok && m.file_fd >= 0 && m.spill_fd < 0 && m.mem.len == 0, "%s", label);
	}
	pn_message_drop(&m, "Bcc");
	ok = ok && stream(&m, &s);
	snprintf(label, sizeof(label), "%s: streams back byte-exact (%zu bytes)", name, want.n);
	tap_ok(ok && s.len == want.n && memcmp(s.data, want.p, want.n) == 0, "%s", label);
	if (ok && !(s.len == want.n && memcmp(s.data, want.p, want.n) == 0)) {
		size_t k = 0;
		while (k < s.len && k < want.n && s.data[k] == want.p[k])
			k++;
		printf("#   lengths %zu and %zu, first difference at byte %zu\n", s.len, want.n, k);
	}
	snprintf(label, sizeof(label), "%s: streamed in more than one block", name);
	tap_ok(ok && s.calls > 1, "%s", label);
	if (ok)
		check_size(&m, &s, name);
	free(ok ? s.data : NULL);
	free_msg(&m);
	free(in.p);
	free(want.p);
}

/* filler - "X-Filler: aaa...\n", len bytes in all */
static void filler(char *f, size_t len)
{
	memcpy(f, "X-Filler: ", 10);
	memset(f + 10, 'a', len - 11);
	f[len - 1] = '\n';
}

/* header_bound - a header block past 1 MiB is refused; one under it is not */
static void header_bound(void)
{
	char field[128];
	struct bytes in = {0}, want = {0};
	filler(field, 101); /* lines straddle the 1 MiB bound */
	while (in.n < 900 * 1024) {
		put(&in, field, 101);
		put(&want, field, 100);
		puts_(&want, "\r\n");
	}
	puts_(&in, "X-Last: end\n\nbody\n");
	puts_(&want, "X-Last: end\r\n\r\nbody\r\n.\r\n");
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	bool ok = read_msg(&m, in.p, in.n, false, &err);
	tap_ok(ok, "900 KiB header block: reads");
	char *v = ok ? pn_message_header(&m, "x-last") : NULL;
	tap_is_str(v, "end", "900 KiB header block: its last field is found");
	free(v);
	ok = ok && stream(&m, &s);
	tap_ok(ok && s.len == want.n && memcmp(s.data, want.p, want.n) == 0,
	       "900 KiB header block: streams back byte-exact");
	free(ok ? s.data : NULL);
	free_msg(&m);

	in.n = 0;
	while (in.n < 1536 * 1024)
		put(&in, field, 101);
	puts_(&in, "\nbody\n");
	ok = read_msg(&m, in.p, in.n, false, &err);
	tap_ok(!ok && err.code == EX_DATAERR, "1.5 MiB header block, a line across the bound: EX_DATAERR");
	free_msg(&m);

	/* 128-byte lines: a line ends exactly at the bound and more fields follow */
	filler(field, 128);
	in.n = 0;
	for (int i = 0; i < 8192 + 100; i++)
		put(&in, field, 128);
	ok = read_msg(&m, in.p, in.n, false, &err);
	tap_ok(!ok && err.code == EX_DATAERR,
	       "header block of %zu bytes, a line ending at the bound: EX_DATAERR", in.n);
	free_msg(&m);

	/* the bound counts the header block only: a big body after a small one is fine */
	in.n = 0;
	puts_(&in, "Subject: s\n\n");
	while (in.n < 1536 * 1024)
		put(&in, field, 128);
	ok = read_msg(&m, in.p, in.n, false, &err);
	tap_ok(ok, "small header block, 1.5 MiB body of header-like lines: reads");
	free_msg(&m);
	free(in.p);
	free(want.p);
}

/* long_first_line - no header block at all: a first line over 1 MiB is body */
static void long_first_line(void)
{
	struct bytes in = {0}, want = {0};
	puts_(&in, "hello world ");
	puts_(&want, "hello world ");
	char chunk[1024];
	memset(chunk, 'x', sizeof(chunk));
	while (in.n < 1536 * 1024) {
		put(&in, chunk, sizeof(chunk));
		put(&want, chunk, sizeof(chunk));
	}
	puts_(&in, "\nsecond\n");
	puts_(&want, "\r\nsecond\r\n.\r\n");
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	bool ok = read_msg(&m, in.p, in.n, false, &err);
	tap_ok(ok, "no headers, a 1.5 MiB first line: reads (there is no header block)");
	if (!ok)
		printf("#   %s\n", err.msg);
	ok = ok && stream(&m, &s);
	tap_ok(ok && s.len == want.n && memcmp(s.data, want.p, want.n) == 0,
	       "no headers, a 1.5 MiB first line: streams back byte-exact");
	free(ok ? s.data : NULL);
	free_msg(&m);
	free(in.p);
	free(want.p);
}

/* boundaries - the "." line detector across read() boundaries: the dot line
 * is placed at offsets around 64 KiB multiples, where a reader reading in
 * such blocks from a regular file splits it; the expected output does not
 * depend on the block size */
static void boundaries(void)
{
	static const struct {
		const char *line;  /* the dot line */
		bool ends;         /* it ends the message (without -i) */
		const char *sent;  /* how it is transmitted when it does not */
	} lines[] = {
		{".\n", true, NULL},
		{".\r\n", true, NULL},
		{".x\n", false, "..x\r\n"},
		{"..\n", false, "...\r\n"},
		{".\rz\n", false, "..\r\nz\r\n"},
	};
	static const size_t offsets[] = {65534, 65535, 65536, 131071, 131072};
	for (size_t li = 0; li < sizeof(lines) / sizeof(lines[0]); li++)
		for (size_t oi = 0; oi < sizeof(offsets) / sizeof(offsets[0]); oi++) {
			struct bytes in = {0}, want = {0};
			char fill[101];
			memset(fill, 'f', 100);
			fill[100] = '\n';
			puts_(&in, "Subject: s\n\n");
			puts_(&want, "Subject: s\r\n\r\n");
			while (in.n + 101 + 2 <= offsets[oi]) {
				put(&in, fill, 101);
				put(&want, fill, 100);
				puts_(&want, "\r\n");
			}
			size_t rest = offsets[oi] - in.n; /* 2..102: a line of rest-1 'g' */
			for (size_t k = 0; k + 1 < rest; k++) {
				put(&in, "g", 1);
				put(&want, "g", 1);
			}
			puts_(&in, "\n");
			puts_(&want, "\r\n");
			puts_(&in, lines[li].line);
			puts_(&in, "after\n");
			if (!lines[li].ends) {
				puts_(&want, lines[li].sent);
				puts_(&want, "after\r\n");
			}
			puts_(&want, ".\r\n");
			struct pn_message m;
			struct pn_error err;
			struct sink s;
			char label[160];
			bool ok = in.n > offsets[oi] && in.p[offsets[oi]] == '.';
			ok = ok && read_msg(&m, in.p, in.n, false, &err);
			ok = ok && stream(&m, &s);
			snprintf(label, sizeof(label), "dot line \"%s\" at offset %zu: %s",
				 li == 0 ? ".\\n" : li == 1 ? ".\\r\\n" : li == 2 ? ".x\\n" :
				 li == 3 ? "..\\n" : ".\\rz\\n", offsets[oi],
				 lines[li].ends ? "ends the message" : "is text");
			tap_ok(ok && s.len == want.n && memcmp(s.data, want.p, want.n) == 0, "%s", label);
			free(ok ? s.data : NULL);
			free_msg(&m);
			free(in.p);
			free(want.p);
		}
}

/* drained - without -i the input after the "." line is read and discarded */
static void drained(void)
{
	struct bytes in = {0};
	puts_(&in, "Subject: s\n\na\n.\n");
	while (in.n < 300 * 1024)
		puts_(&in, "after the end\n");
	for (enum input_kind k = INPUT_PIPE; k <= INPUT_FILE; k++) {
		const char *kind = k == INPUT_PIPE ? "pipe" : "file";
		input_kind = k;
		int fd = input_fd(in.p, in.n);
		input_kind = INPUT_AUTO;
		if (fd < 0) {
			tap_ok(false, "drained, %s: cannot make the input", kind);
			continue;
		}
		struct pn_message m;
		struct pn_error err;
		pn_error_init(&err);
		bool ok = pn_message_read(&m, fd, false, NULL, &err);
		tap_ok(ok && m.raw_len == strlen("Subject: s\n\na\n"), "dot line, %s: the message ends there", kind);
		char c;
		ssize_t r = read(fd, &c, 1);
		tap_ok(r == 0, "dot line, %s: the rest of the input was read to its end (next read gave %zd)", kind,
		       r);
		input_done(fd, &m);
		free_msg(&m);
	}
	free(in.p);
}

/* raw_equals - pn_message_raw gives exactly want[0..n) */
static bool raw_equals(const struct pn_message *m, const char *want, size_t n)
{
	struct sink s;
	struct pn_error err;
	pn_error_init(&err);
	memset(&s, 0, sizeof(s));
	bool ok = pn_message_raw(m, collect, &s, &err) && s.len == n && memcmp(s.data, want, n) == 0;
	free(s.data);
	return ok;
}

/* read_spill - read in.p through a pipe with $TMPDIR missing */
static bool read_spill(struct pn_message *m, const struct bytes *in, const char *fallback, struct pn_error *err)
{
	pn_error_init(err);
	input_kind = INPUT_PIPE;
	int fd = input_fd(in->p, in->n);
	input_kind = INPUT_AUTO;
	if (fd < 0) {
		memset(m, 0, sizeof(*m));
		m->spill_fd = m->file_fd = -1;
		return false;
	}
	bool ok = pn_message_read(m, fd, true, fallback, err);
	input_done(fd, m); /* the writer wrote all: no SIGPIPE */
	return ok;
}

/* no_tmpdir - with $TMPDIR unusable the spill goes to the fallback folder's
 * tmp/; without one the input is still read to its end, and 74 */
static void no_tmpdir(void)
{
	struct bytes in = {0};
	puts_(&in, "Subject: spill\n\n");
	for (int i = 0; in.n < 1024 * 1024; i++) {
		char line[96];
		snprintf(line, sizeof(line), "line %d of a message larger than what is kept in memory\n", i);
		puts_(&in, line);
	}
	char missing[300], dl[300], dltmp[320], notdir[300];
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	snprintf(dl, sizeof(dl), "%s/dl", dir);
	snprintf(dltmp, sizeof(dltmp), "%s/dl/tmp", dir);
	snprintf(notdir, sizeof(notdir), "%s/notdir", dir); /* a file: no folder can be made there */
	close(open(notdir, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	setenv("TMPDIR", missing, 1);

	struct pn_message m;
	struct pn_error err;
	bool ok = read_spill(&m, &in, dl, &err);
	tap_ok(ok && !m.lost, "no TMPDIR, a fallback folder: the message is read");
	if (!ok)
		printf("#   %s\n", err.msg);
	tap_ok(raw_equals(&m, in.p, in.n), "no TMPDIR, a fallback folder: kept byte for byte");
	/* rmdir succeeds on an empty folder only */
	tap_ok(rmdir(dltmp) == 0, "no TMPDIR, a fallback folder: the spill file in its tmp/ has no name");
	rmdir(dl);
	free_msg(&m);

	ok = read_spill(&m, &in, NULL, &err);
	tap_ok(!ok && err.code == EX_IOERR && m.lost && strstr(err.msg, missing),
	       "no TMPDIR, no fallback: 74 naming the directory, the input read to its end");
	pn_error_init(&err);
	tap_ok(!raw_equals(&m, in.p, in.n), "no TMPDIR, no fallback: no raw copy of a part");
	free_msg(&m);

	ok = read_spill(&m, &in, notdir, &err);
	tap_ok(!ok && err.code == EX_IOERR && m.lost && strstr(err.msg, missing) && strstr(err.msg, "dead_letter"),
	       "no TMPDIR, an unusable fallback: 74 naming both");
	free_msg(&m);
	unlink(notdir);
	setenv("TMPDIR", dir, 1);
	free(in.p);
}

/* in_place - a regular file is read from where its offset stands, and a
 * file cut short while the message is sent is an error, not a short message */
static void in_place(void)
{
	const char *skip = "not the message: the caller read this line\n";
	const char *msg = "Subject: in place\n\nline one\n.dot\nline three\n";
	int fd = open(input_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	bool made = fd >= 0 && write_all(fd, skip, strlen(skip)) && write_all(fd, msg, strlen(msg)) &&
		    lseek(fd, (off_t)strlen(skip), SEEK_SET) == (off_t)strlen(skip);
	unlink(input_path);
	tap_ok(made, "in place: the input file is made");
	if (!made) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct pn_message m;
	struct pn_error err;
	struct sink s;
	pn_error_init(&err);
	bool ok = pn_message_read(&m, fd, true, NULL, &err);
	tap_ok(ok && m.file_fd == fd && m.raw_len == strlen(msg), "in place: the message starts at the file's offset");
	ok = ok && stream(&m, &s);
	const char *want = "Subject: in place\r\n\r\nline one\r\n..dot\r\nline three\r\n.\r\n";
	tap_ok(ok && s.len == strlen(want) && memcmp(s.data, want, s.len) == 0,
	       "in place: streams the message, and only it");
	free(ok ? s.data : NULL);

	pn_error_init(&err);
	memset(&s, 0, sizeof(s));
	ok = ftruncate(fd, (off_t)(strlen(skip) + 20)) == 0 && !pn_message_stream(&m, collect, &s, &err);
	tap_ok(ok && err.code == EX_IOERR && strstr(err.msg, "got shorter"),
	       "in place: a file cut short while it is sent fails with 74, saying so (%s)", err.msg);
	free(s.data);
	free_msg(&m);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_message.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		tap_ok(false, "mkdtemp %s", dir);
		return tap_done();
	}
	snprintf(input_path, sizeof(input_path), "%s/input", dir);
	setenv("TMPDIR", dir, 1); /* the spill file goes here too */

	transforms();
	headers();
	stray_lines();
	recipients();
	complete_added();
	complete_present();
	full_names();
	encoded_names();
	to_headers();
	senders();
	flags();
	sink_failure();
	big_body(true, INPUT_PIPE);
	big_body(false, INPUT_PIPE);
	big_body(true, INPUT_FILE);
	big_body(false, INPUT_FILE);
	in_place();
	no_tmpdir();
	header_bound();
	long_first_line();
	boundaries();
	drained();

	unlink(input_path);
	if (rmdir(dir) < 0)
		tap_ok(false, "remove the temporary directory %s (is something left in it?)", dir);
	return tap_done();
}
