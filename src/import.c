/* import.c - the rc file that --import writes (see import.h): lines,
 * comments and account names, with rcfile.c's quoting rule.  The readers
 * of the two setups are import_postfix.c and import_ssmtp.c.
 * SECURITY: a password passes through pn_import_value into the secret
 * buffer im->out.
 */
#include "import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (1024 * 1024) /* far more than any rc file */
#define RC_LINE_MAX 4096      /* rcfile.c's longest line */

/* pn_import_init - an empty rc file */
void pn_import_init(struct pn_import *im, pn_import_reader read, void *ctx)
{
	memset(im, 0, sizeof(*im));
	im->read = read;
	im->ctx = ctx;
	pn_buf_init_secret(&im->out, OUT_MAX);
}

/* pn_import_free - the buffer is wiped */
void pn_import_free(struct pn_import *im)
{
	pn_buf_free(&im->out);
	for (int i = 0; i < im->accounts; i++)
		free(im->names[i]);
	free(im->names);
	im->names = NULL;
	im->accounts = 0;
}

/* add - bytes to the rc text; past the cap the result is marked unusable */
static void add(struct pn_import *im, const char *s, size_t n)
{
	if (!pn_buf_append(&im->out, s, n))
		im->overflow = true;
}

/* needs_quotes - rcfile.c trims blanks (and CR, LF) at both ends of an
 * argument and then drops one outer pair of double quotes: a value that
 * is empty, has such a character at an end, or begins and ends with a
 * quote is read back unchanged only inside quotes */
static bool needs_quotes(const char *v, size_t n)
{
	if (n == 0)
		return true;
	if (strchr(" \t\r\n", v[0]) || strchr(" \t\r\n", v[n - 1]))
		return true;
	return n >= 2 && v[0] == '"' && v[n - 1] == '"';
}

/* pn_import_value - see import.h */
void pn_import_value(struct pn_import *im, const char *cmd, const char *value)
{
	size_t n = strlen(value);
	if (strpbrk(value, "\r\n")) {
		pn_import_note(
		    im, _("%s: the value holds a line break, which no rc line can hold; not carried over"),
		    cmd);
		return;
	}
	if (strlen(cmd) + n + 4 > RC_LINE_MAX) { /* blank, quotes, line break */
		pn_import_note(im, _("%s: the value is longer than an rc line may be; not carried over"),
		               cmd);
		return;
	}
	bool q = needs_quotes(value, n);
	add(im, cmd, strlen(cmd));
	add(im, q ? " \"" : " ", q ? 2 : 1);
	add(im, value, n);
	add(im, q ? "\"\n" : "\n", q ? 2 : 1);
	if (strcmp(cmd, "password") == 0)
		im->password = true;
}

/* pn_import_line - see import.h */
void pn_import_line(struct pn_import *im, const char *line)
{
	add(im, line, strlen(line));
	add(im, "\n", 1);
}

/* pn_import_note - see import.h */
void pn_import_note(struct pn_import *im, const char *fmt, ...)
{
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = pn_xmalloc(n > 0 ? (size_t)n + 1 : 1);
	text[0] = '\0';
	if (n > 0)
		vsnprintf(text, (size_t)n + 1, fmt, again);
	va_end(again);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\r\n");
		add(im, "# ", 2);
		add(im, p, len);
		add(im, "\n", 1);
		p += len;
		p += strspn(p, "\r\n");
	}
	free(text);
}

/* taken - an account of that name was written */
static bool taken(const struct pn_import *im, const char *name)
{
	for (int i = 0; i < im->accounts; i++)
		if (strcmp(im->names[i], name) == 0)
			return true;
	return false;
}

/* account_name - base, or base_N, as a name the "account" line takes
 * whole: no blank, ':' or ',' (rcfile.c splits there), nothing odd */
static char *account_name(const char *base, int i)
{
	char *name =
	    i ? pn_xasprintf("%.200s_%d", base, i) : pn_xasprintf("%.200s", *base ? base : "account");
	for (char *c = name; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 127 || strchr(":,\"#", *c))
			*c = '_';
	return name;
}

/* pn_import_account - see import.h */
void pn_import_account(struct pn_import *im, const char *base, const char *parent)
{
	char *name = account_name(base, 0);
	for (int i = 2; taken(im, name); i++) {
		free(name);
		name = account_name(base, i);
	}
	add(im, "\naccount ", 9);
	add(im, name, strlen(name));
	if (parent) {
		add(im, " : ", 3);
		add(im, parent, strlen(parent));
	}
	add(im, "\n", 1);
	im->names = pn_xrealloc(im->names, (size_t)(im->accounts + 1) * sizeof(*im->names));
	im->names[im->accounts++] = name;
}

/* pn_import_host_ok - see import.h */
bool pn_import_host_ok(const char *host)
{
	if (!*host)
		return false;
	for (const unsigned char *c = (const unsigned char *)host; *c; c++)
		if (*c <= ' ' || *c == 127 || strchr("[]\"#,:", *c))
			return false;
	return true;
}
