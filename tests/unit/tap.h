/* tap.h - a tiny TAP producer for postern's C unit tests. */
#ifndef POSTERN_TAP_H
#define POSTERN_TAP_H

#include <stdbool.h>
#include <stddef.h>

void tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_is_int(long got, long want, const char *what);
void tap_is_str(const char *got, const char *want, const char *what);
void tap_is_mem(const char *got, size_t glen, const char *want, size_t wlen, const char *what);
int tap_done(void);

#endif
