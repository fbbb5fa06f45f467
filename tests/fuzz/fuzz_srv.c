/* fuzz_srv.c - libFuzzer target for the DNS SRV answer parser (srv.c):
 * the bytes come from the network.  The parser must stay inside the
 * answer, and what it finds must be a terminated name and a port.
 */
#include "../../src/srv.h"
#include "invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: ASan sees any read past the answer */
	unsigned char *msg = malloc(size ? size : 1);
	if (!msg)
		return 0;
	memcpy(msg, data, size);
	static const size_t caps[] = {1, 2, 16, 256, 1025};
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char host[1025];
		int port = -1;
		int r = pn_srv_parse(msg, size, host, caps[i], &port);
		if (r < -1 || r > 1)
			fuzz_fail("result outside -1..1", (size_t)r);
		size_t hl = strnlen(host, caps[i]);
		if (hl >= caps[i])
			fuzz_fail("host not terminated within its size", hl);
		if (r == 0 && (port < 1 || port > 65535 || hl == 0))
			fuzz_fail("a record was found without host or port", (size_t)port);
	}
	free(msg);
	return 0;
}
