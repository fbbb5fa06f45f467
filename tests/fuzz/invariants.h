/* invariants.h - checks shared by the fuzz targets (header-only).
 *
 * What the DATA phase must look like whatever the input was (RFC 5321
 * 2.3.8, 4.1.1.4, 4.5.2): every line ends in CRLF, no CR or LF stands alone,
 * the only line holding just "." is the last one, and every other line that
 * starts with "." carries a stuffed dot.  A violation aborts, so libFuzzer
 * records the input as a crash.
 */
#ifndef POSTERN_FUZZ_INVARIANTS_H
#define POSTERN_FUZZ_INVARIANTS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fuzz_fail - report a broken invariant and abort */
static void fuzz_fail(const char *what, size_t at)
{
	fprintf(stderr, "fuzz invariant violated: %s (at offset %zu)\n", what, at);
	abort();
}

/* fuzz_check_data - out[0..n) is a complete dot-stuffed DATA stream;
 * returns the number of stuffed dots (lines other than the last that start
 * with '.') */
static size_t fuzz_check_data(const char *out, size_t n)
{
	static const char end[] = "\r\n.\r\n";
	if (n == 3 && memcmp(out, ".\r\n", 3) == 0)
		return 0; /* an empty message: the end-of-data line alone */
	if (n < 5 || memcmp(out + n - 5, end, 5) != 0)
		fuzz_fail("the stream does not end in CRLF \".\" CRLF", n);
	size_t dots = 0;
	size_t line = 0; /* where the current line starts */
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '\r' && (i + 1 >= n || out[i + 1] != '\n'))
			fuzz_fail("bare CR in the stream", i);
		if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
			fuzz_fail("bare LF in the stream", i);
		if (out[i] != '\n')
			continue;
		/* the line is out[line .. i-1), without its CRLF */
		size_t len = i - 1 - line;
		bool last = i + 1 == n;
		if (len == 1 && out[line] == '.' && !last)
			fuzz_fail("a \".\" line before the end of the data", line);
		if (!last && len >= 1 && out[line] == '.') {
			if (len < 2 || out[line + 1] != '.')
				fuzz_fail("a line starting with '.' that is not stuffed", line);
			dots++;
		}
		line = i + 1;
	}
	if (line != n)
		fuzz_fail("the last line has no CRLF", line);
	return dots;
}

#endif
