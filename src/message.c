/* message.c - reading, parsing and streaming the message (see message.h).
 *
 * RFC 5322 2.2 (header fields, folding) and 3.6.3 (Bcc); the transmitted form
 * comes from canon.c.  The input is kept byte for byte as it was read; only
 * the transmitted copy is rewritten: fields marked dropped are left out, the
 * lines in "added" go in before the blank line, and a blank line is put
 * between the header block and a body that had none.
 */
#include "message.h"

#include "canon.h"
#include "mime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define MEM_MAX (256 * 1024)  /* input kept in memory before spilling */
#define HEAD_MAX (1024 * 1024) /* header block bound */
#define CHUNK 65536

enum dot_state { LS, DOT, DOTCR, MID };

struct reader {
	struct pn_message *m;
	enum dot_state st;
	bool ignore_dots, ended, nul;
	const char *fallback; /* the folder whose tmp/ takes the spill when $TMPDIR fails, or NULL */
	bool moved;           /* the spill file is there already */
	struct pn_error *err;
};

/* tmp_dir - $TMPDIR, else /tmp */
static const char *tmp_dir(void)
{
	const char *dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

/* tmpfile_in - an unlinked read-write file in dir, mode 0600 */
static int tmpfile_in(const char *dir, struct pn_error *err)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC | O_EXCL, 0600);
	if (fd >= 0)
		return fd;
	char *path = pn_xasprintf("%s/postern.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	else
		pn_error_errno(err, EX_IOERR, errno, _("cannot create a temporary file in %s"), dir);
	free(path);
	return fd;
}

/* pn_message_tmpfile - see message.h (also the spill file beyond MEM_MAX) */
int pn_message_tmpfile(struct pn_error *err)
{
	return tmpfile_in(tmp_dir(), err);
}

/* pn_eightbit - see message.h; eight bytes at a time */
bool pn_eightbit(const char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull)
			return true;
	}
	for (; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}

/* pread_all - n bytes of fd at pos; false with errno set, or with errno 0
 * when the file ends first */
static bool pread_all(int fd, char *to, size_t n, off_t pos)
{
	while (n) {
		ssize_t r = pread(fd, to, n, pos);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return false;
		}
		to += r;
		pos += r;
		n -= (size_t)r;
	}
	return true;
}

/* copy_spill - the first n bytes of file from into file to, at its offset */
static bool copy_spill(int from, int to, off_t n)
{
	char *buf = pn_xmalloc(CHUNK);
	bool ok = true;
	for (off_t off = 0; ok && off < n; off += CHUNK) {
		size_t k = n - off < CHUNK ? (size_t)(n - off) : CHUNK;
		ok = pread_all(from, buf, k, off) && pn_write_all(to, buf, k);
		if (!ok && !errno)
			errno = EIO;
	}
	free(buf);
	return ok;
}

/* move_spill - $TMPDIR failed (why): go on with an unlinked file in the
 * fallback folder's tmp/ (made when missing, mode 700, as a Maildir's),
 * what was spilled so far copied there; else the error says both */
static bool move_spill(struct reader *r, const struct pn_error *why)
{
	struct pn_message *m = r->m;
	if (r->moved || !r->fallback) {
		pn_error_set(r->err, why->code, "%s", why->msg);
		return false;
	}
	r->moved = true;
	char *tmp = pn_xasprintf("%s/tmp", r->fallback);
	struct pn_error ferr;
	pn_error_init(&ferr);
	(void)mkdir(r->fallback, 0700);
	(void)mkdir(tmp, 0700);
	int fd = tmpfile_in(tmp, &ferr);
	if (fd >= 0 && m->spill_fd >= 0 && !copy_spill(m->spill_fd, fd, m->spill_len)) {
		pn_error_errno(&ferr, EX_IOERR, errno, _("cannot write a temporary file in %s"), tmp);
		close(fd);
		fd = -1;
	}
	free(tmp);
	if (m->spill_fd >= 0)
		close(m->spill_fd);
	m->spill_fd = fd;
	if (fd < 0)
		pn_error_set(r->err, EX_IOERR, _("%s, nor in the dead_letter folder: %s"), why->msg, ferr.msg);
	return fd >= 0;
}

/* spill - append to the spill file: in $TMPDIR, else (full, missing,
 * unwritable) in the fallback folder, so that the message is kept whole
 * where there is room */
static bool spill(struct reader *r, const char *p, size_t n)
{
	struct pn_message *m = r->m;
	struct pn_error why;
	pn_error_init(&why);
	if (m->spill_fd < 0 && !r->moved)
		m->spill_fd = pn_message_tmpfile(&why);
	while (m->spill_fd < 0 || !pn_write_all(m->spill_fd, p, n)) {
		if (m->spill_fd >= 0) {
			int e = errno;
			pn_error_init(&why);
			if (r->moved)
				pn_error_errno(&why, EX_IOERR, e, _("cannot write a temporary file in the dead_letter folder %s"),
					       r->fallback);
			else
				pn_error_errno(&why, EX_IOERR, e, _("cannot write a temporary file in %s"), tmp_dir());
		}
		if (!move_spill(r, &why))
			return false;
	}
	m->spill_len += (off_t)n;
	return true;
}

/* store - keep n bytes of the message.  What is stored is always the input
 * up to the "." line, unchanged (feed() holds a line-start "." only until it
 * knows it is text), so a regular-file input needs no copy: its bytes are
 * only checked and counted. */
static bool store(struct reader *r, const char *p, size_t n)
{
	struct pn_message *m = r->m;
	if (!n)
		return true;
	if (memchr(p, '\0', n))
		r->nul = true;
	if (!m->eightbit)
		m->eightbit = pn_eightbit(p, n);
	m->raw_len += n;
	if (m->file_fd >= 0)
		return true;
	size_t room = m->mem.len < MEM_MAX ? MEM_MAX - m->mem.len : 0;
	size_t take = n < room ? n : room;
	if (take && !pn_buf_append(&m->mem, p, take))
		return false;
	p += take;
	n -= take;
	if (!n)
		return true;
	if (!spill(r, p, n)) {
		m->lost = true;
		return false;
	}
	return true;
}

/* feed - pass a chunk through the "." line detector into the store */
static bool feed(struct reader *r, const char *p, size_t n)
{
	if (r->ignore_dots)
		return store(r, p, n);
	size_t seg = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		switch (r->st) {
		case LS:
			if (c == '.') {
				if (!store(r, p + seg, i - seg))
					return false;
				seg = i + 1;
				r->st = DOT;
			} else if (c != '\n') {
				r->st = MID;
			}
			break;
		case DOT:
		case DOTCR:
			if (c == '\n') {
				r->ended = true;
				return true;
			}
			if (c == '\r' && r->st == DOT) {
				r->st = DOTCR;
				seg = i + 1;
				break;
			}
			if (!store(r, r->st == DOT ? "." : ".\r", r->st == DOT ? 1 : 2))
				return false;
			seg = i;
			r->st = MID;
			break;
		case MID:
			if (c == '\n')
				r->st = LS;
			break;
		}
	}
	if (r->st == DOT || r->st == DOTCR)
		return true; /* held bytes are stored once decided */
	return store(r, p + seg, n - seg);
}

/* release_held - at end of input a held "." or ".\r" is message text */
static bool release_held(struct reader *r)
{
	if (r->st == DOT)
		return store(r, ".", 1);
	if (r->st == DOTCR)
		return store(r, ".\r", 2);
	return true;
}

/* read_all - read fd until EOF or the "." line.  After the "." line, and
 * after the message could not be stored (no room for the spill file), the
 * rest is read and dropped, so that a caller still writing never dies of
 * SIGPIPE; a terminal is not waited on, and a read error ends it. */
static bool read_all(struct reader *r, int fd)
{
	char *chunk = pn_xmalloc(CHUNK);
	bool ok = true, eof = false, broken = false;
	while (ok && !r->ended) {
		ssize_t n = read(fd, chunk, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pn_error_errno(r->err, EX_IOERR, errno, _("cannot read the message from standard input"));
			ok = false;
			broken = true;
		} else if (n == 0) {
			ok = release_held(r);
			eof = true;
			break;
		} else {
			ok = feed(r, chunk, (size_t)n);
		}
	}
	while (!eof && !broken && !isatty(fd)) {
		ssize_t n = read(fd, chunk, CHUNK);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	free(chunk);
	return ok;
}

/* read_at - copy input bytes [off, off+n) from the regular file they are
 * in, or from memory and the spill file */
static bool read_at(const struct pn_message *m, size_t off, char *to, size_t n, struct pn_error *err)
{
	if (m->file_fd >= 0) {
		if (pread_all(m->file_fd, to, n, m->file_off + (off_t)off))
			return true;
		if (errno)
			pn_error_errno(err, EX_IOERR, errno, _("cannot read the message from standard input"));
		else
			pn_error_set(err, EX_IOERR, _("the file on standard input got shorter while postern was sending it"));
		return false;
	}
	if (off < m->mem.len) {
		size_t take = m->mem.len - off < n ? m->mem.len - off : n;
		memcpy(to, m->mem.data + off, take);
		off += take;
		to += take;
		n -= take;
	}
	if (n && !pread_all(m->spill_fd, to, n, (off_t)(off - m->mem.len))) {
		pn_error_errno(err, EX_IOERR, errno ? errno : EIO, _("cannot read the temporary file"));
		return false;
	}
	return true;
}

/* field_name - length of "Name" in "Name:" or in the obsolete "Name :"
 * (RFC 5322 4.5: white space between the name and the colon), and in
 * *value where the value starts; 0 if the line is no field */
static size_t field_name(const char *s, size_t n, size_t *value)
{
	size_t i = 0;
	while (i < n && (unsigned char)s[i] > 32 && (unsigned char)s[i] < 127 && s[i] != ':')
		i++;
	size_t c = i;
	while (c < n && (s[c] == ' ' || s[c] == '\t'))
		c++;
	*value = c + 1;
	return (i > 0 && c < n && s[c] == ':') ? i : 0;
}

/* field_name_len - length of the name, 0 if the line is no field */
static size_t field_name_len(const char *s, size_t n)
{
	size_t value;
	return field_name(s, n, &value);
}

/* next_line - the header line at s[0..n): *len with its line end, *text
 * without it; false when it runs to n without one.  A line ends at LF, at
 * CRLF, and at a lone CR where what follows would read as a field, a
 * continuation or the empty line.  canon.c sends a lone CR as CRLF, so the
 * server sees a line end there; splitting there too makes every field the
 * server sees one parsed here (a Bcc behind "Subject: x\r" is dropped, a To
 * behind it read for -t).  *bare_cr tells that a lone CR before other text
 * stayed in the line: the server would end the header block there. */
static bool next_line(const char *s, size_t n, size_t *len, size_t *text, bool *bare_cr)
{
	*bare_cr = false;
	for (size_t i = 0; i < n; i++) {
		bool crlf = s[i] == '\r' && i + 1 < n && s[i + 1] == '\n';
		bool cr_ends = s[i] == '\r' && !crlf &&
			       (i == 0 || i + 1 == n || s[i + 1] == '\r' || s[i + 1] == ' ' || s[i + 1] == '\t' ||
				field_name_len(s + i + 1, n - i - 1));
		if (s[i] == '\n' || crlf || cr_ends) {
			*text = i;
			*len = i + (crlf ? 2 : 1);
			return true;
		}
		*bare_cr |= s[i] == '\r';
	}
	*text = *len = n;
	return false;
}

/* add_field - a new field starts at off */
static void add_field(struct pn_message *m, size_t off, size_t len, size_t name_len, size_t value_off)
{
	m->fields = pn_xrealloc(m->fields, (m->nfields + 1) * sizeof(*m->fields));
	m->fields[m->nfields++] = (struct pn_field){off, len, name_len, value_off, false};
}

/* field_follows - a header field starts on some line of h[off, n) before
 * the first empty line */
static bool field_follows(const char *h, size_t off, size_t n)
{
	while (off < n) {
		size_t len, text;
		bool bare_cr;
		next_line(h + off, n - off, &len, &text, &bare_cr);
		if (text == 0)
			return false;
		if (field_name_len(h + off, text))
			return true;
		off += len;
	}
	return false;
}

/* stray_line - the line at off, neither a field nor a continuation, ends a
 * header block of nfields fields.  It starts a body that lacks its empty
 * line (as sendmail takes it) unless it has a colon (a field with a
 * malformed name: "Reply To:", or an 8-bit byte in it) or fields follow it before the
 * empty line: moving those into the body would drop a Bcc recipient or a
 * Content-Type without a word, so the message is refused instead. */
static bool stray_line(const struct pn_message *m, size_t off, size_t len, size_t text, size_t lineno,
		       struct pn_error *err)
{
	const char *h = m->head.data;
	if (!m->nfields || (!memchr(h + off, ':', text) && !field_follows(h, off + len, m->head.len)))
		return true;
	pn_error_set(err, EX_DATAERR,
		     _("line %zu of the header block is neither a header field nor the continuation of one (the "
		       "header fields end at the first empty line)"),
		     lineno);
	return false;
}

/* parse_head - split the header block into fields; find where the body starts */
static bool parse_head(struct pn_message *m, struct pn_error *err)
{
	const char *h = m->head.data ? m->head.data : "";
	size_t n = m->head.len, off = 0, lineno = 0;
	while (off < n) {
		size_t len, text, value;
		bool bare_cr;
		bool ended = next_line(h + off, n - off, &len, &text, &bare_cr);
		size_t name = field_name(h + off, text, &value);
		lineno++;
		bool field = name || ((h[off] == ' ' || h[off] == '\t') && m->nfields);
		if (field && bare_cr) {
			pn_error_set(err, EX_DATAERR, _("a header field contains a lone CR before text that is no header field"));
			return false;
		}
		if (!ended && n == HEAD_MAX && m->raw_len > HEAD_MAX && field) {
			pn_error_set(err, EX_DATAERR, _("the message header block is larger than %d bytes"), HEAD_MAX);
			return false;
		}
		if (text == 0) { /* the blank line */
			m->body_off = off + len;
			return true;
		}
		if ((h[off] == ' ' || h[off] == '\t') && m->nfields)
			m->fields[m->nfields - 1].len += len;
		else if (name)
			add_field(m, off, len, name, value);
		else if (off == 0 && len > 5 && strncmp(h, "From ", 5) == 0) {
			add_field(m, off, len, 0, len); /* the mbox "From " line: never sent */
			m->fields[0].drop = true;
		} else if (stray_line(m, off, len, text, lineno, err))
			break; /* a line that is no header: the body starts here */
		else
			return false;
		off += len;
	}
	if (off >= n && n == HEAD_MAX && m->raw_len > HEAD_MAX) {
		pn_error_set(err, EX_DATAERR, _("the message header block is larger than %d bytes"), HEAD_MAX);
		return false;
	}
	m->body_off = off;
	return true;
}

/* load_head - the first HEAD_MAX bytes of the input, to parse */
static bool load_head(struct pn_message *m, struct pn_error *err)
{
	size_t n = m->raw_len < HEAD_MAX ? m->raw_len : HEAD_MAX;
	pn_buf_init(&m->head, HEAD_MAX);
	char *tmp = pn_xmalloc(n ? n : 1);
	bool ok = read_at(m, 0, tmp, n, err) && pn_buf_append(&m->head, tmp, n);
	free(tmp);
	return ok && parse_head(m, err);
}

/* pn_message_read - see message.h */
bool pn_message_read(struct pn_message *m, int fd, bool ignore_dots, const char *fallback, struct pn_error *err)
{
	memset(m, 0, sizeof(*m));
	m->spill_fd = -1;
	m->file_fd = -1;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (m->file_off = lseek(fd, 0, SEEK_CUR)) >= 0)
		m->file_fd = fd;
	pn_buf_init(&m->mem, MEM_MAX);
	pn_buf_init(&m->added, HEAD_MAX);
	struct reader r = {.m = m, .st = LS, .ignore_dots = ignore_dots, .fallback = fallback, .err = err};
	if (!read_all(&r, fd) || !load_head(m, err))
		return false;
	/* a NUL in the body is encoded on the way out (mime.c); in the header
	 * block no encoding can carry it */
	m->nul = r.nul && !(m->body_off && memchr(m->head.data, '\0', m->body_off));
	if (r.nul && !m->nul) {
		pn_error_set(err, EX_DATAERR, _("the message header block contains a NUL byte, which SMTP cannot carry"));
		return false;
	}
	return true;
}

void pn_message_free(struct pn_message *m)
{
	pn_buf_free(&m->mem);
	pn_buf_free(&m->head);
	pn_buf_free(&m->added);
	if (m->spill_fd >= 0)
		close(m->spill_fd); /* file_fd is the caller's */
	free(m->fields);
	m->fields = NULL;
	m->spill_fd = -1;
	m->file_fd = -1;
}

/* field_is - the field has this name (case-insensitive) */
static bool field_is(const struct pn_message *m, const struct pn_field *f, const char *name)
{
	return f->name_len == strlen(name) && strncasecmp(m->head.data + f->off, name, f->name_len) == 0;
}

/* unfold - a field's value without its line breaks, leading blanks trimmed */
static char *unfold(const struct pn_message *m, const struct pn_field *f)
{
	const char *v = m->head.data + f->off + f->value_off;
	size_t n = f->len - f->value_off;
	char *out = pn_xmalloc(n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\n' || (v[i] == '\r' && (i + 1 == n || v[i + 1] == '\n' || v[i + 1] == ' ' ||
							 v[i + 1] == '\t')))
			continue; /* a line end (see next_line) */
		out[o++] = v[i];
	}
	out[o] = '\0';
	size_t lead = strspn(out, " \t");
	memmove(out, out + lead, o - lead + 1);
	return out;
}

char *pn_message_header(const struct pn_message *m, const char *name)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (field_is(m, &m->fields[i], name))
			return unfold(m, &m->fields[i]);
	return NULL;
}

/* has_resent - some field's name starts with "Resent-" */
static bool has_resent(const struct pn_message *m)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].name_len > 7 && strncasecmp(m->head.data + m->fields[i].off, "Resent-", 7) == 0)
			return true;
	return false;
}

/* pn_message_recipients - see message.h */
bool pn_message_recipients(const struct pn_message *m, struct pn_addrlist *out, struct pn_error *err)
{
	static const char *const plain[] = {"To", "Cc", "Bcc"};
	static const char *const resent[] = {"Resent-To", "Resent-Cc", "Resent-Bcc"};
	const char *const *names = has_resent(m) ? resent : plain;
	for (size_t i = 0; i < m->nfields; i++)
		for (size_t k = 0; k < 3; k++) {
			if (!field_is(m, &m->fields[i], names[k]))
				continue;
			char *v = unfold(m, &m->fields[i]);
			struct pn_error perr;
			pn_error_init(&perr);
			bool ok = pn_address_parse_field(v, strlen(v), out, &perr);
			free(v);
			if (!ok) {
				pn_error_set(err, perr.code, _("%s (in the %s field)"), perr.msg, names[k]);
				return false;
			}
		}
	return true;
}

/* pn_message_sender - see message.h */
char *pn_message_sender(const struct pn_message *m)
{
	for (size_t i = 0; i < m->nfields; i++) {
		if (!field_is(m, &m->fields[i], "From") && !field_is(m, &m->fields[i], "Resent-From"))
			continue;
		char *v = unfold(m, &m->fields[i]);
		struct pn_addrlist l;
		struct pn_error err;
		pn_addrlist_init(&l);
		pn_error_init(&err);
		char *out = pn_address_parse_field(v, strlen(v), &l, &err) && l.n ? pn_xstrdup(l.addr[0]) : NULL;
		pn_addrlist_free(&l);
		free(v);
		return out;
	}
	return NULL;
}

void pn_message_drop(struct pn_message *m, const char *name)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (field_is(m, &m->fields[i], name))
			m->fields[i].drop = true;
}

/* build_head - the header block as transmitted (not yet canonical) */
static bool build_head(const struct pn_message *m, struct pn_buf *out)
{
	size_t end = 0; /* where the last field ends */
	bool ok = true;
	for (size_t i = 0; i < m->nfields; i++) {
		const struct pn_field *f = &m->fields[i];
		end = f->off + f->len;
		if (f->drop)
			continue;
		ok = ok && pn_buf_append(out, m->head.data + f->off, f->len);
		if (m->head.data[end - 1] != '\n')
			ok = ok && pn_buf_append(out, "\n", 1);
	}
	ok = ok && pn_buf_append(out, m->added.data ? m->added.data : "", m->added.len);
	if (m->body_off > end) /* the blank line as it was read */
		ok = ok && pn_buf_append(out, m->head.data + end, m->body_off - end);
	else if (m->raw_len > m->body_off && (m->nfields || m->added.len))
		ok = ok && pn_buf_append(out, "\n", 1);
	return ok;
}

/* emit - canonicalize one block and hand it to the sink */
static bool emit(struct pn_canon *c, char *out, const char *p, size_t n, pn_sink sink, void *ctx,
		 struct pn_error *err)
{
	size_t o = pn_canon_feed(c, p, n, out);
	return o == 0 || sink(ctx, out, o, err);
}

/* stream - the transmitted message through canon into sink */
static bool stream(const struct pn_message *m, bool stuff, pn_sink sink, void *ctx, struct pn_error *err)
{
	struct pn_canon c;
	pn_canon_init(&c, stuff);
	struct pn_buf head;
	pn_buf_init(&head, 2 * HEAD_MAX + 16);
	char *in = pn_xmalloc(CHUNK);
	char *out = pn_xmalloc(PN_CANON_OUT_MAX(CHUNK));
	bool ok = build_head(m, &head);
	for (size_t off = 0; ok && off < head.len; off += CHUNK) {
		size_t n = head.len - off < CHUNK ? head.len - off : CHUNK;
		ok = emit(&c, out, head.data + off, n, sink, ctx, err);
	}
	for (size_t off = m->body_off; ok && off < m->raw_len; off += CHUNK) {
		size_t n = m->raw_len - off < CHUNK ? m->raw_len - off : CHUNK;
		ok = read_at(m, off, in, n, err) && emit(&c, out, in, n, sink, ctx, err);
	}
	if (ok) {
		size_t o = pn_canon_finish(&c, out);
		ok = o == 0 || sink(ctx, out, o, err);
	}
	free(in);
	free(out);
	pn_buf_free(&head);
	return ok;
}

bool pn_message_stream(const struct pn_message *m, pn_sink sink, void *ctx, struct pn_error *err)
{
	return stream(m, true, sink, ctx, err);
}

bool pn_message_raw(const struct pn_message *m, pn_sink sink, void *ctx, struct pn_error *err)
{
	if (m->lost) {
		pn_error_set(err, EX_IOERR, _("only %jd of its %zu bytes could be stored"),
			     (intmax_t)m->mem.len + (intmax_t)m->spill_len, m->raw_len);
		return false;
	}
	char *in = pn_xmalloc(CHUNK);
	bool ok = true;
	for (size_t off = 0; ok && off < m->raw_len; off += CHUNK) {
		size_t n = m->raw_len - off < CHUNK ? m->raw_len - off : CHUNK;
		ok = read_at(m, off, in, n, err) && sink(ctx, in, n, err);
	}
	free(in);
	return ok;
}

/* count - a sink that only counts */
static bool count(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	*(size_t *)ctx += n;
	return true;
}

bool pn_message_canon(const struct pn_message *m, pn_sink sink, void *ctx, struct pn_error *err)
{
	return stream(m, false, sink, ctx, err);
}

bool pn_message_prepare(struct pn_message *m, struct pn_error *err)
{
	m->size = 0;
	/* only a message with 8-bit or NUL bytes can need BINARYMIME or a
	 * conversion: a 7-bit one is not walked, only counted */
	if (m->eightbit || m->nul)
		return pn_mime_scan(m, err);
	return stream(m, false, count, &m->size, err);
}

/* date_value - RFC 5322 3.3 date-time, independent of the locale */
static void date_value(char *out, size_t size)
{
	static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	long off = tm.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	off = off < 0 ? -off : off;
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60,
		 off % 60);
}

/* needs_quotes - a display name with characters outside atext and space */
static bool needs_quotes(const char *s)
{
	for (; *s; s++)
		if (!((unsigned char)*s >= 0x80 || strchr(" !#$%&'*+-/=?^_`{|}~", *s) ||
		      (*s >= '0' && *s <= '9') || ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')))
			return true;
	return false;
}

/* needs_encoding - a display name with a byte that a header may carry only
 * encoded (RFC 2047 5(3)): 8-bit or a control */
static bool needs_encoding(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* base64 - RFC 4648 4 of p[0..n) appended to out */
static bool base64(struct pn_buf *out, const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	bool ok = true;
	for (size_t i = 0; ok && i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {a[v >> 18], a[(v >> 12) & 63], i + 1 < n ? a[(v >> 6) & 63] : '=',
			     i + 2 < n ? a[v & 63] : '='};
		ok = pn_buf_append(out, q, 4);
	}
	return ok;
}

#define WORD_BYTES 45 /* 60 base64 characters: an encoded-word within 75 (RFC 2047 2) */

/* encode_name - the name as "=?utf-8?B?...?=" encoded-words (msmtp's
 * spelling), each whole UTF-8 characters of at most WORD_BYTES bytes, the
 * words on folded lines */
static bool encode_name(struct pn_buf *out, const char *name)
{
	size_t n = strlen(name);
	bool ok = true;
	for (size_t off = 0; ok && off < n;) {
		size_t k = n - off < WORD_BYTES ? n - off : WORD_BYTES;
		while (k > 1 && off + k < n && ((unsigned char)name[off + k] & 0xc0) == 0x80)
			k--; /* not inside a character (RFC 2047 5) */
		ok = (off == 0 || pn_buf_addstr(out, "\n ")) && pn_buf_addstr(out, "=?utf-8?B?") &&
		     base64(out, (const unsigned char *)name + off, k) && pn_buf_addstr(out, "?=");
		off += k;
	}
	return ok;
}

/* pn_message_encode_words - see message.h */
bool pn_message_encode_words(struct pn_buf *out, const char *text)
{
	return encode_name(out, text);
}

/* add_from - "From: Name <addr>" with the name quoted when it must be, and
 * encoded when it is not ASCII and the message goes without SMTPUTF8 */
static bool add_from(struct pn_message *m, const char *from, const char *name, bool smtputf8)
{
	if (!name || !*name)
		return pn_buf_printf(&m->added, "From: %s\n", from);
	if (needs_encoding(name) && !smtputf8)
		return pn_buf_addstr(&m->added, "From: ") && encode_name(&m->added, name) &&
		       pn_buf_printf(&m->added, " <%s>\n", from);
	if (!needs_quotes(name))
		return pn_buf_printf(&m->added, "From: %s <%s>\n", name, from);
	bool ok = pn_buf_addstr(&m->added, "From: \"");
	for (const char *p = name; ok && *p; p++)
		ok = (*p == '"' || *p == '\\' ? pn_buf_append(&m->added, "\\", 1) : true) &&
		     pn_buf_append(&m->added, p, 1);
	return ok && pn_buf_printf(&m->added, "\" <%s>\n", from);
}

/* add_to - set_to_header: "To:" with every recipient, folded before an
 * address that would take the line past 78 characters (RFC 5322 2.1.1) */
static bool add_to(struct pn_message *m, int how, const struct pn_addrlist *rcpt)
{
	if (how == PN_TO_UNDISCLOSED || !rcpt || !rcpt->n)
		return pn_buf_addstr(&m->added, "To: undisclosed-recipients:;\n");
	bool ok = pn_buf_addstr(&m->added, "To:");
	size_t col = 3;
	for (size_t i = 0; ok && i < rcpt->n; i++) {
		size_t w = strlen(rcpt->addr[i]);
		bool fold = i > 0 && col + w + 2 > 78;
		ok = pn_buf_addstr(&m->added, i == 0 ? " " : fold ? ",\n " : ", ") &&
		     pn_buf_addstr(&m->added, rcpt->addr[i]);
		col = (fold ? 1 : col + (i ? 2 : 1)) + w;
	}
	return ok && pn_buf_addstr(&m->added, "\n");
}

/* has_field - a field with this name is present */
static bool has_field(const struct pn_message *m, const char *name)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (field_is(m, &m->fields[i], name))
			return true;
	return false;
}

/* add_msgid - "Message-ID: <time.pid.random@right>" */
static bool add_msgid(struct pn_message *m, const char *right)
{
	unsigned char r[8] = {0};
	if (getentropy(r, sizeof(r)) < 0)
		memset(r, 0, sizeof(r));
	return pn_buf_printf(&m->added, "Message-ID: <%lld.%ld.%02x%02x%02x%02x%02x%02x%02x%02x@%s>\n",
			     (long long)time(NULL), (long)getpid(), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
			     right);
}

/* pn_message_rewrite - see message.h */
bool pn_message_rewrite(struct pn_message *m, const struct pn_rewrite *rw, struct pn_error *err)
{
	if (rw->fullname && strpbrk(rw->fullname, "\r\n")) {
		pn_error_set(err, EX_DATAERR, _("the full name (-F or from_full_name) contains a line break"));
		return false;
	}
	if (rw->remove_bcc || rw->to_header != PN_TO_OFF) {
		pn_message_drop(m, "Bcc");
		pn_message_drop(m, "Resent-Bcc");
	}
	if (rw->from_header == PN_HDR_ON && *rw->from)
		pn_message_drop(m, "From"); /* replaced below; kept for the null sender */
	bool ok = true;
	if (rw->to_header != PN_TO_OFF) {
		pn_message_drop(m, "To");
		pn_message_drop(m, "Cc");
		ok = add_to(m, rw->to_header, rw->rcpt);
	}
	if (ok && *rw->from && rw->from_header != PN_HDR_OFF && (rw->from_header == PN_HDR_ON || !has_field(m, "From")))
		ok = add_from(m, rw->from, rw->fullname, rw->smtputf8);
	if (ok && rw->date_header == PN_HDR_AUTO && !has_field(m, "Date")) {
		char date[64];
		date_value(date, sizeof(date));
		ok = pn_buf_printf(&m->added, "Date: %s\n", date);
	}
	if (ok && rw->msgid_header == PN_HDR_AUTO && !has_field(m, "Message-ID"))
		ok = add_msgid(m, rw->hostname);
	if (!ok)
		pn_error_set(err, EX_DATAERR, _("the message header block is too large"));
	return ok;
}

bool pn_message_complete(struct pn_message *m, const char *from, const char *fullname,
			 const char *hostname, struct pn_error *err)
{
	struct pn_rewrite rw = {.from = from, .fullname = fullname, .hostname = hostname, .from_header = PN_HDR_AUTO,
				.date_header = PN_HDR_AUTO, .msgid_header = PN_HDR_AUTO};
	return pn_message_rewrite(m, &rw, err);
}
