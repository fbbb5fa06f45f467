/* fuzz_redirect.c - libFuzzer target for the loopback redirect's request
 * line parser of --oauth2-login (loginflow.c, pn_redirect_parse).
 *
 * The input is one request line, given in a heap copy of exactly its size
 * (AddressSanitizer sees any read past it).  Whatever it holds: the
 * decoded values are NUL-free and within their caps; CODE has a code and
 * a state, ERROR an error; only a "GET /" or "GET /?..." target can be
 * CODE, ERROR or BAD.  Round trip: a CODE or ERROR result, its values
 * percent-encoded again (pn_query_add) into a fresh request line, parses to
 * the same kind and the same values.
 */
#include "../../src/loginflow.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* check_buf - a decoded value: terminated, no NUL inside, within its cap */
static void check_buf(const struct pn_buf *b, const char *what)
{
	if (!b->data) {
		if (b->len)
			fuzz_fail(what, b->len);
		return;
	}
	if (b->len > b->max || strlen(b->data) != b->len)
		fuzz_fail(what, b->len);
}

/* same - two buffers hold the same bytes */
static bool same(const struct pn_buf *a, const struct pn_buf *b)
{
	return a->len == b->len && (!a->len || memcmp(a->data, b->data, a->len) == 0);
}

/* field - "name=value" of b, encoded, when b holds something */
static void field(struct pn_buf *q, const char *name, const struct pn_buf *b)
{
	if (b->len && !pn_query_add(q, name, b->data))
		abort();
}

/* round_trip - the values encoded again parse to the same */
static void round_trip(const struct pn_redirect *r, enum pn_redirect_kind k)
{
	struct pn_buf q;
	pn_buf_init(&q, 16 * PN_REDIRECT_MAX);
	field(&q, "code", &r->code);
	if (k == PN_REDIRECT_CODE && !r->state.len && !pn_query_add(&q, "state", ""))
		abort();
	field(&q, "state", &r->state);
	field(&q, "error", &r->error);
	field(&q, "error_description", &r->description);
	struct pn_buf line;
	pn_buf_init(&line, 17 * PN_REDIRECT_MAX);
	if (!pn_buf_printf(&line, "GET /?%s HTTP/1.1", q.data ? q.data : ""))
		abort();
	struct pn_redirect again;
	pn_redirect_init(&again);
	enum pn_redirect_kind k2 = pn_redirect_parse(&again, line.data, line.len);
	if (k2 != k)
		fuzz_fail("the re-encoded redirect parses to another kind", (size_t)k2);
	if (!same(&again.code, &r->code) || !same(&again.state, &r->state) ||
	    !same(&again.error, &r->error) || !same(&again.description, &r->description))
		fuzz_fail("the re-encoded redirect parses to other values", 0);
	pn_redirect_free(&again);
	pn_buf_free(&line);
	pn_buf_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	if (!line)
		abort();
	memcpy(line, data, size);
	struct pn_redirect r;
	pn_redirect_init(&r);
	enum pn_redirect_kind k = pn_redirect_parse(&r, line, size);
	check_buf(&r.code, "the code is not a clean string within its cap");
	check_buf(&r.state, "the state is not a clean string within its cap");
	check_buf(&r.error, "the error is not a clean string within its cap");
	check_buf(&r.description, "the description is not a clean string within its cap");
	bool root =
	    size >= 5 && memcmp(line, "GET /", 5) == 0 && (size == 5 || line[5] == ' ' || line[5] == '?');
	if (k != PN_REDIRECT_OTHER && !root && !(size >= 4 && memcmp(line, "GET ", 4) == 0))
		fuzz_fail("a request that is no GET was taken for the redirect", 0);
	if ((k == PN_REDIRECT_CODE || k == PN_REDIRECT_ERROR) && !root)
		fuzz_fail("a path other than / was taken for the redirect", 0);
	if (k == PN_REDIRECT_CODE && (!r.code.len || r.error.len))
		fuzz_fail("CODE without a code, or with an error", 0);
	if (k == PN_REDIRECT_ERROR && !r.error.len)
		fuzz_fail("ERROR without an error", 0);
	if (k == PN_REDIRECT_CODE || k == PN_REDIRECT_ERROR)
		round_trip(&r, k);
	pn_redirect_free(&r);
	free(line);
	return 0;
}
