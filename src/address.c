/* address.c - address lists (RFC 5322 3.4) and envelope address checks.
 *
 * The list is split at top-level commas and group delimiters; each mailbox
 * yields the addr-spec inside <...> when there is one (a source route
 * "@a,@b:" is dropped, RFC 5321 4.1.2), otherwise the mailbox itself with
 * comments and folding white space removed.  Quoted strings are kept as they
 * are.  Display names are never parsed further, so encoded words stay
 * intact in the header, which postern passes on unchanged.
 */
#include "address.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#define ADDR_MAX 256 /* RFC 5321 4.5.3.1.3: a path is at most 256 octets */

void pn_addrlist_init(struct pn_addrlist *l)
{
	l->addr = NULL;
	l->n = l->cap = 0;
}

void pn_addrlist_free(struct pn_addrlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->addr[i]);
	free(l->addr);
	pn_addrlist_init(l);
}

/* same_address - local parts compare exactly, domains without case */
static bool same_address(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	if (!da || !db)
		return !da && !db && strcmp(a, b) == 0;
	return da - a == db - b && strncmp(a, b, (size_t)(da - a)) == 0 &&
	       strcasecmp(da, db) == 0;
}

bool pn_addrlist_has(const struct pn_addrlist *l, const char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (same_address(l->addr[i], addr))
			return true;
	return false;
}

void pn_addrlist_add(struct pn_addrlist *l, const char *addr)
{
	if (pn_addrlist_has(l, addr))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->addr = pn_xrealloc(l->addr, l->cap * sizeof(*l->addr));
	}
	l->addr[l->n++] = pn_xstrdup(addr);
}

const char *pn_address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : NULL;
}

/* pn_address_check - see address.h */
bool pn_address_check(const char *addr, const char *what, struct pn_error *err)
{
	if (!*addr) {
		pn_error_set(err, EX_DATAERR, _("empty %s address"), what);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>') {
			pn_error_set(err, EX_DATAERR,
				     _("invalid %s address: it contains a control character or angle bracket"), what);
			return false;
		}
	}
	if (strlen(addr) > ADDR_MAX) {
		pn_error_set(err, EX_DATAERR, _("%s address longer than %d bytes"), what, ADDR_MAX);
		return false;
	}
	return true;
}

/* the scanner walks one list and collects the current mailbox's bytes */
struct scan {
	const char *p, *end;
	struct pn_buf plain; /* mailbox text outside <> with comments removed */
	struct pn_buf angle; /* text inside <> */
	bool has_angle;
	struct pn_addrlist *out;
	struct pn_error *err;
};

/* fail - the list does not parse */
static bool fail(struct scan *s, const char *why)
{
	pn_error_set(s->err, EX_DATAERR, _("cannot parse address list: %s"), why);
	return false;
}

/* skip_comment - step over a (possibly nested) comment */
static bool skip_comment(struct scan *s)
{
	int depth = 0;
	for (; s->p < s->end; s->p++) {
		if (*s->p == '\\' && s->p + 1 < s->end)
			s->p++;
		else if (*s->p == '(')
			depth++;
		else if (*s->p == ')' && --depth == 0) {
			s->p++;
			return true;
		}
	}
	return fail(s, _("unterminated comment"));
}

/* copy_quoted - copy a quoted string, quotes and escapes included */
static bool copy_quoted(struct scan *s, struct pn_buf *to)
{
	const char *start = s->p++;
	for (; s->p < s->end; s->p++) {
		if (*s->p == '\\' && s->p + 1 < s->end)
			s->p++;
		else if (*s->p == '"') {
			s->p++;
			if (!pn_buf_append(to, start, (size_t)(s->p - start)))
				return fail(s, _("address too long"));
			return true;
		}
	}
	return fail(s, _("unterminated quoted string"));
}

/* strip_route - "@a,@b:user@c" becomes "user@c" */
static const char *strip_route(const char *a)
{
	if (*a != '@')
		return a;
	const char *colon = strchr(a, ':');
	return colon ? colon + 1 : a;
}

/* finish_mailbox - emit the collected mailbox, if any, and reset */
static bool finish_mailbox(struct scan *s)
{
	const char *addr = s->has_angle ? strip_route(s->angle.data ? s->angle.data : "")
					: (s->plain.data ? s->plain.data : "");
	bool ok = true;
	if (*addr) {
		ok = pn_address_check(addr, _("recipient"), s->err);
		if (ok)
			pn_addrlist_add(s->out, addr);
	}
	pn_buf_reset(&s->plain);
	pn_buf_reset(&s->angle);
	s->has_angle = false;
	return ok;
}

/* scan_angle - collect an angle address up to its '>' */
static bool scan_angle(struct scan *s)
{
	if (s->has_angle)
		return fail(s, _("two angle addresses in one mailbox"));
	s->has_angle = true;
	for (s->p++; s->p < s->end; ) {
		char ch = *s->p;
		if (ch == '>') {
			s->p++;
			return true;
		}
		if (ch == '"') {
			if (!copy_quoted(s, &s->angle))
				return false;
		} else if (ch == '(') {
			if (!skip_comment(s))
				return false;
		} else {
			if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' &&
			    !pn_buf_append(&s->angle, &ch, 1))
				return fail(s, _("address too long"));
			s->p++;
		}
	}
	return fail(s, _("missing '>'"));
}

/* scan_char - one top-level character of the list */
static bool scan_char(struct scan *s)
{
	char ch = *s->p;
	switch (ch) {
	case '(':
		return skip_comment(s);
	case '"':
		return copy_quoted(s, &s->plain);
	case '<':
		return scan_angle(s);
	case ',':
	case ';':
		s->p++;
		return finish_mailbox(s);
	case ':': /* a group's display name ends: what came before is no address */
		s->p++;
		if (s->has_angle)
			return fail(s, _("unexpected ':'"));
		pn_buf_reset(&s->plain);
		return true;
	case ' ': case '\t': case '\r': case '\n':
		s->p++;
		return true;
	default:
		s->p++;
		if (!pn_buf_append(&s->plain, &ch, 1))
			return fail(s, _("address too long"));
		return true;
	}
}

/* pn_address_parse_list - see address.h */
bool pn_address_parse_list(const char *text, size_t len, struct pn_addrlist *out,
			   struct pn_error *err)
{
	if (memchr(text, '\0', len) || memchr(text, '\r', len) || memchr(text, '\n', len)) {
		pn_error_set(err, EX_DATAERR, _("address list contains a line break or NUL byte"));
		return false;
	}
	struct scan s = {.p = text, .end = text + len, .out = out, .err = err};
	pn_buf_init(&s.plain, 4 * ADDR_MAX);
	pn_buf_init(&s.angle, 4 * ADDR_MAX);
	bool ok = true;
	while (ok && s.p < s.end)
		ok = scan_char(&s);
	if (ok)
		ok = finish_mailbox(&s);
	pn_buf_free(&s.plain);
	pn_buf_free(&s.angle);
	return ok;
}
