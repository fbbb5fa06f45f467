/* saslprep.c - SASLprep, RFC 4013 over RFC 3454 (see saslprep.h).
 *
 * The steps of RFC 3454 2 in order: map (C.1.2 to SPACE, then B.1 to
 * nothing), normalize (NFKC, libunistring), prohibit (C.1.2, C.2.1, C.2.2,
 * C.3 to C.9), check bidi (RFC 3454 6).  The tables are RFC 3454's ranges,
 * written out here; character properties (bidi class) are libunistring's.
 * SECURITY: the code points of a password are held in buffers that are
 * wiped before they are freed.  XXX libunistring's normalizer may keep
 * short-lived copies in its own scratch memory, which postern cannot wipe.
 */
#include "saslprep.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

struct range {
	uint32_t lo, hi;
};

/* RFC 3454 C.1.2, non-ASCII space: mapped to SPACE (RFC 4013 2.1) */
static const struct range to_space[] = {
	{0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200B}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};

/* RFC 3454 B.1, "commonly mapped to nothing" */
static const struct range to_nothing[] = {
	{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x1806, 0x1806}, {0x180B, 0x180D},
	{0x200B, 0x200D}, {0x2060, 0x2060}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
};

/* RFC 3454 C.1.2, C.2.1, C.2.2, C.3, C.4 (but the last two code points
 * of each plane, see prohibited()), C.5, C.6, C.7, C.8 and C.9, merged
 * where they touch; sorted */
static const struct range banned[] = {
	{0x0000, 0x001F},   {0x007F, 0x00A0},   {0x0340, 0x0341},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
	{0x1680, 0x1680},   {0x180E, 0x180E},   {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x2063},
	{0x206A, 0x206F},   {0x2FF0, 0x2FFB},   {0x3000, 0x3000},   {0xD800, 0xF8FF},   {0xFDD0, 0xFDEF},
	{0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFD},   {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
	{0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
};

/* in_table - c lies in one of the n sorted ranges */
static bool in_table(const struct range *t, size_t n, uint32_t c)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c < t[mid].lo)
			hi = mid;
		else if (c > t[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* prohibited - RFC 4013 2.3 (C.4's non-characters end every plane) */
static bool prohibited(uint32_t c)
{
	return (c & 0xFFFE) == 0xFFFE || c > 0x10FFFF || in_table(banned, PN_ARRAY_LEN(banned), c);
}

/* map - RFC 4013 2.1 in place; the new length */
static size_t map(uint32_t *u, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (in_table(to_space, PN_ARRAY_LEN(to_space), u[i]))
			u[o++] = ' ';
		else if (!in_table(to_nothing, PN_ARRAY_LEN(to_nothing), u[i]))
			u[o++] = u[i];
	}
	return o;
}

/* check - RFC 4013 2.3 and 2.4 (RFC 3454 6): no prohibited character;
 * with a right-to-left character (R or AL) no left-to-right one (L), and
 * right-to-left ones first and last */
static enum pn_saslprep check(const uint32_t *u, size_t n)
{
	bool rtl = false, ltr = false;
	for (size_t i = 0; i < n; i++) {
		if (prohibited(u[i]))
			return PN_SASLPREP_PROHIBITED;
		int b = uc_bidi_category(u[i]);
		rtl |= b == UC_BIDI_R || b == UC_BIDI_AL;
		ltr |= b == UC_BIDI_L;
	}
	if (!rtl)
		return PN_SASLPREP_OK;
	int first = uc_bidi_category(u[0]), last = uc_bidi_category(u[n - 1]);
	bool ends = (first == UC_BIDI_R || first == UC_BIDI_AL) && (last == UC_BIDI_R || last == UC_BIDI_AL);
	return !ltr && ends ? PN_SASLPREP_OK : PN_SASLPREP_BIDI;
}

/* wipe_free - wipe n code points at u and free them */
static void wipe_free(uint32_t *u, size_t n)
{
	if (u)
		pn_wipe(u, n * sizeof(*u));
	free(u);
}

/* normalize - NFKC of n code points at u, into a fresh buffer *out of
 * *on code points and *cap to wipe */
static bool normalize(const uint32_t *u, size_t n, uint32_t **out, size_t *on, size_t *cap)
{
	/* room for what NFKC makes of most text, so it rarely allocates */
	size_t room = 4 * n + 16;
	uint32_t *buf = pn_xcalloc(room, sizeof(*buf));
	*on = room;
	uint32_t *r = u32_normalize(UNINORM_NFKC, u, n, buf, on);
	if (r != buf)
		wipe_free(buf, room);
	*out = r;
	*cap = r == buf ? room : *on;
	return r != NULL;
}

/* encode - n code points as UTF-8 into out */
static void encode(const uint32_t *u, size_t n, struct pn_secret *out)
{
	size_t room = 4 * n + 1, len = room; /* 4 bytes hold any code point */
	uint8_t *buf = pn_xmalloc(room);
	uint8_t *r = u32_to_u8(u, n, buf, &len);
	pn_secret_copy(out, r ? (const char *)r : "", r ? len : 0);
	if (r && r != buf) {
		pn_wipe(r, len);
		free(r);
	}
	pn_wipe(buf, room);
	free(buf);
}

/* ascii - printable ASCII only: the prepared form is the input */
static bool ascii(const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in[i] < 0x20 || in[i] > 0x7e)
			return false;
	return true;
}

enum pn_saslprep pn_saslprep(const char *in, size_t n, struct pn_secret *out)
{
	out->p = NULL;
	out->n = 0;
	if (ascii(in, n)) {
		pn_secret_copy(out, in, n);
		return PN_SASLPREP_OK;
	}
	if (u8_check((const uint8_t *)in, n))
		return PN_SASLPREP_UTF8;
	size_t len = n;
	uint32_t *u = pn_xcalloc(n, sizeof(*u)), *norm = NULL;
	uint32_t *r = u8_to_u32((const uint8_t *)in, n, u, &len);
	enum pn_saslprep rc = PN_SASLPREP_UTF8;
	size_t nlen = 0, cap = 0;
	if (r == u && normalize(u, map(u, len), &norm, &nlen, &cap)) {
		rc = nlen ? check(norm, nlen) : PN_SASLPREP_EMPTY;
		if (rc == PN_SASLPREP_OK)
			encode(norm, nlen, out);
	}
	if (r != u) /* cannot happen: n code points at most fit */
		wipe_free(r, len);
	wipe_free(norm, cap);
	wipe_free(u, n);
	return rc;
}
