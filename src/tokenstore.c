/* tokenstore.c - the OAuth 2.0 token store (see tokenstore.h).
 *
 * The text format is pure (pn_token_format / pn_token_parse); the rest is
 * the file: its safety checks, the lock beside it, and the atomic
 * replacement, or the keyring item that holds the same text.
 */
#include "tokenstore.h"

#include "escape.h"
#include "keyring.h"
#include "net.h"
#include "regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define STORE_MAX 32768 /* the store's text; tokens are a few KiB at most */

/* pn_token_free - see tokenstore.h */
void pn_token_free(struct pn_token *t)
{
	pn_secret_wipe(&t->refresh);
	pn_secret_wipe(&t->access);
	free(t->client_id);
	free(t->token_url);
	free(t->scope);
	memset(t, 0, sizeof(*t));
}

/* line - one "key value" line, the value escaped; nothing for NULL */
static bool line(struct pn_buf *b, const char *key, const char *value)
{
	if (!value)
		return true;
	return pn_buf_printf(b, "%s ", key) && pn_escape(b, value, false) && pn_buf_addstr(b, "\n");
}

/* pn_token_format - see tokenstore.h */
bool pn_token_format(const struct pn_token *t, struct pn_buf *out)
{
	bool ok = line(out, "client_id", t->client_id) && line(out, "token_url", t->token_url)
		&& line(out, "scope", t->scope) && line(out, "refresh_token", t->refresh.p)
		&& line(out, "access_token", t->access.p);
	if (ok && t->expires)
		ok = pn_buf_printf(out, "expires %lld\n", t->expires);
	return ok;
}

enum { K_CLIENT, K_URL, K_SCOPE, K_REFRESH, K_ACCESS, K_EXPIRES, K_N };
static const char *const keys[K_N] = {"client_id", "token_url", "scope", "refresh_token", "access_token",
				      "expires"};

/* expires_of - a Unix time of digits only */
static bool expires_of(const char *v, long long *out)
{
	size_t n = strlen(v);
	if (n == 0 || n > 15 || strspn(v, "0123456789") != n)
		return false;
	*out = strtoll(v, NULL, 10);
	return true;
}

/* take - the value v of key k into t; false when k's value is wrong */
static bool take(struct pn_token *t, int k, struct pn_buf *v)
{
	const char *s = v->data ? v->data : "";
	switch (k) {
	case K_CLIENT: t->client_id = pn_xstrdup(s); return true;
	case K_URL: t->token_url = pn_xstrdup(s); return true;
	case K_SCOPE: t->scope = pn_xstrdup(s); return true;
	case K_REFRESH: pn_secret_copy(&t->refresh, s, v->len); return v->len && !memchr(s, '\0', v->len);
	case K_ACCESS: pn_secret_copy(&t->access, s, v->len); return v->len && !memchr(s, '\0', v->len);
	default: return expires_of(s, &t->expires);
	}
}

/* parse_line - one line into t; the problem, or NULL */
static const char *parse_line(const char *l, size_t len, unsigned *seen, struct pn_token *t)
{
	const char *sp = memchr(l, ' ', len);
	int k = 0;
	while (sp && k < K_N && (strlen(keys[k]) != (size_t)(sp - l) || memcmp(l, keys[k], (size_t)(sp - l)) != 0))
		k++;
	if (!sp || k == K_N)
		return _("an unknown key");
	if (*seen & 1u << k)
		return _("a key given twice");
	*seen |= 1u << k;
	struct pn_buf v;
	pn_buf_init_secret(&v, STORE_MAX);
	const char *why = NULL;
	if (!pn_unescape(sp + 1, len - (size_t)(sp + 1 - l), &v))
		why = _("a value that is not escaped as postern writes it");
	else if (!take(t, k, &v))
		why = _("a value that is not valid for its key");
	pn_buf_free(&v);
	return why;
}

/* pn_token_parse - see tokenstore.h */
bool pn_token_parse(const char *text, size_t n, struct pn_token *t, char *why, size_t why_size)
{
	unsigned seen = 0;
	const char *bad = NULL;
	size_t lineno = 0;
	for (const char *p = text, *end = text + n; !bad && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		lineno++;
		bad = nl ? parse_line(p, (size_t)(nl - p), &seen, t) : _("a line without its end");
		p = nl ? nl + 1 : end;
	}
	if (bad)
		snprintf(why, why_size, _("line %zu: %s"), lineno, bad);
	return !bad;
}

/* state_dir - $XDG_STATE_HOME (absolute) or HOME/.local/state */
static char *state_dir(const char *home)
{
	const char *x = getenv("XDG_STATE_HOME");
	if (x && x[0] == '/')
		return pn_xstrdup(x);
	return pn_xasprintf("%s/.local/state", home ? home : "");
}

/* pn_store_default_path - see tokenstore.h */
char *pn_store_default_path(const char *account, const char *home, bool system)
{
	if (system)
		return pn_xasprintf("%s/%s", POSTERN_STATE_DIR "/oauth2", account);
	char *dir = state_dir(home);
	char *p = pn_xasprintf("%s/postern/oauth2/%s", dir, account);
	free(dir);
	return p;
}

/* make_dirs - the directories above path that are missing, 0700 (the
 * user's own store only) */
static bool make_dirs(const char *path, struct pn_error *err)
{
	char *d = pn_xstrdup(path);
	bool ok = true;
	for (char *s = strchr(d + 1, '/'); ok && s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST) {
			pn_error_errno(err, EX_CANTCREAT, errno, _("cannot create the directory %s"), d);
			ok = false;
		}
		*s = '/';
	}
	free(d);
	return ok;
}

/* wait_lock - flock fd, waiting at most wait_s seconds for the postern
 * that holds it; 0, or the errno (EWOULDBLOCK: still held, EINTR: a
 * held signal came).  flock has no timeout of its own: it is polled, a
 * little less often the longer it takes. */
static int wait_lock(int fd, int wait_s)
{
	struct pn_deadline until = pn_deadline_in(wait_s * 1000LL);
	long long nap = 5;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return errno;
		if (pn_deadline_passed(until))
			return EWOULDBLOCK;
		if (!pn_sleep_ms(nap))
			return EINTR;
		nap = nap < 200 ? nap * 2 : 200;
	}
	return 0;
}

/* lock - open (create) and flock path.lock */
static bool lock(struct pn_store *s, int wait_s, struct pn_error *err)
{
	char *lp = pn_xasprintf("%s.lock", s->path);
	s->lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, s->system ? 0660 : 0600);
	int e = s->lockfd < 0 ? errno : 0;
	struct stat st;
	/* a system account's lock is shared by every user of the group: the
	 * umask must not keep the next one out (only its owner can change it) */
	if (!e && s->system && fstat(s->lockfd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 0777) != 0660)
		(void)fchmod(s->lockfd, 0660);
	e = e ? e : wait_lock(s->lockfd, wait_s);
	if (e == EWOULDBLOCK || e == EINTR)
		pn_error_set(err, EX_TEMPFAIL, _("the token store %s stayed locked by another postern for %d s"), s->path,
			     wait_s);
	else if (e)
		pn_error_errno(err, EX_CANTCREAT, e, _("cannot lock the token store %s"), lp);
	free(lp);
	errno = e;
	return !e;
}

/* pn_store_open - see tokenstore.h */
bool pn_store_open(struct pn_store *s, const char *setting, const char *account, const char *home, bool system,
		   int wait_s, struct pn_error *err)
{
	s->keyring = setting && strcmp(setting, "keyring") == 0;
	s->system = system;
	s->account = pn_xstrdup(account);
	s->lockfd = -1;
	bool dflt = !setting || s->keyring;
	s->path = dflt ? pn_store_default_path(account, home, system) : pn_xstrdup(setting);
	if (s->keyring && system) {
		pn_error_set(err, EX_CONFIG, _("account %s: a system account cannot keep its tokens in the keyring"),
			     account);
		return false;
	}
	if (s->path[0] != '/') {
		pn_error_set(err, EX_CONFIG, _("account %s: the token store %s is no absolute path"), account, s->path);
		return false;
	}
	if (dflt && (!account[0] || account[0] == '.' || strchr(account, '/'))) {
		pn_error_set(err, EX_CONFIG, _("account %s: its name cannot be a file name; set oauth2_token_store"),
			     account);
		return false;
	}
	/* the directories are made only when missing: a send with a cached
	 * token pays one open for the lock */
	struct pn_error first;
	pn_error_init(&first);
	if (lock(s, wait_s, &first))
		return true;
	if (!dflt || system || errno != ENOENT) {
		*err = first;
		return false;
	}
	return make_dirs(s->path, err) && lock(s, wait_s, err);
}

/* postern_group - st's group is postern's, the only one a system
 * account's store may give access to (as the system file, rcfile.c) */
static bool postern_group(const struct stat *st)
{
	const struct group *g = getgrnam(POSTERN_GROUP);
	return g && g->gr_gid == st->st_gid;
}

/* unsafe - why the store file st must not be used, or NULL */
static const char *unsafe(const struct pn_store *s, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return _("it is not a regular file");
	if (st->st_mode & 0007)
		return _("others may access it");
	if (!s->system && st->st_uid != getuid())
		return _("it does not belong to you");
	if (!s->system && st->st_mode & 0070)
		return _("its group may access it");
	if (s->system && st->st_mode & 0070 && !postern_group(st))
		return _("its group may access it, and it is not the group of postern");
	if (s->system && st->st_uid != getuid() && st->st_gid != getegid())
		return _("it belongs neither to you nor to the group of postern");
	return NULL;
}

/* read_file - the whole store file into b; *none when there is none */
static bool read_file(const struct pn_store *s, struct pn_buf *b, bool *none, struct pn_error *err)
{
	bool odd = false;
	int fd = pn_open_regular(s->path, O_RDONLY | O_NOFOLLOW, 0, &odd);
	*none = fd < 0 && !odd && errno == ENOENT;
	if (fd < 0 && !*none)
		pn_error_errno(err, EX_CONFIG, odd ? EINVAL : errno, _("cannot open the token store %s"), s->path);
	if (fd < 0)
		return *none;
	struct stat st;
	const char *why = fstat(fd, &st) != 0 ? _("it cannot be examined") : unsafe(s, &st);
	char chunk[4096];
	ssize_t n = 1;
	while (!why && n > 0) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno != EINTR)
			why = _("it cannot be read");
		else if (n > 0 && !pn_buf_append(b, chunk, (size_t)n))
			why = _("it is too large");
	}
	pn_wipe(chunk, sizeof(chunk));
	close(fd);
	if (why)
		pn_error_set(err, EX_CONFIG, _("refusing the token store %s: %s"), s->path, why);
	return !why;
}

/* pn_store_read - see tokenstore.h */
bool pn_store_read(struct pn_store *s, const char *client_id, struct pn_token *t, struct pn_error *err)
{
	struct pn_buf b;
	pn_buf_init_secret(&b, STORE_MAX);
	bool none = false, ok = true;
	char why[256] = "";
	if (s->keyring) {
		struct pn_secret text = {NULL, 0};
		enum pn_keyring_result kr = pn_keyring_token_lookup(s->account, client_id, &text, why, sizeof(why));
		none = kr == PN_KEYRING_NOT_FOUND;
		if (kr == PN_KEYRING_UNAVAILABLE)
			pn_error_set(err, EX_CONFIG, _("account %s: cannot read its tokens from the keyring: %s"),
				     s->account, why);
		ok = kr != PN_KEYRING_UNAVAILABLE && (kr != PN_KEYRING_FOUND || pn_buf_append(&b, text.p, text.n));
		pn_secret_wipe(&text);
	} else {
		ok = read_file(s, &b, &none, err);
	}
	if (ok && !none && !pn_token_parse(b.data ? b.data : "", b.len, t, why, sizeof(why))) {
		pn_error_set(err, EX_CONFIG, _("refusing the token store %s: %s; it was not written by postern"),
			     s->keyring ? "(keyring)" : s->path, why);
		pn_token_free(t);
		ok = false;
	}
	pn_buf_free(&b);
	return ok;
}

/* sync_dir - fsync the directory of path, so the rename is on disk */
static bool sync_dir(const char *path)
{
	char *d = pn_xstrdup(path);
	char *slash = strrchr(d, '/');
	if (slash == d)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok = fd >= 0 && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	free(d);
	return ok;
}

/* write_file - text to a temporary file beside the store, fsync, rename
 * over the store, fsync the directory */
static bool write_file(const struct pn_store *s, const struct pn_buf *text, struct pn_error *err)
{
	char *tmp = pn_xasprintf("%s.XXXXXX", s->path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	int e = errno;
	bool ok = fd >= 0;
	struct stat st;
	if (ok) {
		/* the group has it only where it is postern's (a directory of
		 * mode 2770 and group postern gives it, as does the group) */
		bool group = s->system && fstat(fd, &st) == 0 && postern_group(&st);
		ok = fchmod(fd, group ? 0660 : 0600) == 0 && pn_write_all(fd, text->data, text->len)
			&& fsync(fd) == 0;
		e = errno;
		ok = close(fd) == 0 && ok;
		ok = ok && rename(tmp, s->path) == 0;
		e = ok ? e : errno;
		if (!ok)
			unlink(tmp);
		ok = ok && sync_dir(s->path);
		e = ok ? e : errno;
	}
	if (!ok)
		pn_error_errno(err, EX_CANTCREAT, e, _("cannot write the token store %s"), s->path);
	free(tmp);
	return ok;
}

/* pn_store_write - see tokenstore.h */
bool pn_store_write(struct pn_store *s, const struct pn_token *t, struct pn_error *err)
{
	struct pn_buf b;
	pn_buf_init_secret(&b, STORE_MAX);
	bool ok = pn_token_format(t, &b);
	char why[256] = "";
	if (!ok)
		pn_error_set(err, EX_SOFTWARE, _("the tokens of account %s are too large to keep"), s->account);
	else if (s->keyring && !pn_keyring_token_store(s->account, t->client_id, b.data, why, sizeof(why))) {
		pn_error_set(err, EX_CONFIG, _("account %s: cannot keep its tokens in the keyring: %s"), s->account, why);
		ok = false;
	} else if (!s->keyring) {
		ok = write_file(s, &b, err);
	}
	pn_buf_free(&b);
	return ok;
}

/* pn_store_close - see tokenstore.h */
void pn_store_close(struct pn_store *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd); /* drops the flock */
	s->lockfd = -1;
	free(s->path);
	free(s->account);
	s->path = s->account = NULL;
}
