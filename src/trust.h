/* trust.h - a trust store read as bytes and parsed only where a chain needs it.
 *
 * Parsing all ~150 certificates of the system bundle costs more than a whole
 * send.  The file is read before the handshake; after it, only the anchors
 * whose subject is the subject or the issuer of a certificate the server
 * sent are decoded and handed to GnuTLS, which then verifies exactly as if
 * the whole file had been loaded: an anchor another certificate's name does
 * not match can never take part in a verification.
 */
#ifndef POSTERN_TRUST_H
#define POSTERN_TRUST_H

#include "error.h"

#include <stddef.h>

struct pn_trust;

/* pn_trust_read - the PEM file, or the system bundle for NULL/"system".
 * NULL with err set (78) when it cannot be read or holds no certificate;
 * NULL without err when the system bundle is not a file postern knows:
 * then GnuTLS's own system trust is loaded instead. */
struct pn_trust *pn_trust_read(const char *file, struct pn_error *err);
void pn_trust_free(struct pn_trust *t);

/* pn_trust_id - the identity of the store's file as it was read (device,
 * inode, size, modification and change times) into out (at least
 * PN_TRUST_ID_LEN): what a cached TLS session is bound to, so that a store
 * changed in any way, or replaced, no longer resumes it; false when it
 * does not fit */
#define PN_TRUST_ID_LEN 120
bool pn_trust_id(const struct pn_trust *t, char *out);

/* pn_trust_each_anchor - call add(ctx, der, len) for every certificate of
 * the store whose subject Name equals the subject or issuer Name of one of
 * the n DER certificates in chain; returns how many were passed, or -1
 * when add failed */
int pn_trust_each_anchor(struct pn_trust *t, const unsigned char *const *chain, const size_t *chain_len,
			 size_t n, int (*add)(void *ctx, const unsigned char *der, size_t len), void *ctx);

/* pn_der_names - the raw issuer and subject Name (tag and length included)
 * of a DER certificate; false when it is not one */
bool pn_der_names(const unsigned char *der, size_t len, const unsigned char **issuer, size_t *ilen,
		  const unsigned char **subject, size_t *slen);

/* pn_fingerprint_parse - msmtp's form of a certificate fingerprint: hex
 * byte pairs separated by ':' (or a blank), 32 bytes for SHA-256, 20 for
 * SHA-1 or 16 for MD5, told apart by length alone.  The bytes go to out
 * (at least PN_FPR_MAX, may be NULL) and their count to *len (may be
 * NULL); false when s is not such a fingerprint. */
#define PN_FPR_MAX 32
bool pn_fingerprint_parse(const char *s, unsigned char *out, size_t *len);

#endif
