/* buf.c - bounded growable buffers (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pn_buf_init - empty buffer that may hold at most max bytes */
void pn_buf_init(struct pn_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->max = max;
	b->secret = false;
}

/* pn_buf_init_secret - an empty buffer for a secret (see buf.h) */
void pn_buf_init_secret(struct pn_buf *b, size_t max)
{
	pn_buf_init(b, max);
	b->secret = true;
}

/* move - the contents into fresh memory of size bytes, the old memory
 * wiped and freed: realloc() could leave a copy of a secret behind */
static void move(struct pn_buf *b, size_t size)
{
	char *fresh = pn_xmalloc(size);
	if (b->data)
		memcpy(fresh, b->data, b->len + 1);
	pn_wipe(b->data, b->size);
	free(b->data);
	b->data = fresh;
}

/* grow - make room for n more bytes plus the terminating NUL */
static bool grow(struct pn_buf *b, size_t n)
{
	if (n > b->max - b->len)
		return false;
	size_t need = b->len + n + 1;
	if (need <= b->size)
		return true;
	size_t size = b->size ? b->size : 256;
	while (size < need)
		size *= 2;
	if (b->secret)
		move(b, size);
	else
		b->data = pn_xrealloc(b->data, size);
	b->size = size;
	return true;
}

/* pn_buf_append - add n bytes; false when the cap would be passed */
bool pn_buf_append(struct pn_buf *b, const void *p, size_t n)
{
	if (!grow(b, n))
		return false;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

/* pn_buf_addstr - add a C string */
bool pn_buf_addstr(struct pn_buf *b, const char *s)
{
	return pn_buf_append(b, s, strlen(s));
}

/* pn_buf_printf - add formatted text */
bool pn_buf_printf(struct pn_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

/* pn_buf_reset - forget the contents, keep the memory */
void pn_buf_reset(struct pn_buf *b)
{
	if (b->secret)
		pn_wipe(b->data, b->len);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* pn_buf_consume - drop the first n bytes */
void pn_buf_consume(struct pn_buf *b, size_t n)
{
	if (n >= b->len) {
		pn_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
	if (b->secret)
		pn_wipe(b->data + b->len + 1, n);
}

/* pn_buf_free - release the memory (wiped first for a secret) */
void pn_buf_free(struct pn_buf *b)
{
	bool secret = b->secret;
	if (secret)
		pn_wipe(b->data, b->size);
	free(b->data);
	pn_buf_init(b, b->max);
	b->secret = secret;
}

/* pn_secret_copy - see buf.h */
void pn_secret_copy(struct pn_secret *s, const char *p, size_t n)
{
	s->p = pn_xmalloc(n + 1);
	memcpy(s->p, p, n);
	s->p[n] = '\0';
	s->n = n;
}

/* pn_secret_take - see buf.h */
void pn_secret_take(struct pn_secret *s, struct pn_buf *b)
{
	if (!b->data) {
		pn_secret_copy(s, "", 0);
		return;
	}
	pn_secret_copy(s, b->data, b->len);
	pn_buf_free(b);
}

/* pn_secret_wipe - see buf.h */
void pn_secret_wipe(struct pn_secret *s)
{
	if (s->p)
		pn_wipe(s->p, s->n + 1);
	free(s->p);
	s->p = NULL;
	s->n = 0;
}
