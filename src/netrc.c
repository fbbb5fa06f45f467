/* netrc.c - ~/.netrc lookups (see netrc.h).
 *
 * Tokens are separated by white space (or double-quoted); "macdef" bodies (up to an empty
 * line) are skipped.  The first entry for the host whose login is the
 * account's user wins, then a "default" entry with that login.
 */
#include "netrc.h"

#include "buf.h"
#include "regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define NETRC_MAX (256 * 1024)

struct entry {
	bool is_default, host_ok;
	char *login, *password;
};

/* next_token - the next white-space separated word, or NULL; a word may
 * be double-quoted, with \" and \\ inside, to hold blanks */
static char *next_token(char **p)
{
	char *s = *p + strspn(*p, " \t\r\n");
	if (!*s)
		return NULL;
	if (*s != '"') {
		size_t n = strcspn(s, " \t\r\n");
		if (s[n])
			s[n++] = '\0';
		*p = s + n;
		return s;
	}
	char *o = s, *i = s + 1;
	for (; *i && *i != '"'; i++) {
		if (*i == '\\' && i[1])
			i++;
		*o++ = *i;
	}
	*p = *i ? i + 1 : i;
	*o = '\0';
	return s;
}

/* skip_macdef - a macro body ends at an empty line */
static void skip_macdef(char **p)
{
	char *end = strstr(*p, "\n\n");
	*p = end ? end + 2 : *p + strlen(*p);
}

/* matches - the entry is for host (or default) and user */
static bool matches(const struct entry *e, const char *user)
{
	return (e->host_ok || e->is_default) && e->password && e->login && strcmp(e->login, user) == 0;
}

/* scan - find the password in the file's text */
static char *scan(char *text, const char *host, const char *user)
{
	struct entry cur = {false, false, NULL, NULL}, def = {false, false, NULL, NULL};
	bool in_entry = false;
	for (char *p = text, *t; (t = next_token(&p));) {
		if (strcmp(t, "machine") == 0 || strcmp(t, "default") == 0) {
			if (in_entry && matches(&cur, user) && !cur.is_default)
				return cur.password;
			if (in_entry && cur.is_default && matches(&cur, user) && !def.password)
				def = cur;
			cur = (struct entry){strcmp(t, "default") == 0, false, NULL, NULL};
			in_entry = true;
			if (!cur.is_default) {
				char *m = next_token(&p);
				cur.host_ok = m && strcasecmp(m, host) == 0;
			}
		} else if (strcmp(t, "login") == 0) {
			cur.login = next_token(&p);
		} else if (strcmp(t, "password") == 0) {
			cur.password = next_token(&p);
		} else if (strcmp(t, "account") == 0) {
			next_token(&p);
		} else if (strcmp(t, "macdef") == 0) {
			next_token(&p);
			skip_macdef(&p);
		}
	}
	if (in_entry && matches(&cur, user) && (!cur.is_default || !def.password))
		return cur.password;
	return def.password;
}

bool pn_netrc_lookup(const char *path, const char *host, const char *user, struct pn_secret *out,
		     struct pn_error *err)
{
	out->p = NULL;
	bool odd;
	int fd = pn_open_regular(path, O_RDONLY, 0, &odd); /* a FIFO there must not block */
	if (fd < 0 && odd)
		pn_error_set(err, EX_CONFIG, _("cannot read %s: not a regular file"), path);
	if (fd < 0)
		return false; /* no file, no entry */
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		close(fd);
		pn_error_set(err, EX_CONFIG, _("%s can be read by other users; fix it with: chmod 600 %s"), path, path);
		return false;
	}
	struct pn_buf b;
	pn_buf_init_secret(&b, NETRC_MAX); /* the file holds passwords */
	char chunk[4096];
	ssize_t n;
	bool ok = true;
	while (ok && (n = read(fd, chunk, sizeof(chunk))) > 0)
		ok = pn_buf_append(&b, chunk, (size_t)n);
	close(fd);
	pn_wipe(chunk, sizeof(chunk));
	if (!ok || n < 0) {
		pn_error_set(err, EX_CONFIG, _("cannot read %s"), path);
	} else if (b.data) {
		const char *pw = scan(b.data, host, user);
		if (pw)
			pn_secret_copy(out, pw, strlen(pw));
	}
	pn_buf_free(&b);
	return out->p != NULL;
}
