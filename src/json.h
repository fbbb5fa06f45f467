/* json.h - a strict RFC 8259 JSON reader for the small objects OAuth 2.0
 * endpoints answer with (token, device authorization and error replies),
 * and the one string writer of the JSON log lines (log_format json).
 *
 * Our own ~250 lines rather than a library: the replies are single flat
 * objects of a few members, and a library would be one more dlopen()ed
 * dependency to load, trust and bound.  pn_json_parse checks the whole text
 * against the grammar of RFC 8259 (a bounded size and nesting depth, valid
 * UTF-8, \u escapes with their surrogate pairs, nothing after the value);
 * the lookups then read one member of the top-level object, skipping nested
 * values.  A member named twice is refused by the lookups (which one would
 * the sender have meant?).
 * SECURITY: token replies carry secrets; the decoded string goes into the
 * caller's buffer (a secret buffer where it holds a token) and nothing here
 * keeps a copy.
 */
#ifndef POSTERN_JSON_H
#define POSTERN_JSON_H

#include "buf.h"

#define PN_JSON_MAX_SIZE 65536 /* the largest text read (http.c's reply cap) */
#define PN_JSON_MAX_DEPTH 32

enum pn_json_type {
	PN_JSON_MISSING, /* no such member (or not an object at the top) */
	PN_JSON_STRING, PN_JSON_NUMBER, PN_JSON_OBJECT, PN_JSON_ARRAY, PN_JSON_TRUE, PN_JSON_FALSE,
	PN_JSON_NULL,
	PN_JSON_DUPLICATE /* the member is named more than once */
};

/* a text that pn_json_parse accepted; it points into the caller's bytes */
struct pn_json {
	const char *p;
	size_t n;
	enum pn_json_type top; /* the type of the value */
};

/* pn_json_parse - j describes text[0..n) when it is exactly one JSON value;
 * false otherwise, with *why a short static reason (English, for -v and
 * for the message that quotes it) */
bool pn_json_parse(struct pn_json *j, const char *text, size_t n, const char **why) PN_WUR;

/* pn_json_member - the type of the top-level member name, and where its
 * value's text is (*v, *vn; not decoded) */
enum pn_json_type pn_json_member(const struct pn_json *j, const char *name, const char **v, size_t *vn);

/* pn_json_string - the member's decoded string appended to out; false when
 * it is missing, not a string, holds U+0000, or out's cap is reached */
bool pn_json_string(const struct pn_json *j, const char *name, struct pn_buf *out) PN_WUR;

/* pn_json_integer - the member as an integer: a number without fraction or
 * exponent, or a string of decimal digits (some token endpoints send
 * expires_in so), within [-2^53, 2^53]; false otherwise */
bool pn_json_integer(const struct pn_json *j, const char *name, long long *out) PN_WUR;

/* pn_json_array_has_integer - the member is an array holding the integer
 * number x (Microsoft's "error_codes":[700082]) */
bool pn_json_array_has_integer(const struct pn_json *j, const char *name, long long x);

/* pn_json_put_string - v as a JSON string, between double quotes,
 * appended to b: " and \ escaped, \n \r \t as such, every other
 * control character (C0, DEL, C1) and U+2028/U+2029 as \u00XX / \u2028,
 * valid UTF-8 as it is, and each byte that is not part of valid UTF-8 as
 * U+FFFD (the replacement character): the output is always valid UTF-8,
 * which a JSON reader requires; the text log line keeps the exact bytes.
 * False when b's cap was reached. */
bool pn_json_put_string(struct pn_buf *b, const char *v) PN_WUR;

#endif
