/* fuzz_import.c - libFuzzer target for --import's readers of main.cf,
 * Postfix lookup tables, ssmtp.conf and revaliases (import_postfix.c,
 * import_ssmtp.c): files an operator's machine holds, read as they are.
 * The input is the main file, a NUL, then the text served for every
 * other file asked for (tables, revaliases); its first byte's low bit
 * picks Postfix or ssmtp.  Whatever the input, every line of the rc text
 * must be one rcfile.c reads as meant: blank, a comment, "defaults",
 * "account NAME[ : default]" with a name used once, or a known command
 * with a value on that one line; a usable result has an account default
 * with a host.
 */
#include "../../src/import.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *other; /* the text of every file but the main one */

/* serve - every file asked for holds the second part of the input */
static char *serve(void *ctx, const char *path, int *errnum)
{
	(void)ctx;
	(void)path;
	if (!other) {
		*errnum = 2;
		return NULL;
	}
	return strdup(other);
}

/* check_command - "cmd value": a command --import writes, a value */
static void check_command(const char *line, size_t n, size_t at)
{
	static const char *const cmds[] = {
	    "host",          "port",          "user",
	    "password",      "auth",          "tls",
	    "tls_starttls",  "tls_certcheck", "tls_trust_file",
	    "tls_cert_file", "tls_key_file",  "from",
	    "maildomain",    "domain",        "source_ip",
	    "aliases",       "default_for",   "set_from_header",
	};
	size_t cn = strcspn(line, " ");
	bool known = false;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && !known; i++)
		known = strlen(cmds[i]) == cn && strncmp(line, cmds[i], cn) == 0;
	if (!known || cn + 1 >= n)
		fuzz_fail("a line that is not a known command with a value", at);
}

/* check_output - every line of the rc text */
static void check_output(const char *out, size_t len, bool ok)
{
	bool account_default = false, host = false;
	static char names[64][256];
	size_t nnames = 0;
	for (size_t at = 0; at < len;) {
		const char *line = out + at;
		size_t n = strcspn(line, "\n");
		if (at + n >= len)
			fuzz_fail("the text does not end with a line break", at);
		if (memchr(line, '\0', n) || memchr(line, '\r', n))
			fuzz_fail("a NUL or CR inside a line", at);
		if (n && (line[0] == ' ' || line[0] == '\t'))
			fuzz_fail("a line beginning with a blank", at);
		if (n == 0 || line[0] == '#' || (n == 8 && !memcmp(line, "defaults", 8))) {
		} else if (n > 8 && !memcmp(line, "account ", 8)) {
			size_t nn = strcspn(line + 8, " \n");
			if (!nn || nn >= 256 ||
			    (line[8 + nn] == ' ' && strncmp(line + 8 + nn, " : default\n", 11)))
				fuzz_fail("an account line rcfile.c reads otherwise", at);
			for (size_t i = 0; i < nnames; i++)
				if (strlen(names[i]) == nn && !memcmp(names[i], line + 8, nn))
					fuzz_fail("an account name used twice", at);
			if (nnames < 64) {
				memcpy(names[nnames], line + 8, nn);
				names[nnames++][nn] = '\0';
			}
			account_default = account_default || (nn == 7 && !memcmp(line + 8, "default", 7));
		} else {
			check_command(line, n, at);
			host = host || !strncmp(line, "host ", 5);
		}
		at += n + 1;
	}
	if (ok && !(account_default && host))
		fuzz_fail("a usable result without an account default and a host", len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	size_t first = strlen(copy);
	other = first + 1 < size ? copy + first + 1 : NULL;
	struct pn_import im;
	pn_import_init(&im, serve, NULL);
	bool ok = data[0] & 1 ? pn_import_ssmtp(&im, "/etc/ssmtp/ssmtp.conf", copy)
	                      : pn_import_postfix(&im, "/etc/postfix", copy);
	check_output(im.out.data ? im.out.data : "", im.out.len, ok);
	pn_import_free(&im);
	free(copy);
	return 0;
}
