/* tap.c - TAP output: "ok N - what" lines and a final plan. */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int count, failed;

void tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	count++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* show - a string with control bytes escaped, for diagnostics */
static void show(const char *label, const char *s, size_t n)
{
	printf("#   %s: \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	puts("\"");
}

void tap_is_int(long got, long want, const char *what)
{
	tap_ok(got == want, "%s", what);
	if (got != want)
		printf("#   got %ld, want %ld\n", got, want);
}

void tap_is_str(const char *got, const char *want, const char *what)
{
	bool same = (got && want) ? strcmp(got, want) == 0 : got == want;
	tap_ok(same, "%s", what);
	if (!same) {
		show("got", got ? got : "(null)", got ? strlen(got) : 6);
		show("want", want ? want : "(null)", want ? strlen(want) : 6);
	}
}

void tap_is_mem(const char *got, size_t glen, const char *want, size_t wlen, const char *what)
{
	bool same = glen == wlen && memcmp(got, want, glen) == 0;
	tap_ok(same, "%s", what);
	if (!same) {
		show("got", got, glen);
		show("want", want, wlen);
	}
}

int tap_done(void)
{
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}
