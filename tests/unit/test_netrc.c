/* test_netrc.c - ~/.netrc lookups and the retry back-off. */
#include "netrc.h"
#include "retry.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static char dir[] = "/tmp/postern-netrc.XXXXXX";

/* lookup - write text as a netrc with mode, look host/user up */
static char *lookup(const char *text, mode_t mode, const char *host, const char *user, struct pn_error *err)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/netrc", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	pn_error_init(err);
	struct pn_secret out;
	pn_netrc_lookup(path, host, user, &out, err);
	char *copy = out.p ? strdup(out.p) : NULL;
	if (out.p)
		tap_ok(strlen(out.p) == out.n, "the password's length is its text's");
	pn_secret_wipe(&out);
	return copy;
}

struct ncase {
	const char *name, *text, *host, *user, *want;
};

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	static const struct ncase cases[] = {
		{"one line entry", "machine h.example login u password p\n", "h.example", "u", "p"},
		{"entry over lines", "machine h.example\n  login u\n  password p\n", "h.example", "u", "p"},
		{"host compares without case", "machine H.Example login u password p\n", "h.example", "u", "p"},
		{"another login does not match", "machine h.example login v password p\n", "h.example", "u", NULL},
		{"another host does not match", "machine x.example login u password p\n", "h.example", "u", NULL},
		{"the right one of two", "machine h.example login v password no\nmachine h.example login u password yes\n",
		 "h.example", "u", "yes"},
		{"default entry", "machine x login u password no\ndefault login u password d\n", "h.example", "u", "d"},
		{"a machine entry beats default", "default login u password d\nmachine h.example login u password m\n",
		 "h.example", "u", "m"},
		{"quoted password with blanks", "machine h.example login u password \"correct horse\"\n", "h.example", "u",
		 "correct horse"},
		{"escaped quote in a password", "machine h.example login u password \"a\\\"b\"\n", "h.example", "u", "a\"b"},
		{"macdef body is skipped", "macdef init\nmachine h.example login u password evil\n\nmachine h.example login u password good\n",
		 "h.example", "u", "good"},
		{"account token is skipped", "machine h.example login u account acc password p\n", "h.example", "u", "p"},
		{"empty file", "", "h.example", "u", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_error err;
		char *got = lookup(cases[i].text, 0600, cases[i].host, cases[i].user, &err);
		tap_is_str(got, cases[i].want, cases[i].name);
		free(got);
	}
	struct pn_error err;
	char *got = lookup("machine h login u password p\n", 0644, "h", "u", &err);
	tap_ok(!got && err.code == EX_CONFIG && strstr(err.msg, "chmod 600"), "a netrc others can read is refused");
	free(got);
	pn_error_init(&err);
	struct pn_secret none;
	tap_ok(!pn_netrc_lookup("/nonexistent/netrc", "h", "u", &none, &err) && !none.p && !pn_error_isset(&err),
	       "no netrc file: no entry, no error");

	/* back-off: doubles, capped at 60 s, jitter between 0.5 and 1.5 times */
	tap_is_int(pn_retry_wait_ms(2, 1, 0.5), 2000, "first retry waits retry_delay");
	tap_is_int(pn_retry_wait_ms(2, 2, 0.5), 4000, "second retry waits twice as long");
	tap_is_int(pn_retry_wait_ms(2, 3, 0.0), 4000, "jitter 0 halves the wait");
	tap_is_int(pn_retry_wait_ms(2, 20, 0.5), 60000, "the wait is capped at 60 s");
	tap_ok(pn_retry_wait_ms(1, 1, 0.999) < 1500, "jitter stays below one and a half times");

	char path[256];
	snprintf(path, sizeof(path), "%s/netrc", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
