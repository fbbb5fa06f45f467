/* regfile.c - regular files only, never a wait (see regfile.h). */
#include "regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* pn_open_regular - see regfile.h */
int pn_open_regular(const char *path, int flags, mode_t mode, bool *odd)
{
	*odd = false;
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, mode);
	if (fd < 0) {
		*odd = errno == ENXIO; /* a FIFO opened for writing that no one reads */
		return -1;
	}
	struct stat st;
	*odd = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0;
	if (*odd) {
		close(fd);
		return -1;
	}
	return fd;
}

/* pn_fopen_regular - see regfile.h */
FILE *pn_fopen_regular(const char *path, bool *odd)
{
	int fd = pn_open_regular(path, O_RDONLY, 0, odd);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	return f;
}
