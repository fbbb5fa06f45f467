/* deadletter.c - dead letters in a Maildir (see deadletter.h).
 *
 * The sidecar DIR/postern/NAME holds lines "key=value": date, account,
 * from, one rcpt= per recipient (or arg= per recipient word, and
 * read_recipients=yes), exitcode, error.  Each value is escaped as in the
 * log (escape.h), so that a value holding a line break cannot add a key;
 * reading is strict, and a sidecar that is not exactly what postern writes
 * is refused.  A Maildir reader that moves the message to cur/ and adds
 * flags (":2,S") keeps it findable: the sidecar is looked up by the part of
 * the name before ':'.
 *
 * SECURITY: DIR may be shared (a sticky folder such as /tmp), so what is
 * written and read there follows /tmp's rules: DIR belongs to the caller
 * or root and is sticky when others can write it; its subfolders, the
 * message and its sidecar belong to the caller, no one else can write them,
 * and they are opened relative to the folder they were checked in without
 * following a symbolic link.  Another user can then neither redirect a
 * --resend nor read what is kept.
 */
#include "deadletter.h"

#include "buf.h"
#include "error.h"
#include "escape.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define SIDECAR_MAX (4 * 1024 * 1024)

/* the subfolders of a dead_letter folder */
enum { SUB_TMP, SUB_NEW, SUB_CUR, SUB_SIDE, SUB_N };
static const char *const sub_names[SUB_N] = {"tmp", "new", "cur", "postern"};

/* a dead_letter folder, checked and open */
struct folder {
	const char *path;
	int top;
	int sub[SUB_N]; /* -1: not opened */
};

/* write_sink - blocks into an fd */
static bool write_sink(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	if (pn_write_all(*(int *)ctx, p, n))
		return true;
	pn_error_errno(err, EX_CANTCREAT, errno, _("cannot write the dead letter"));
	return false;
}

/* check_top - DIR itself: the caller's or root's, and sticky when others
 * may write it, so that no one else can move or replace what is in it */
static bool check_top(const struct folder *f, struct pn_error *err)
{
	struct stat st;
	if (fstat(f->top, &st) < 0) {
		pn_error_errno(err, EX_CONFIG, errno, _("cannot use the dead letter folder %s"), f->path);
		return false;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		pn_error_set(err, EX_CONFIG, _("the dead letter folder %s belongs to another user"), f->path);
		return false;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		pn_error_set(err, EX_CONFIG,
			     _("the dead letter folder %s can be written by other users and is not sticky (chmod +t)"),
			     f->path);
		return false;
	}
	return true;
}

/* check_own - what fd is open on (at DIR/what): of type kind, the
 * caller's, and writable by no one else */
static bool check_own(int fd, mode_t kind, const char *dir, const char *what, struct pn_error *err)
{
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) < 0)
		why = _("cannot examine it");
	else if ((st.st_mode & S_IFMT) != kind)
		why = kind == S_IFDIR ? _("not a directory") : _("not a regular file");
	else if (st.st_uid != geteuid())
		why = _("it belongs to another user");
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		why = _("other users can write it");
	if (why)
		pn_error_set(err, EX_CONFIG, _("refusing %s/%s in the dead letter folder: %s"), dir, what, why);
	return !why;
}

/* open_in - DIR/what (relative to at), without following a link, without
 * blocking on a FIFO; checked with check_own; -1 with err set */
static int open_in(int at, const char *dir, const char *what, int flags, mode_t kind, struct pn_error *err)
{
	int fd = openat(at, what, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int e = errno;
	struct stat st;
	if (fd < 0 && fstatat(at, what, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		pn_error_set(err, EX_CONFIG, _("refusing %s/%s in the dead letter folder: a symbolic link"), dir, what);
	else if (fd < 0)
		pn_error_errno(err, EX_CONFIG, e, _("cannot open %s/%s"), dir, what);
	if (fd >= 0 && !check_own(fd, kind, dir, what, err)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* folder_close - the descriptors of f */
static void folder_close(struct folder *f)
{
	for (size_t i = 0; i < SUB_N; i++)
		if (f->sub[i] >= 0)
			close(f->sub[i]);
	if (f->top >= 0)
		close(f->top);
}

/* folder_open - DIR and the subfolders in want (a bit per SUB_), made
 * (mode 700) when create is set and they are missing, each checked */
static bool folder_open(struct folder *f, const char *dir, unsigned want, bool create, struct pn_error *err)
{
	*f = (struct folder){dir, -1, {-1, -1, -1, -1}};
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		pn_error_errno(err, EX_CANTCREAT, errno, _("cannot create the dead letter folder %s"), dir);
		return false;
	}
	f->top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->top < 0) {
		pn_error_errno(err, EX_CONFIG, errno, _("cannot use the dead letter folder %s"), dir);
		return false;
	}
	bool ok = check_top(f, err);
	for (size_t i = 0; ok && i < SUB_N; i++) {
		if (!(want & 1u << i))
			continue;
		if (create && mkdirat(f->top, sub_names[i], 0700) < 0 && errno != EEXIST) {
			pn_error_errno(err, EX_CANTCREAT, errno, _("cannot create the dead letter folder %s"), dir);
			ok = false;
			break;
		}
		f->sub[i] = open_in(f->top, dir, sub_names[i], O_RDONLY | O_DIRECTORY, S_IFDIR, err);
		ok = f->sub[i] >= 0;
	}
	if (!ok)
		folder_close(f);
	return ok;
}

/* unique - a Maildir file name: time.Ppid_Rrandom.host */
static char *unique(void)
{
	unsigned int r = 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)clock();
	char host[256] = "localhost";
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (char *h = host; *h; h++)
		if (*h == '/' || *h == ':')
			*h = '_';
	return pn_xasprintf("%lld.P%ldR%08x.%s", (long long)time(NULL), (long)getpid(), r, host);
}

/* put_file - write through fill into tmp/NAME, fsync, rename to DEST/NAME */
static bool put_file(const struct folder *f, const char *name, int dest,
		     bool (*fill)(int fd, const void *ctx, struct pn_error *err), const void *ctx,
		     struct pn_error *err)
{
	int tmp = f->sub[SUB_TMP];
	int fd = openat(tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	bool ok = fd >= 0;
	if (!ok)
		pn_error_errno(err, EX_CANTCREAT, errno, _("cannot create %s/tmp/%s"), f->path, name);
	ok = ok && fill(fd, ctx, err);
	if (ok && fsync(fd) < 0) {
		pn_error_errno(err, EX_CANTCREAT, errno, _("cannot write %s/tmp/%s"), f->path, name);
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	if (ok && renameat(tmp, name, f->sub[dest], name) < 0) {
		pn_error_errno(err, EX_CANTCREAT, errno, _("cannot move the dead letter to %s/%s/%s"), f->path,
			       sub_names[dest], name);
		ok = false;
	}
	if (!ok && fd >= 0)
		unlinkat(tmp, name, 0);
	return ok;
}

/* fill_message - the raw input */
static bool fill_message(int fd, const void *ctx, struct pn_error *err)
{
	return pn_message_raw(ctx, write_sink, &fd, err);
}

/* add - one "key=value" line, the value escaped */
static bool add(struct pn_buf *b, const char *key, const char *value)
{
	return pn_buf_printf(b, "%s=", key) && pn_escape(b, value ? value : "", false) && pn_buf_addstr(b, "\n");
}

/* pn_dead_format - see deadletter.h */
bool pn_dead_format(const struct pn_dead_info *i, const char *date, struct pn_buf *b)
{
	bool ok = add(b, "date", date) && add(b, "account", i->account);
	if (ok && i->from) /* none: the account's sender on resend */
		ok = add(b, "from", i->from);
	for (size_t k = 0; ok && k < i->rcpt.n; k++)
		ok = add(b, "rcpt", i->rcpt.addr[k]);
	for (size_t k = 0; ok && !i->rcpt.n && k < i->args.n; k++)
		ok = add(b, "arg", i->args.addr[k]);
	if (ok && !i->rcpt.n && i->read_recipients)
		ok = add(b, "read_recipients", "yes");
	return ok && add(b, "exitcode", pn_exit_name(i->code)) && add(b, "error", i->error);
}

/* fill_sidecar - the key=value lines */
static bool fill_sidecar(int fd, const void *ctx, struct pn_error *err)
{
	struct pn_buf b;
	pn_buf_init(&b, SIDECAR_MAX);
	time_t now = time(NULL);
	char date[64];
	struct tm tm;
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&now, &tm));
	bool ok = pn_dead_format(ctx, date, &b);
	if (ok)
		ok = write_sink(&fd, b.data, b.len, err);
	else
		pn_error_set(err, EX_CANTCREAT, _("too many recipients to keep"));
	pn_buf_free(&b);
	return ok;
}

/* keep_in - the sidecar, then the message (a message in new/ always has its
 * envelope), each made durable */
static bool keep_in(const struct folder *f, const char *name, const struct pn_message *m,
		    const struct pn_dead_info *info, struct pn_error *err)
{
	bool ok = put_file(f, name, SUB_SIDE, fill_sidecar, info, err) &&
		  put_file(f, name, SUB_NEW, fill_message, m, err);
	if (ok) {
		fsync(f->sub[SUB_NEW]);
		fsync(f->sub[SUB_SIDE]);
	} else {
		unlinkat(f->sub[SUB_SIDE], name, 0);
	}
	return ok;
}

bool pn_dead_keep(const char *dir, const struct pn_message *m, const struct pn_dead_info *info, char **path,
		  struct pn_error *err)
{
	*path = NULL;
	struct folder f;
	if (!folder_open(&f, dir, (1u << SUB_N) - 1, true, err))
		return false;
	char *name = unique();
	bool ok = keep_in(&f, name, m, info, err);
	if (ok)
		*path = pn_xasprintf("%s/new/%s", dir, name);
	folder_close(&f);
	free(name);
	return ok;
}

/* sidecar_of - DIR/postern/NAME for DIR/new/NAME or DIR/cur/NAME:2,FLAGS */
static char *sidecar_of(const char *path)
{
	char *copy = pn_xstrdup(path), *copy2 = pn_xstrdup(path);
	char *base = basename(copy);
	base[strcspn(base, ":")] = '\0';
	char *dir = dirname(dirname(copy2));
	char *side = pn_xasprintf("%s/postern/%s", dir, base);
	free(copy);
	free(copy2);
	return side;
}

/* the keys of a sidecar; the ones marked multi may repeat */
enum { K_DATE, K_ACCOUNT, K_FROM, K_RCPT, K_ARG, K_READ, K_EXIT, K_ERROR, K_N };
static const struct {
	const char *name;
	bool multi, required;
} sidecar_keys[K_N] = {
	{"date", false, true}, {"account", false, true},	{"from", false, false},
	{"rcpt", true, false}, {"arg", true, false},		{"read_recipients", false, false},
	{"exitcode", false, true}, {"error", false, true},
};

/* key_of - the key of a line, K_N when unknown */
static int key_of(const char *line, size_t len)
{
	for (int k = 0; k < K_N; k++)
		if (strlen(sidecar_keys[k].name) == len && memcmp(line, sidecar_keys[k].name, len) == 0)
			return k;
	return K_N;
}

/* take - the value of key k into info */
static void take(struct pn_dead_info *info, int k, const char *v)
{
	switch (k) {
	case K_ACCOUNT: info->account = pn_xstrdup(v); break;
	case K_FROM: info->from = pn_xstrdup(v); break;
	case K_RCPT: pn_addrlist_add(&info->rcpt, v); break;
	case K_ARG: pn_addrlist_add(&info->args, v); break;
	case K_READ: info->read_recipients = true; break;
	case K_ERROR: info->error = pn_xstrdup(v); break;
	default: break; /* date and exitcode are for people */
	}
}

/* parse_line - one line "key=value" (without its '\n') into info; the
 * problem, or NULL */
static const char *parse_line(const char *line, size_t len, unsigned *seen, struct pn_dead_info *info)
{
	const char *eq = memchr(line, '=', len);
	int k = eq ? key_of(line, (size_t)(eq - line)) : K_N;
	if (k == K_N)
		return _("an unknown key");
	if ((*seen & 1u << k) && !sidecar_keys[k].multi)
		return _("a key given twice");
	*seen |= 1u << k;
	struct pn_buf v;
	pn_buf_init(&v, SIDECAR_MAX);
	const char *why = NULL;
	if (!pn_unescape(eq + 1, len - (size_t)(eq + 1 - line), &v))
		why = _("a value that is not escaped as postern writes it");
	else if (k == K_READ && strcmp(v.data ? v.data : "", "yes") != 0)
		why = _("read_recipients other than yes");
	else
		take(info, k, v.data ? v.data : "");
	pn_buf_free(&v);
	return why;
}

/* complete - what a sidecar must hold: the required keys, and recipients
 * either as an envelope (rcpt) or as given (arg, read_recipients) */
static const char *complete(unsigned seen)
{
	for (int k = 0; k < K_N; k++)
		if (sidecar_keys[k].required && !(seen & 1u << k))
			return _("a required key is missing");
	bool given = seen & (1u << K_ARG | 1u << K_READ);
	if ((seen & 1u << K_RCPT) && given)
		return _("both an envelope and recipients as given");
	if (!(seen & 1u << K_RCPT) && !given)
		return _("no recipients");
	return NULL;
}

/* pn_dead_parse - see deadletter.h */
bool pn_dead_parse(const char *text, size_t len, const char *name, struct pn_dead_info *info, struct pn_error *err)
{
	memset(info, 0, sizeof(*info));
	pn_addrlist_init(&info->rcpt);
	pn_addrlist_init(&info->args);
	unsigned seen = 0;
	const char *why = NULL;
	size_t lineno = 0;
	for (const char *p = text, *end = text + len; !why && p < end; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		why = nl ? parse_line(p, (size_t)(nl - p), &seen, info) : _("a line without its end");
		p = nl ? nl + 1 : end;
	}
	if (!why && (why = complete(seen)) != NULL)
		lineno = 0;
	if (why && lineno)
		pn_error_set(err, EX_DATAERR, _("%s, line %zu: %s; it was not written by postern, refusing it"), name,
			     lineno, why);
	else if (why)
		pn_error_set(err, EX_DATAERR, _("%s: %s; it was not written by postern, refusing it"), name, why);
	return !why;
}

/* read_all - the whole of fd, at most SIDECAR_MAX bytes */
static bool read_all(int fd, const char *name, struct pn_buf *b, struct pn_error *err)
{
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pn_error_errno(err, EX_NOINPUT, errno, _("cannot read %s"), name);
			return false;
		}
		if (n == 0)
			return true;
		if (!pn_buf_append(b, chunk, (size_t)n)) {
			pn_error_set(err, EX_DATAERR, _("%s is too large for an envelope"), name);
			return false;
		}
	}
}

/* split - DIR, the subfolder (new or cur) and NAME of a kept message's
 * path; false when it is not in one of those subfolders */
static bool split(const char *path, char **dir, char **sub, char **name)
{
	char *c1 = pn_xstrdup(path), *c2 = pn_xstrdup(path), *c3 = pn_xstrdup(path);
	*name = pn_xstrdup(basename(c1));
	char *parent = dirname(c2);
	*sub = pn_xstrdup(basename(parent));
	*dir = pn_xstrdup(dirname(dirname(c3)));
	free(c1);
	free(c2);
	free(c3);
	return strcmp(*sub, "new") == 0 || strcmp(*sub, "cur") == 0;
}

/* load_from - the checked folder f: the message sub/name must be the
 * caller's regular file, and its sidecar is read and parsed */
static bool load_from(const struct folder *f, int sub, const char *name, struct pn_dead_info *info,
		      struct pn_error *err)
{
	char *where = pn_xasprintf("%s/%s", f->path, sub_names[sub]);
	int fd = open_in(f->sub[sub], where, name, O_RDONLY, S_IFREG, err);
	free(where);
	if (fd < 0)
		return false;
	close(fd);
	char *side = pn_xstrndup(name, strcspn(name, ":"));
	char *shown = pn_xasprintf("%s/postern/%s", f->path, side);
	where = pn_xasprintf("%s/postern", f->path);
	fd = open_in(f->sub[SUB_SIDE], where, side, O_RDONLY, S_IFREG, err);
	struct pn_buf b;
	pn_buf_init(&b, SIDECAR_MAX);
	bool ok = fd >= 0 && read_all(fd, shown, &b, err) && pn_dead_parse(b.data ? b.data : "", b.len, shown, info, err);
	if (fd >= 0)
		close(fd);
	pn_buf_free(&b);
	free(where);
	free(shown);
	free(side);
	return ok;
}

bool pn_dead_load(const char *path, struct pn_dead_info *info, struct pn_error *err)
{
	memset(info, 0, sizeof(*info));
	pn_addrlist_init(&info->rcpt);
	pn_addrlist_init(&info->args);
	char *dir, *sub, *name;
	bool ok = split(path, &dir, &sub, &name);
	if (!ok)
		pn_error_set(err, EX_NOINPUT, _("%s is not in the new or cur folder of a dead letter folder"), path);
	int which = strcmp(sub, "new") == 0 ? SUB_NEW : SUB_CUR;
	struct folder f;
	ok = ok && folder_open(&f, dir, 1u << which | 1u << SUB_SIDE, false, err);
	if (ok) {
		ok = load_from(&f, which, name, info, err);
		folder_close(&f);
	}
	free(dir);
	free(sub);
	free(name);
	return ok;
}

void pn_dead_forget(const char *path)
{
	char *side = sidecar_of(path);
	unlink(path);
	unlink(side);
	free(side);
}

void pn_dead_info_free(struct pn_dead_info *info)
{
	free(info->account);
	free(info->from);
	free(info->error);
	pn_addrlist_free(&info->rcpt);
	pn_addrlist_free(&info->args);
}
