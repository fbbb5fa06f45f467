/* fuzz_socks.c - libFuzzer target for the reading of a SOCKS5 proxy's
 * answer to CONNECT (net.c, pn_socks_answer): the bytes come from the
 * network.  A success must name a whole answer of 8 bytes (a name of one
 * byte) to 262 (a name of 255), as RFC 1928 section 6 allows; nothing past
 * the 5 bytes given is read.  The seed empty-name is a name of length 0,
 * which the parser took for an answer of 7 bytes before.
 */
#include "../../src/net.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	unsigned char *r = malloc(5); /* exactly 5: ASan sees a read past them */
	if (!r)
		return 0;
	memcpy(r, data, 5);
	size_t len = 0;
	int code = pn_socks_answer(r, &len);
	if (code < -1 || code > 255)
		fuzz_fail("reply code out of range", (size_t)code);
	if (code == 0 && (len < 8 || len > 262))
		fuzz_fail("a success names an answer of impossible length", len);
	if (code >= 0 && r[0] != 5)
		fuzz_fail("an answer that is not version 5 was taken", r[0]);
	free(r);
	return 0;
}
