/* tlscache.c - the TLS session kept between runs (see tlscache.h).
 *
 * Format: the line "postern-tls-session 1 HOST PORT", then the session as
 * GnuTLS packed it.  A file for another host or port is not used.
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

/* header - the first line for host:port */
static int header(char *buf, size_t n, const char *host, int port)
{
	return snprintf(buf, n, "postern-tls-session 1 %s %d\n", host, port);
}

/* safe - a regular file of the caller's, no access for group or others */
static bool safe(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == getuid() &&
	       (st.st_mode & 077) == 0 && st.st_size > 0 && st.st_size <= CACHE_MAX;
}

bool pn_tlscache_load(const char *path, const char *host, int port, unsigned char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	unsigned char *buf = NULL;
	ssize_t n = -1;
	if (safe(fd)) {
		buf = pn_xmalloc(CACHE_MAX);
		n = read(fd, buf, CACHE_MAX);
	}
	close(fd);
	char want[400];
	int h = header(want, sizeof(want), host, port);
	if (n > h && h > 0 && (size_t)h < sizeof(want) && memcmp(buf, want, (size_t)h) == 0) {
		*len = (size_t)n - (size_t)h;
		*data = pn_xmalloc(*len);
		memcpy(*data, buf + h, *len);
		pn_wipe(buf, (size_t)n);
		free(buf);
		return true;
	}
	if (buf)
		pn_wipe(buf, n > 0 ? (size_t)n : 0);
	free(buf);
	return false;
}

void pn_tlscache_save(const char *path, const char *host, int port, const unsigned char *data, size_t len)
{
	char head[400];
	int h = header(head, sizeof(head), host, port);
	if (h <= 0 || (size_t)h >= sizeof(head) || len + (size_t)h > CACHE_MAX)
		return;
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
