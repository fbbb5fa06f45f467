/* journal.c - the journal's native protocol (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
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

/* send_memfd - an entry larger than a datagram may be (EMSGSIZE), as
 * journald takes it: in a sealed memfd, whose descriptor is the whole
 * datagram */
static bool send_memfd(int fd, const struct sockaddr_un *sa, const void *data, size_t n)
{
	int mfd = memfd_create("postern-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return false;
	bool ok = pn_write_all(mfd, data, n) &&
		  fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr mh = {.msg_name = (void *)sa, .msg_namelen = sizeof(*sa), .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &mfd, sizeof(int));
	ok = ok && sendmsg(fd, &mh, MSG_NOSIGNAL) >= 0;
	close(mfd);
	return ok;
}

/* pn_journal_send - see journal.h */
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
	bool ok = sent >= 0 && (size_t)sent == n;
	if (sent < 0 && errno == EMSGSIZE)
		ok = send_memfd(fd, &sa, data, n);
	close(fd);
	return ok;
}
