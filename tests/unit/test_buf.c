/* test_buf.c - bounded buffers, and secrets that leave no copy behind.
 *
 * Linked with --wrap=free --wrap=realloc: every block handed to free() is
 * checked for the secret's bytes, and realloc() is counted, since it may
 * move a block and release the old one where nothing can wipe it. */
#include "buf.h"
#include "tap.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
void __real_free(void *p);

static const char *watch; /* a secret's text: no freed block may hold it */
static int leaks, reallocs;

/* holds - the block p (as big as malloc says it is) contains text */
static bool holds(const void *p, const char *text)
{
	size_t n = malloc_usable_size((void *)p), k = strlen(text);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp((const char *)p + i, text, k) == 0)
			return true;
	return false;
}

void __wrap_free(void *p)
{
	if (p && watch && holds(p, watch))
		leaks++;
	__real_free(p);
}

void *__wrap_realloc(void *p, size_t n)
{
	reallocs++;
	return __real_realloc(p, n);
}

/* grow_secret - a secret buffer grown many times over, then consumed,
 * reset and freed */
static void grow_secret(void)
{
	struct pn_buf b;
	pn_buf_init_secret(&b, 1 << 20);
	watch = "correct horse battery staple";
	leaks = reallocs = 0;
	bool ok = true;
	for (int i = 0; ok && i < 4096; i++) /* 256 bytes to over 64 KiB: moved at each doubling */
		ok = pn_buf_addstr(&b, watch);
	tap_ok(ok && b.len == strlen(watch) << 12, "a secret buffer grows to %zu bytes", b.len);
	pn_buf_consume(&b, b.len - strlen(watch));
	tap_is_str(b.data, watch, "consuming keeps the rest");
	pn_buf_free(&b);
	tap_is_int(reallocs, 0, "a secret buffer is never realloc()ed");
	tap_is_int(leaks, 0, "no block freed while it grew, or at the end, holds the secret");
	watch = NULL;
}

/* take - a secret from a secret buffer; copy; wipe */
static void take(void)
{
	struct pn_buf b;
	pn_buf_init_secret(&b, 100);
	watch = "hunter2-hunter2";
	leaks = 0;
	tap_ok(pn_buf_addstr(&b, watch), "a secret fits its buffer");
	struct pn_secret s = {NULL, 0}, t = {NULL, 0};
	pn_secret_take(&s, &b);
	tap_ok(s.p && s.n == strlen(watch) && strcmp(s.p, watch) == 0 && !b.data, "take moves the bytes out");
	pn_secret_copy(&t, s.p, s.n);
	tap_ok(t.n == s.n && memcmp(t.p, s.p, s.n) == 0 && t.p[t.n] == '\0', "copy: the same bytes and a NUL");
	pn_secret_wipe(&s);
	pn_secret_wipe(&t);
	tap_ok(!s.p && !s.n && !t.p, "a wiped secret is empty");
	tap_is_int(leaks, 0, "no freed block holds the secret");
	watch = NULL;
}

/* bounds - the cap holds for plain buffers */
static void bounds(void)
{
	struct pn_buf b;
	pn_buf_init(&b, 8);
	tap_ok(pn_buf_addstr(&b, "12345678"), "a buffer takes up to its cap");
	tap_ok(!pn_buf_append(&b, "9", 1), "and not one byte more");
	tap_ok(!pn_buf_printf(&b, "%d", 1), "nor formatted");
	pn_buf_reset(&b);
	tap_ok(pn_buf_printf(&b, "%s-%d", "ab", 42) && strcmp(b.data, "ab-42") == 0, "printf after reset");
	pn_buf_free(&b);
}

int main(void)
{
	grow_secret();
	take();
	bounds();
	return tap_done();
}
