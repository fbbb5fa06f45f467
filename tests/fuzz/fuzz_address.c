/* fuzz_address.c - libFuzzer target for address lists (address.c).
 *
 * The input is an address list given with its explicit length (it is not
 * NUL-terminated: libFuzzer's buffer is exactly the input, so a read past
 * the length is seen).  Every address the parser accepts must pass
 * pn_address_check (it goes into RCPT TO), must not repeat, and is turned
 * into its ASCII form with pn_address_ascii; an ASCII result must again be
 * a safe envelope address and keep the local part as it was.  Outside its
 * quoted strings an accepted address has no white space or '(' (white
 * space separates bare addresses, '(' starts a comment) and its quotes are
 * balanced (not checked where a source route may have been cut), and put in
 * angle brackets it parses back to exactly itself (unless it starts with
 * '@', a source route being dropped).  No two accepted addresses are the
 * same address (local part exact, domain without case: the hash index
 * must agree with the comparison).  Parsed as a header field's value
 * (pn_address_parse_field, RFC 5322 rules) the input gives the same
 * addresses as a command-line word, or is refused: a field is never read
 * as more addresses, only as fewer words.
 */
#include "../../src/address.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* maybe_route - some '<' is followed, blanks and comments aside, by '@' */
static bool maybe_route(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '<')
			continue;
		size_t j = i + 1;
		while (j < n && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j < n && (p[j] == '@' || p[j] == '('))
			return true;
	}
	return false;
}

/* same_address - local parts exact, domains without case */
static bool same_address(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	if (!da || !db)
		return !da && !db && strcmp(a, b) == 0;
	return da - a == db - b && strncmp(a, b, (size_t)(da - a)) == 0 && strcasecmp(da, db) == 0;
}

/* check_field - the header-field parse is the word parse, or a refusal */
static void check_field(const uint8_t *data, size_t size, bool list_ok, const struct pn_addrlist *l)
{
	struct pn_addrlist f;
	struct pn_error err;
	pn_addrlist_init(&f);
	pn_error_init(&err);
	bool ok = pn_address_parse_field((const char *)data, size, &f, &err);
	if (!ok && !pn_error_isset(&err))
		fuzz_fail("pn_address_parse_field failed without an error", 0);
	if (ok && !list_ok)
		fuzz_fail("a header field parses where the command-line word does not", 0);
	if (ok && f.n != l->n)
		fuzz_fail("a header field gives another number of addresses than the word", f.n);
	for (size_t i = 0; ok && i < f.n; i++)
		if (strcmp(f.addr[i], l->addr[i]) != 0)
			fuzz_fail("a header field gives another address than the word", i);
	pn_addrlist_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_addrlist l;
	struct pn_error err;
	pn_addrlist_init(&l);
	pn_error_init(&err);
	bool ok = pn_address_parse_list((const char *)data, size, &l, &err);
	if (!ok && !pn_error_isset(&err))
		fuzz_fail("pn_address_parse_list failed without an error", 0);
	for (size_t i = 0; i < l.n; i++) {
		const char *a = l.addr[i];
		struct pn_error e;
		pn_error_init(&e);
		if (!pn_address_check(a, "fuzz", &e))
			fuzz_fail("an accepted address fails pn_address_check", i);
		for (size_t j = 0; j < i; j++)
			if (same_address(l.addr[j], a))
				fuzz_fail("an address is listed twice", i);
		if (!pn_addrlist_has(&l, a))
			fuzz_fail("pn_addrlist_has misses a listed address", i);
		(void)pn_address_domain(a);
		/* a source route "<@a,@b:x@y>" is cut at its first ':' without
		 * regard to quotes (address.c strip_route), so a garbled route may
		 * leave an unbalanced quote behind */
		bool route = maybe_route(data, size);
		bool quoted = false;
		for (const char *q = a; *q && !route; q++) {
			if (quoted && *q == '\\' && q[1]) {
				q++;
				continue;
			}
			if (*q == '"')
				quoted = !quoted;
			else if (!quoted && strchr(" \t(", *q))
				fuzz_fail("white space or '(' outside quotes in an accepted address", i);
		}
		if (quoted && !route)
			fuzz_fail("an accepted address has an unterminated quoted string", i);
		if (a[0] != '@' && !route) {
			size_t an = strlen(a);
			char *wrapped = malloc(an + 2); /* exactly "<" a ">", not terminated */
			if (!wrapped)
				abort();
			wrapped[0] = '<';
			memcpy(wrapped + 1, a, an);
			wrapped[an + 1] = '>';
			struct pn_addrlist back;
			pn_addrlist_init(&back);
			pn_error_init(&e);
			if (!pn_address_parse_list(wrapped, an + 2, &back, &e))
				fuzz_fail("an accepted address in angle brackets does not parse", i);
			if (back.n != 1 || strcmp(back.addr[0], a) != 0)
				fuzz_fail("an accepted address in angle brackets parses to something else", i);
			pn_addrlist_free(&back);
			free(wrapped);
		}

		bool utf8_local = false;
		pn_error_init(&e);
		char *ascii = pn_address_ascii(a, &utf8_local, &e);
		if (!ascii) {
			if (!pn_error_isset(&e))
				fuzz_fail("pn_address_ascii failed without an error", i);
			continue;
		}
		const char *at = strrchr(a, '@'), *at2 = strrchr(ascii, '@');
		size_t local = at ? (size_t)(at - a) : strlen(a);
		if (strncmp(ascii, a, local) != 0)
			fuzz_fail("pn_address_ascii changed the local part", i);
		if (!at != !at2)
			fuzz_fail("pn_address_ascii added or removed the '@'", i);
		for (const unsigned char *q = (const unsigned char *)ascii; *q; q++)
			if (*q < 0x20 || *q == 0x7f || *q == '<' || *q == '>')
				fuzz_fail("pn_address_ascii produced a control byte or angle bracket", i);
		if (at2 && at2[1] != '[' && !utf8_local) /* a literal stays as it is */
			for (const unsigned char *q = (const unsigned char *)ascii; *q; q++)
				if (*q >= 0x80)
					fuzz_fail("pn_address_ascii left non-ASCII in an ASCII-local address", i);
		free(ascii);
	}
	check_field(data, size, ok, &l);
	pn_addrlist_free(&l);
	return 0;
}
