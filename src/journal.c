/* journal.c - the journal's native protocol (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* pn_journal_field - see journal.h */
bool pn_journal_field(struct pn_buf *b, const char *name, const void *value, size_t n)
{
	if (!memchr(value, '\n', n))
		return pn_buf_printf(b, "%s=", name) && pn_buf_append(b, value, n) &&
		       pn_buf_append(b, "\n", 1);
	unsigned char len[8];
	for (int i = 0; i < 8; i++) /* little-endian whatever the machine's order */
		len[i] = (unsigned char)((unsigned long long)n >> (8 * i));
	return pn_buf_printf(b, "%s\n", name) && pn_buf_append(b, len, sizeof(len)) &&
	       pn_buf_append(b, value, n) && pn_buf_append(b, "\n", 1);
}

/* pn_journal_send - see journal.h.  A datagram larger than the socket
 * takes fails with EMSGSIZE: journald would accept it as a sealed memfd,
 * but a log line that large goes to syslog(3) instead, which cuts it. */
bool pn_journal_send(const char *path, const void *data, size_t n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ssize_t sent;
	do
		sent = sendto(fd, data, n, MSG_NOSIGNAL, (const struct sockaddr *)&sa, sizeof(sa));
	while (sent < 0 && errno == EINTR);
	close(fd);
	return sent >= 0 && (size_t)sent == n;
}
