/* fuzz_message.c - libFuzzer target for reading and streaming the message
 * (message.c, with address.c and canon.c under it).
 *
 * The input is put in a memfd (a regular file: read in place) and, when it
 * fits in a pipe's buffer, in a pipe too (kept in memory), and read as
 * standard input would be, once with ignore_dots (-i) and once without.  Then, as a run with -t does:
 * pn_message_recipients, pn_message_sender, dropping Bcc, pn_message_complete
 * (plain, quoted and RFC 2047-encoded names), pn_message_prepare
 * and pn_message_stream into a sink that keeps the whole stream.  The
 * stream must keep the DATA invariants (invariants.h) and its length less
 * the stuffed dots must be m.size + 3 (SIZE= is what is really sent).  The
 * raw copy must be the input (with -i) or as long as m.raw_len.  The header
 * section the server sees (the un-stuffed lines before the first empty one)
 * must consist of fields (obsolete names with blanks before the colon
 * included) and their continuation lines only, none of them a Bcc field: whatever postern took for the body starts after a blank line,
 * and a Bcc it dropped cannot reach the recipients by another line end.
 * Before Bcc is dropped, every address in a To, Cc or Bcc field of that
 * header section (Resent- ones when there are Resent- fields) must be one
 * of the -t recipients.
 */
#define _GNU_SOURCE
#include "../../src/message.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

struct sink {
	char *p;
	size_t n, cap;
	size_t calls;
};

/* collect - the pn_sink: keep every block; an empty block is a bug */
static bool collect(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	struct sink *s = ctx;
	(void)err;
	if (n == 0)
		fuzz_fail("the sink was called with an empty block", s->n);
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->calls++;
	return true;
}

/* input_fd - a memfd holding the input at offset 0, or a pipe */
static int input_fd(const uint8_t *data, size_t size, bool use_pipe)
{
	int fds[2] = {-1, -1};
	if (use_pipe && pipe(fds) < 0) {
		perror("fuzz_message: pipe");
		abort();
	}
	int fd = use_pipe ? fds[1] : memfd_create("fuzz-message", MFD_CLOEXEC);
	if (fd < 0) {
		perror("fuzz_message: memfd_create");
		abort();
	}
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			perror("fuzz_message: write");
			abort();
		}
		off += (size_t)w;
	}
	if (use_pipe) {
		close(fds[1]);
		return fds[0];
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* the header section of a stream as the server reads it */
struct sfield {
	const char *name;
	size_t name_len;
	char *value; /* unfolded: the lines' text joined, without CRLF */
};
struct shead {
	struct sfield *f;
	size_t n;
	bool nonfield; /* it ended at a line that is no field and no blank line */
};

/* server_head - split the stream out[0..n) (CRLF lines, already checked by
 * fuzz_check_data) into the fields before its first empty line */
static void server_head(const char *out, size_t n, struct shead *h)
{
	h->f = NULL;
	h->n = 0;
	h->nonfield = false;
	size_t line = 0;
	while (line + 3 < n) { /* up to the final "." CRLF */
		const char *crlf = memchr(out + line, '\r', n - line);
		size_t full = (size_t)(crlf - (out + line));
		const char *l = out + line;
		size_t len = full;
		line += full + 2;
		if (len && l[0] == '.') { /* un-stuff */
			l++;
			len--;
		}
		if (len == 0)
			return; /* the blank line: the body follows */
		if (l[0] == ' ' || l[0] == '\t') {
			if (!h->n) {
				h->nonfield = true;
				return;
			}
			struct sfield *f = &h->f[h->n - 1];
			size_t old = strlen(f->value);
			f->value = realloc(f->value, old + len + 1);
			if (!f->value)
				abort();
			memcpy(f->value + old, l, len);
			f->value[old + len] = '\0';
			continue;
		}
		size_t name = 0, colon;
		while (name < len && (unsigned char)l[name] > 32 && (unsigned char)l[name] < 127 && l[name] != ':')
			name++;
		for (colon = name; colon < len && (l[colon] == ' ' || l[colon] == '\t');)
			colon++; /* RFC 5322 4.5: "Bcc :" is a Bcc field */
		if (name == 0 || colon == len || l[colon] != ':') {
			h->nonfield = true;
			return;
		}
		h->f = realloc(h->f, (h->n + 1) * sizeof(*h->f));
		if (!h->f)
			abort();
		h->f[h->n].name = l;
		h->f[h->n].name_len = name;
		h->f[h->n].value = strndup(l + colon + 1, len - colon - 1);
		if (!h->f[h->n].value)
			abort();
		h->n++;
	}
}

static void shead_free(struct shead *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->f[i].value);
	free(h->f);
}

static bool sfield_is(const struct sfield *f, const char *name)
{
	return f->name_len == strlen(name) && strncasecmp(f->name, name, f->name_len) == 0;
}

/* check_recipients - every address of a To/Cc/Bcc field the server will
 * show (Resent-To/-Cc/-Bcc when there are Resent- fields) is a recipient */
static void check_recipients(const struct shead *h, const struct pn_addrlist *rcpt)
{
	static const char *const plain[] = {"To", "Cc", "Bcc"};
	static const char *const resent[] = {"Resent-To", "Resent-Cc", "Resent-Bcc"};
	bool is_resent = false;
	for (size_t i = 0; i < h->n; i++)
		if (h->f[i].name_len > 7 && strncasecmp(h->f[i].name, "Resent-", 7) == 0)
			is_resent = true;
	const char *const *names = is_resent ? resent : plain;
	for (size_t i = 0; i < h->n; i++)
		for (size_t k = 0; k < 3; k++) {
			if (!sfield_is(&h->f[i], names[k]))
				continue;
			struct pn_addrlist l;
			struct pn_error e;
			pn_addrlist_init(&l);
			pn_error_init(&e);
			if (pn_address_parse_field(h->f[i].value, strlen(h->f[i].value), &l, &e))
				for (size_t j = 0; j < l.n; j++)
					if (!pn_addrlist_has(rcpt, l.addr[j]))
						fuzz_fail("an address in a To/Cc/Bcc field the server sees is no -t recipient", i);
			pn_addrlist_free(&l);
		}
}

/* one - read, take the recipients, complete, size and stream one message */
static void one(const uint8_t *data, size_t size, bool ignore_dots, bool use_pipe)
{
	struct pn_message m;
	struct pn_error err;
	pn_error_init(&err);
	int fd = input_fd(data, size, use_pipe);
	bool ok = pn_message_read(&m, fd, ignore_dots, NULL, &err); /* a memfd: read in place */
	if (!ok) {
		if (!pn_error_isset(&err))
			fuzz_fail("pn_message_read failed without an error", 0);
		pn_message_free(&m);
		close(fd);
		return;
	}
	if (m.raw_len > size)
		fuzz_fail("raw_len is larger than the input", m.raw_len);
	if (ignore_dots && m.raw_len != size)
		fuzz_fail("with -i the whole input is the message", m.raw_len);
	if (m.body_off > m.raw_len)
		fuzz_fail("the body starts after the end of the message", m.body_off);

	/* the raw copy */
	struct sink raw = {0};
	if (!pn_message_raw(&m, collect, &raw, &err))
		fuzz_fail("pn_message_raw failed", 0);
	if (raw.n != m.raw_len)
		fuzz_fail("pn_message_raw length is not raw_len", raw.n);
	if (ignore_dots && (raw.n != size || memcmp(raw.p ? raw.p : "", data, size) != 0))
		fuzz_fail("with -i the raw copy is not the input", raw.n);
	free(raw.p);

	/* what -t does */
	struct pn_addrlist rcpt;
	pn_addrlist_init(&rcpt);
	struct pn_error rerr;
	pn_error_init(&rerr);
	bool rok = pn_message_recipients(&m, &rcpt, &rerr);
	if (rok)
		for (size_t i = 0; i < rcpt.n; i++) {
			struct pn_error e;
			pn_error_init(&e);
			if (!pn_address_check(rcpt.addr[i], "fuzz", &e))
				fuzz_fail("a recipient from the header fails pn_address_check", i);
		}
	if (rok) { /* the fields the server sees, before Bcc is dropped */
		struct sink pre = {0};
		if (!pn_message_stream(&m, collect, &pre, &err))
			fuzz_fail("pn_message_stream failed", 0);
		(void)fuzz_check_data(pre.p, pre.n);
		struct shead h;
		server_head(pre.p, pre.n, &h);
		check_recipients(&h, &rcpt);
		shead_free(&h);
		free(pre.p);
	}
	pn_addrlist_free(&rcpt);
	char *subject = pn_message_header(&m, "Subject");
	free(subject);
	char *from = pn_message_sender(&m); /* %F, --read-envelope-from */
	struct pn_error ferr;
	pn_error_init(&ferr);
	if (from && !pn_address_check(from, "fuzz", &ferr))
		fuzz_fail("the From header's address fails pn_address_check", 0);
	free(from);
	pn_message_drop(&m, "Bcc");

	pn_error_init(&err);
	static const char *const names[] = {"Fuzz Tester", "Fuzz \"Q\" Tester, Jr.",
					    "Fuzz T\xc3\xa9ster \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
					    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
					    "Tab\there"};
	const char *fullname = names[size ? data[0] & 3 : 0]; /* an encoded name folds over two lines */
	if (!pn_message_complete(&m, "alice@postern.test", fullname, "host.postern.test", &err))
		fuzz_fail("pn_message_complete failed on a name without a line break", 0);
	if (!pn_message_prepare(&m, &err))
		fuzz_fail("pn_message_prepare failed", 0);

	struct sink out = {0};
	if (!pn_message_stream(&m, collect, &out, &err))
		fuzz_fail("pn_message_stream failed", 0);
	size_t dots = fuzz_check_data(out.p, out.n);
	struct shead h;
	server_head(out.p, out.n, &h);
	for (size_t i = 0; i < h.n; i++)
		if (sfield_is(&h.f[i], "Bcc"))
			fuzz_fail("a Bcc field is transmitted after pn_message_drop", i);
	if (h.nonfield)
		fuzz_fail("a line of the header section is no field and no blank line came before it", 0);
	shead_free(&h);
	if (out.n - dots != m.size + 3)
		fuzz_fail("stream length less stuffed dots is not m.size + 3", out.n);
	free(out.p);
	pn_message_free(&m);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, true, false);
	one(data, size, false, false);
	if (size < 65536) { /* a pipe's buffer holds it */
		one(data, size, true, true);
		one(data, size, false, true);
	}
	return 0;
}
