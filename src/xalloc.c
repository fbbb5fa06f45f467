/* xalloc.c - memory allocation that never returns NULL; the write loop.
 *
 * The only exception to "only main.c exits": when the allocator fails there
 * is no way to carry on, so it prints one line and exits with EX_OSERR (71).
 * SECURITY: pn_wipe/pn_free_wiped clear secrets before their memory is freed.
 */
#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* out_of_memory - report and leave; nothing else can be done */
PN_NORETURN static void out_of_memory(void)
{
	fprintf(stderr, _("%s: out of memory\n"), pn_progname());
	exit(EX_OSERR);
}

/* pn_xmalloc - malloc or exit 71 */
void *pn_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

/* pn_xcalloc - zeroed array or exit 71 */
void *pn_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

/* pn_xrealloc - realloc or exit 71 */
void *pn_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory();
	return q;
}

/* pn_xstrdup - strdup or exit 71 */
char *pn_xstrdup(const char *s)
{
	return pn_xstrndup(s, strlen(s));
}

/* pn_xstrndup - copy at most n bytes and terminate */
char *pn_xstrndup(const char *s, size_t n)
{
	char *p = pn_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* pn_xasprintf - formatted string in fresh memory */
char *pn_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	char *p = pn_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* pn_wipe - clear memory in a way the compiler may not optimise away */
void pn_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

/* pn_free_wiped - wipe a NUL-terminated secret, then free it */
void pn_free_wiped(char *s)
{
	if (!s)
		return;
	pn_wipe(s, strlen(s));
	free(s);
}

/* pn_write_all - see common.h */
bool pn_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		s += w;
		n -= (size_t)w;
	}
	return true;
}
