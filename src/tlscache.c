/* tlscache.c - the TLS session kept between runs (see tlscache.h).
 *
 * Format: one line "postern-tls-session 2 HOST PORT CHECK TRUST LEN", then
 * LEN bytes: the session as GnuTLS packed it.  CHECK is on or off, TRUST
 * the trust store's identity or "-"; HOST and TRUST are written with every
 * byte but [A-Za-z0-9.:_-] as %XX, so no value holds a blank or a line
 * break.  The file is used only when its line is, byte for byte, the one
 * this run would write and exactly LEN bytes follow: a file made under
 * other trust, truncated, or not ours at all is a full handshake.
 * SECURITY: the session data is a secret; it is wiped after use.
 */
#include "tlscache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAX 65536 /* far more than a session with its tickets needs */
#define LINE_MAX_ 1200  /* the key line; a longer one is not cached */

/* put_escaped - s into o[*at..cap), each byte outside [A-Za-z0-9.:_-] as
 * %XX; false when it does not fit */
static bool put_escaped(char *o, size_t cap, size_t *at, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		bool plain = (*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
			     strchr(".:_-", *u);
		if (cap - *at < 4)
			return false;
		if (plain) {
			o[(*at)++] = (char)*u;
			continue;
		}
		o[(*at)++] = '%';
		o[(*at)++] = hex[*u >> 4];
		o[(*at)++] = hex[*u & 15];
	}
	return true;
}

/* key_line - "postern-tls-session 2 HOST PORT CHECK TRUST " for k into
 * buf; its length, or 0 when it does not fit */
static size_t key_line(char *buf, size_t n, const struct pn_tlscache_key *k)
{
	size_t at = (size_t)snprintf(buf, n, "postern-tls-session 2 ");
	if (!put_escaped(buf, n, &at, k->host))
		return 0;
	int w = snprintf(buf + at, n - at, " %d %s ", k->port, k->certcheck ? "on" : "off");
	if (w < 0 || (size_t)w >= n - at)
		return 0;
	at += (size_t)w;
	if (!put_escaped(buf, n, &at, k->certcheck && k->trust ? k->trust : "-") || n - at < 2)
		return 0;
	buf[at++] = ' ';
	return at;
}

/* safe - a regular file of the caller's, no access for group or others */
static bool safe(int fd, struct stat *st)
{
	return fstat(fd, st) == 0 && S_ISREG(st->st_mode) && st->st_uid == getuid() &&
	       (st->st_mode & 077) == 0 && st->st_size > 0 && st->st_size <= CACHE_MAX;
}

/* read_safe - the whole file when safe() holds; NULL otherwise */
static unsigned char *read_safe(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (!safe(fd, &st)) {
		close(fd);
		return NULL;
	}
	unsigned char *buf = pn_xmalloc((size_t)st.st_size);
	size_t have = 0;
	ssize_t r = 1;
	while (have < (size_t)st.st_size && (r > 0 || (r < 0 && errno == EINTR))) {
		r = read(fd, buf + have, (size_t)st.st_size - have);
		have += r > 0 ? (size_t)r : 0;
	}
	close(fd);
	*n = have;
	return buf;
}

/* session - after the key line: "LEN\n" and exactly LEN bytes, copied out */
static bool session(const unsigned char *p, size_t n, unsigned char **data, size_t *len)
{
	size_t v = 0, i = 0;
	while (i < n && i < 6 && p[i] >= '0' && p[i] <= '9')
		v = v * 10 + (size_t)(p[i++] - '0');
	if (i == 0 || i >= n || p[i] != '\n' || v == 0 || v != n - i - 1)
		return false;
	*len = v;
	*data = pn_xmalloc(v);
	memcpy(*data, p + i + 1, v);
	return true;
}

bool pn_tlscache_load(const char *path, const struct pn_tlscache_key *k, unsigned char **data, size_t *len)
{
	size_t n = 0;
	unsigned char *buf = read_safe(path, &n);
	if (!buf)
		return false;
	char want[LINE_MAX_];
	size_t h = key_line(want, sizeof(want), k);
	bool ok = h && n > h && memcmp(buf, want, h) == 0 && session(buf + h, n - h, data, len);
	pn_wipe(buf, n);
	free(buf);
	return ok;
}

void pn_tlscache_save(const char *path, const struct pn_tlscache_key *k, const unsigned char *data, size_t len)
{
	char head[LINE_MAX_ + 32];
	size_t h = key_line(head, LINE_MAX_, k);
	if (!h || !len || len + h + 8 > CACHE_MAX)
		return;
	h += (size_t)snprintf(head + h, sizeof(head) - h, "%zu\n", len);
	char *tmp = pn_xasprintf("%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC); /* created 0600 */
	if (fd < 0) {
		free(tmp);
		return;
	}
	bool ok = fchmod(fd, 0600) == 0 && pn_write_all(fd, head, (size_t)h) && pn_write_all(fd, data, len);
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
	free(tmp);
}

void pn_tlscache_free(unsigned char *data, size_t len)
{
	if (!data)
		return;
	pn_wipe(data, len);
	free(data);
}
