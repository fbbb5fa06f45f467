/* scram.h - SCRAM (RFC 5802, RFC 7677) for sasl.c: the client's three
 * messages and the check of the server's signature.
 *
 * The messages are the raw text; sasl.c does the base64.  The gs2 header
 * is "p=TYPE,," for a -PLUS mechanism (channel binding data from the TLS
 * session), "y,," when the client could bind but the server does not
 * offer the -PLUS form of the mechanism, else "n,,".  The user name and the password are
 * SASLprep'd (saslprep.h); the user name's ',' and '=' become "=2C" and
 * "=3D".
 * SECURITY: the prepared password lives in struct pn_scram until the
 * client-final message is made; then only the expected server signature
 * is kept.  The salted password, the keys and the proof live on the stack
 * of one function and are wiped before it returns.
 */
#ifndef POSTERN_SCRAM_H
#define POSTERN_SCRAM_H

#include "sasl.h"

/* pn_scram_first - the client-first message in out (an empty secret
 * buffer); false with s->failure set */
bool pn_scram_first(struct pn_sasl *s, struct pn_buf *out) PN_WUR;
/* pn_scram_final - the client-final message answering the server-first
 * message sf (n bytes) in out; false with s->failure set */
bool pn_scram_final(struct pn_sasl *s, const char *sf, size_t n, struct pn_buf *out) PN_WUR;
/* pn_scram_verify - check the server-final message (n bytes); true and
 * s->verified when the server's signature is right; else s->failure */
bool pn_scram_verify(struct pn_sasl *s, const char *sf, size_t n) PN_WUR;
/* pn_scram_free - wipe and free the state */
void pn_scram_free(struct pn_scram *sc);

/* pn_sasl_base64 - the n bytes at p are of the base64 alphabet or "="
 * only: GnuTLS's decoder skips blanks and line breaks, as PEM wants, where
 * RFC 4954 4 ("MUST reject (and not ignore)") and RFC 5802's grammar
 * allow none */
bool pn_sasl_base64(const char *p, size_t n);

/* pn_sasl_note - the server's words (n bytes) into s->error, bounded,
 * with control characters as spaces and other bytes past ASCII as \xHH */
void pn_sasl_note(struct pn_sasl *s, const char *p, size_t n);

#endif
