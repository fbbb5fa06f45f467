/* address.c - address lists (RFC 5322 3.4) and envelope address checks.
 *
 * The list is split at top-level commas and group delimiters; each mailbox
 * yields the addr-spec inside <...> when there is one (a source route
 * "@a,@b:" is dropped, RFC 5321 4.1.2), otherwise the mailbox itself with
 * comments and folding white space removed.  Quoted strings are kept as they
 * are.  Display names are never parsed further, so encoded words stay
 * intact in the header, which postern passes on unchanged.  Bare words
 * separated by white space are separate addresses in a command-line word
 * only; in a header field they are a malformed mailbox.
 *
 * The list de-duplicates through a hash index (open addressing, linear
 * probing, load at most one half), so n recipients cost O(n).
 */
#include "address.h"

#include "buf.h"

#include <ctype.h>
#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#define ADDR_MAX 256 /* RFC 5321 4.5.3.1.3: a path is at most 256 octets */

void pn_addrlist_init(struct pn_addrlist *l)
{
	memset(l, 0, sizeof(*l));
}

void pn_addrlist_free(struct pn_addrlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->addr[i]);
	free(l->addr);
	free(l->slot);
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

/* addr_hash - FNV-1a over the address, the domain folded the way
 * strcasecmp folds it, so that addresses same_address calls equal hash
 * alike */
static size_t addr_hash(const char *a)
{
	const char *at = strrchr(a, '@');
	uint64_t h = 14695981039346656037ull;
	for (const char *p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;
		h = (h ^ (at && p > at ? (unsigned char)tolower(c) : c)) * 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29));
}

/* find_slot - the slot holding an address equal to addr, or the empty slot
 * where it would go; the table is never full (load at most one half) */
static size_t find_slot(const struct pn_addrlist *l, const char *addr)
{
	size_t mask = l->nslot - 1;
	for (size_t i = addr_hash(addr) & mask;; i = (i + 1) & mask)
		if (!l->slot[i] || same_address(l->addr[l->slot[i] - 1], addr))
			return i;
}

/* index_tail - index addr[indexed..n), growing the table to keep its load
 * at most one half; a table that grows is rebuilt from the whole list */
static void index_tail(struct pn_addrlist *l)
{
	if (2 * (l->n + 1) > l->nslot) {
		size_t want = l->nslot ? l->nslot : 16;
		while (2 * (l->n + 1) > want)
			want *= 2;
		free(l->slot);
		l->slot = pn_xcalloc(want, sizeof(*l->slot));
		l->nslot = want;
		l->indexed = 0;
	}
	for (; l->indexed < l->n; l->indexed++) {
		size_t i = find_slot(l, l->addr[l->indexed]);
		if (!l->slot[i]) /* a duplicate appended by hand: the first one stays */
			l->slot[i] = l->indexed + 1;
	}
}

bool pn_addrlist_has(const struct pn_addrlist *l, const char *addr)
{
	if (l->nslot && l->slot[find_slot(l, addr)])
		return true;
	for (size_t i = l->indexed; i < l->n; i++) /* appended by hand */
		if (same_address(l->addr[i], addr))
			return true;
	return false;
}

void pn_addrlist_add(struct pn_addrlist *l, const char *addr)
{
	index_tail(l);
	size_t i = find_slot(l, addr);
	if (l->slot[i])
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->addr = pn_xrealloc(l->addr, l->cap * sizeof(*l->addr));
	}
	l->addr[l->n++] = pn_xstrdup(addr);
	l->slot[i] = l->n;
	l->indexed = l->n;
}

const char *pn_address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : NULL;
}

/* non_ascii - some byte of [p, p+n) is >= 0x80 */
static bool non_ascii(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}

char *pn_address_ascii(const char *addr, bool *utf8_local, struct pn_error *err)
{
	const char *at = strrchr(addr, '@');
	size_t local = at ? (size_t)(at - addr) : strlen(addr);
	*utf8_local = non_ascii(addr, local);
	if (!at || !non_ascii(at + 1, strlen(at + 1)) || at[1] == '[')
		return pn_xstrdup(addr);
	char *alabel = NULL;
	int r = idn2_to_ascii_8z(at + 1, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (r != IDN2_OK) {
		pn_error_set(err, EX_DATAERR, _("invalid international domain name in address %s: %s"), addr,
			     PN_FOREIGN(idn2_strerror(r)));
		return NULL;
	}
	char *out = pn_xasprintf("%.*s@%s", (int)local, addr, alabel);
	idn2_free(alabel);
	return out;
}

/* pn_address_check - see address.h */
bool pn_address_check(const char *addr, const char *what, struct pn_error *err)
{
	if (!*addr) {
		pn_error_set(err, EX_DATAERR, _("empty %s address"), _(what));
		return false;
	}
	bool quoted = false, escaped = false; /* a space may stand in a quoted local part */
	int ats = 0; /* '@' outside quotes: "a@b@c" has no one meaning, servers differ */
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>') {
			pn_error_set(err, EX_DATAERR,
				     _("invalid %s address: it contains a control character or angle bracket"), _(what));
			return false;
		}
		if (escaped)
			escaped = false;
		else if (*p == '\\' && quoted)
			escaped = true;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '@' && !quoted)
			ats++;
		else if (*p == ' ' && !quoted) {
			pn_error_set(err, EX_DATAERR, _("invalid %s address: it contains a space outside quotes"), _(what));
			return false;
		}
	}
	if (strlen(addr) > ADDR_MAX) {
		pn_error_set(err, EX_DATAERR, _("%s address longer than %d bytes"), _(what), ADDR_MAX);
		return false;
	}
	if (ats > 1) {
		pn_error_set(err, EX_DATAERR, _("invalid %s address %s: it has more than one '@' outside quotes"),
			     _(what), addr);
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
	bool space; /* white space or a comment since the last token */
	bool field; /* a header field's value: RFC 5322 only, no word lists */
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

#define GAP '\x01' /* marks white space between two words of a bare mailbox */

/* token_gap - before a word's first byte: keep the white space that
 * separated it from the last word, unless it sits around '@' or '.' */
static bool token_gap(struct scan *s, char c)
{
	bool gap = s->space && s->plain.len && c != '@' && c != '.' &&
		   s->plain.data[s->plain.len - 1] != '@' && s->plain.data[s->plain.len - 1] != '.';
	s->space = false;
	return !gap || pn_buf_append(&s->plain, (char[]){GAP}, 1);
}

/* emit - one address of the list */
static bool emit(struct scan *s, const char *addr, size_t n)
{
	if (!n)
		return true;
	char *a = pn_xstrndup(addr, n);
	bool ok = pn_address_check(a, N_("recipient"), s->err);
	if (ok)
		pn_addrlist_add(s->out, a);
	free(a);
	return ok;
}

/* several_words - in a header field, a bare mailbox of several words is
 * neither an addr-spec nor a name-addr (RFC 5322 3.4): guessing which word
 * is the address, or taking each, would send where the writer did not mean */
static bool several_words(struct scan *s, const char *p)
{
	char shown[68];
	size_t n = 0;
	for (; *p && n < 64; p++) /* for the message: GAP as a blank, no controls */
		shown[n++] = *p == GAP ? ' ' : (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
	memcpy(shown + n, *p ? "..." : "", *p ? 4 : 1);
	pn_error_set(s->err, EX_DATAERR,
		     _("cannot parse address list: '%s' is not one address (a display name needs the address "
		       "in angle brackets, and addresses are separated by commas)"),
		     shown);
	return false;
}

/* all_have_domains - every GAP-separated word of p has a domain */
static bool all_have_domains(const char *p)
{
	while (*p) {
		size_t n = strcspn(p, (char[]){GAP, 0});
		const char *at = memrchr(p, '@', n);
		if (!at || at + 1 == p + n)
			return false;
		p += n + (p[n] == GAP);
	}
	return true;
}

/* finish_mailbox - emit the collected mailbox, if any, and reset.  Bare
 * words separated by white space ("a@b c@d", sendmail's old list form) are
 * separate addresses in a command-line word when each has a domain (a bare
 * name is sent as written, so "not an address" must not become three
 * recipients), and refused in a header field. */
static bool finish_mailbox(struct scan *s)
{
	bool ok = true;
	bool words = !s->has_angle && s->plain.len && memchr(s->plain.data, GAP, s->plain.len);
	if (words && (s->field || !all_have_domains(s->plain.data))) {
		ok = several_words(s, s->plain.data);
	} else if (s->has_angle) {
		const char *addr = strip_route(s->angle.data ? s->angle.data : "");
		ok = emit(s, addr, strlen(addr));
	} else {
		const char *p = s->plain.data ? s->plain.data : "";
		while (ok && *p) {
			size_t n = strcspn(p, (char[]){GAP, 0});
			ok = emit(s, p, n);
			p += n + (p[n] == GAP);
		}
	}
	pn_buf_reset(&s->plain);
	pn_buf_reset(&s->angle);
	s->has_angle = false;
	s->space = false;
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
		s->space = true;
		return skip_comment(s);
	case '"':
		if (s->field && s->has_angle)
			return fail(s, _("text after the angle address"));
		if (!token_gap(s, ch))
			return fail(s, _("address too long"));
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
		s->space = true;
		return true;
	default:
		if (s->field && s->has_angle)
			return fail(s, _("text after the angle address"));
		s->p++;
		if (!token_gap(s, ch) || !pn_buf_append(&s->plain, &ch, 1))
			return fail(s, _("address too long"));
		return true;
	}
}

/* parse - an address list; field: the value of a header field */
static bool parse(const char *text, size_t len, struct pn_addrlist *out, bool field, struct pn_error *err)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\t') {
			pn_error_set(err, EX_DATAERR, _("address list contains a line break, NUL or control byte"));
			return false;
		}
	struct scan s = {.p = text, .end = text + len, .out = out, .field = field, .err = err};
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

/* pn_address_parse_list - see address.h */
bool pn_address_parse_list(const char *text, size_t len, struct pn_addrlist *out, struct pn_error *err)
{
	return parse(text, len, out, false, err);
}

/* pn_address_parse_field - see address.h */
bool pn_address_parse_field(const char *text, size_t len, struct pn_addrlist *out, struct pn_error *err)
{
	return parse(text, len, out, true, err);
}
