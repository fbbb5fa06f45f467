/* saslprep.h - SASLprep (RFC 4013), the stringprep profile (RFC 3454) that
 * SCRAM asks for user names and passwords (RFC 5802 2.2, 5.1).
 *
 * The "query" form: unassigned code points pass (RFC 3454 7), as RFC 5802
 * asks of a client.  Printable ASCII, what nearly every name and password
 * is, comes back as it is without any table being read.
 * SECURITY: passwords pass through; every intermediate copy is wiped.
 */
#ifndef POSTERN_SASLPREP_H
#define POSTERN_SASLPREP_H

#include "buf.h"

enum pn_saslprep {
	PN_SASLPREP_OK,
	PN_SASLPREP_UTF8,       /* not UTF-8 */
	PN_SASLPREP_PROHIBITED, /* a character of tables C.1.2 to C.9 */
	PN_SASLPREP_BIDI,       /* breaks the bidirectional rule (RFC 3454 6) */
	PN_SASLPREP_EMPTY       /* nothing is left (RFC 4013 2: an empty
				 * string is not valid input) -- only when
				 * the input was not empty */
};

/* pn_saslprep - the prepared form of n bytes at in, into out (empty on
 * entry; a pn_secret, wiped by pn_secret_wipe, even for a user name) */
enum pn_saslprep pn_saslprep(const char *in, size_t n, struct pn_secret *out) PN_WUR;

#endif
