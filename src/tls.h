/* tls.h - TLS under a pn_conn with GnuTLS: trust, verification, SNI.
 *
 * pn_tls_prepare reads the trust store (done right after connect, while the
 * server's greeting is still on its way; parsed only where the server's
 * chain needs it, trust.h); pn_tls_start runs the handshake,
 * verifies the chain and the host name, and installs itself as the
 * connection's transport.  A failed verification is EX_UNAVAILABLE (69) and
 * happens before any credential is sent.  With a fingerprint, that
 * fingerprint is the whole check.  A setting that cannot be used (a key
 * file others can read, an invalid priority string, a CRL or certificate
 * that does not load) is a configuration error (78) from pn_tls_prepare.
 */
#ifndef POSTERN_TLS_H
#define POSTERN_TLS_H

#include "net.h"

#include <stdio.h>

struct pn_tls_params {
	const char *hostname;   /* verified against the certificate, sent as SNI */
	const char *trust_file; /* NULL or "system": the system trust store */
	bool certcheck;         /* false: no verification at all (insecure) */
	const char *session_cache; /* tls_session_cache FILE, or NULL */
	int port;               /* with hostname, what a cached session is for */
	const char *fingerprint; /* tls_fingerprint: the only check, or NULL */
	const char *cert_file, *key_file; /* client certificate, or NULL */
	const char *crl_file;   /* revocation list added to the trust, or NULL */
	const char *priorities; /* GnuTLS priority string, NULL: postern's */
};

struct pn_tls;

struct pn_tls *pn_tls_prepare(const struct pn_tls_params *p, struct pn_error *err);
bool pn_tls_start(struct pn_tls *t, struct pn_conn *c, struct pn_error *err) PN_WUR;
/* pn_tls_describe - "TLS1.3 / AES-256-GCM" for -v, after a handshake */
const char *pn_tls_describe(struct pn_tls *t);
void pn_tls_free(struct pn_tls *t, struct pn_conn *c);

/* a TLS channel binding for SCRAM's -PLUS forms */
struct pn_tls_cb {
	const char *type; /* "tls-exporter" or "tls-unique" */
	unsigned char data[64];
	size_t len;
};
/* pn_tls_channel_binding - after a handshake: tls-exporter (RFC 9266) on
 * TLS 1.3, tls-unique (RFC 5929) on TLS 1.2 with the extended master
 * secret (RFC 7627); false for none (another version, or TLS 1.2 without
 * it, where tls-unique can be shared by two sessions) */
bool pn_tls_channel_binding(struct pn_tls *t, struct pn_tls_cb *cb);
/* pn_tls_cb_type - the type pn_tls_channel_binding would give, without
 * computing the data (an exporter costs a key derivation: only a -PLUS
 * method pays for it); NULL: none */
const char *pn_tls_cb_type(struct pn_tls *t);
/* pn_tls_print_info - for -S, after a handshake: the protocol version,
 * the cipher suite and the server's certificate chain (names, validity,
 * SHA-256 and SHA-1 fingerprints) on out */
void pn_tls_print_info(struct pn_tls *t, FILE *out);
/* pn_tls_peer - for --check-config --connect, after a handshake: the
 * protocol version, the server's own certificate's subject and when it
 * expires (-1: not known) */
struct pn_tls_peer {
	char version[32];
	char subject[512];
	long long expires;
};
void pn_tls_peer(struct pn_tls *t, struct pn_tls_peer *out);

#endif
