/* aliases.c - the aliases file (see aliases.h). */
#include "aliases.h"

#include "buf.h"
#include "regfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#define ALIAS_DEPTH 10

struct alias {
	char *name;
	struct pn_addrlist to;
};

struct pn_aliases {
	struct alias *a;
	size_t n;
	const char *path;
};

/* find - the entry for a local name, case-insensitively as sendmail does */
static const struct alias *find(const struct pn_aliases *al, const char *name)
{
	for (size_t i = 0; i < al->n; i++)
		if (strcasecmp(al->a[i].name, name) == 0)
			return &al->a[i];
	return NULL;
}

/* add_entry - "name: list" (the text is one logical line) */
static bool add_entry(struct pn_aliases *al, char *text, int line, struct pn_error *err)
{
	char *colon = strchr(text, ':');
	char *name = text + strspn(text, " \t");
	if (!colon || colon == name) {
		pn_error_set(err, EX_CONFIG, _("%s:%d: expected 'name: address, ...'"), al->path, line);
		return false;
	}
	char *end = colon;
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	al->a = pn_xrealloc(al->a, (al->n + 1) * sizeof(*al->a));
	struct alias *e = &al->a[al->n++];
	e->name = pn_xstrdup(name);
	pn_addrlist_init(&e->to);
	const char *v = colon + 1;
	struct pn_error perr;
	pn_error_init(&perr);
	if (!pn_address_parse_list(v, strlen(v), &e->to, &perr) || e->to.n == 0) {
		pn_error_set(err, EX_CONFIG, _("%s:%d: alias %s: %s"), al->path, line, name,
			     e->to.n ? perr.msg : _("no addresses"));
		return false;
	}
	return true;
}

/* flush_entry - finish the logical line collected so far */
static bool flush_entry(struct pn_aliases *al, struct pn_buf *entry, int line, struct pn_error *err)
{
	bool ok = !entry->len || add_entry(al, entry->data, line, err);
	pn_buf_reset(entry);
	return ok;
}

/* parse - every line of the file */
static bool parse(struct pn_aliases *al, FILE *f, struct pn_error *err)
{
	struct pn_buf entry;
	pn_buf_init(&entry, 65536);
	char *line = NULL;
	size_t cap = 0;
	int no = 0, start = 0;
	bool ok = true;
	for (ssize_t n; ok && (n = getline(&line, &cap, f)) >= 0;) {
		no++;
		line[strcspn(line, "#\r\n")] = '\0';
		if (line[0] == ' ' || line[0] == '\t') {
			if (line[strspn(line, " \t")] && !entry.len) {
				pn_error_set(err, EX_CONFIG, _("%s:%d: continuation line without an alias"), al->path, no);
				ok = false;
			} else if (!pn_buf_addstr(&entry, line)) {
				pn_error_set(err, EX_CONFIG, _("%s:%d: alias too long"), al->path, no);
				ok = false;
			}
			continue;
		}
		ok = flush_entry(al, &entry, start, err);
		start = no;
		if (ok && line[0] && !pn_buf_addstr(&entry, line))
			ok = false;
	}
	ok = ok && flush_entry(al, &entry, start, err);
	free(line);
	pn_buf_free(&entry);
	return ok;
}

struct pn_aliases *pn_aliases_load(const char *path, struct pn_error *err)
{
	bool odd;
	FILE *f = pn_fopen_regular(path, &odd); /* a FIFO there must not block */
	if (!f) {
		if (odd)
			pn_error_set(err, EX_CONFIG, _("cannot read aliases file %s: not a regular file"), path);
		else
			pn_error_errno(err, EX_CONFIG, errno, _("cannot read aliases file %s"), path);
		return NULL;
	}
	struct pn_aliases *al = pn_xcalloc(1, sizeof(*al));
	al->path = path;
	bool ok = parse(al, f, err);
	fclose(f);
	if (!ok) {
		pn_aliases_free(al);
		return NULL;
	}
	return al;
}

void pn_aliases_free(struct pn_aliases *al)
{
	if (!al)
		return;
	for (size_t i = 0; i < al->n; i++) {
		free(al->a[i].name);
		pn_addrlist_free(&al->a[i].to);
	}
	free(al->a);
	free(al);
}

/* expand_one - add the expansion of addr to out */
static bool expand_one(const struct pn_aliases *al, const char *addr, int depth, struct pn_addrlist *out,
		       struct pn_error *err)
{
	if (strchr(addr, '@')) {
		pn_addrlist_add(out, addr);
		return true;
	}
	const struct alias *e = find(al, addr);
	if (!e && depth == 0)
		e = find(al, "default");
	if (!e) {
		pn_addrlist_add(out, addr);
		return true;
	}
	if (depth >= ALIAS_DEPTH) {
		pn_error_set(err, EX_CONFIG, _("%s: aliases nested too deeply (a loop?) at '%s'"), al->path, addr);
		return false;
	}
	for (size_t i = 0; i < e->to.n; i++) {
		/* an alias naming itself means the local name itself */
		if (strcasecmp(e->to.addr[i], addr) == 0)
			pn_addrlist_add(out, addr);
		else if (!expand_one(al, e->to.addr[i], depth + 1, out, err))
			return false;
	}
	return true;
}

bool pn_aliases_expand(const struct pn_aliases *al, struct pn_addrlist *rcpt, struct pn_error *err)
{
	struct pn_addrlist out;
	pn_addrlist_init(&out);
	for (size_t i = 0; i < rcpt->n; i++)
		if (!expand_one(al, rcpt->addr[i], 0, &out, err)) {
			pn_addrlist_free(&out);
			return false;
		}
	pn_addrlist_free(rcpt);
	*rcpt = out;
	return true;
}
