/* tls_stub.c - a TLS layer that does nothing, for the SMTP engine tests.
 *
 * test_smtp links this object before libpostern.a, so the archive's tls.o
 * is never pulled in (check: nm tests/unit/test_smtp shows pn_tls_stub_fail
 * and no gnutls_handshake).  "TLS" is a no-op: pn_tls_start installs no
 * transport, and the dialogue continues in clear on the same socket.  That
 * lets a scripted server see every line smtp.c sends after STARTTLS, and
 * check that bytes sent behind "220 ready" are refused before any
 * handshake would start.
 *
 * Real TLS - the handshake, certificate and host name verification, SNI,
 * session resumption - is NOT covered here: the integration suite runs it
 * against a real server (tests/cases/35-trust.sh, 10-deliver.sh,
 * 90-secrets.sh).
 */
#include "tls.h"

#include <stdlib.h>
#include <sysexits.h>

/* set by test_smtp before each case: 0 succeed; 1 pn_tls_prepare fails
 * (as an unreadable trust file would, 78); 2 pn_tls_start fails (as a
 * certificate that does not verify would, 69) */
extern int pn_tls_stub_fail;
/* handshakes that "happened" since test_smtp last set it to 0 */
extern int pn_tls_stub_starts;

int pn_tls_stub_fail;
int pn_tls_stub_starts;
/* the channel binding the stub's session has: type NULL none (set by
 * test_smtp from a case's "binding:" line) */
extern struct pn_tls_cb pn_tls_stub_cb;
struct pn_tls_cb pn_tls_stub_cb;

struct pn_tls {
	bool started;
};

/* pn_tls_prepare - a handle; nothing is loaded */
struct pn_tls *pn_tls_prepare(const struct pn_tls_params *p, struct pn_error *err)
{
	if (pn_tls_stub_fail == 1) {
		pn_error_set(err, EX_CONFIG, "tls stub: cannot load the trust file");
		return NULL;
	}
	return pn_xcalloc(1, sizeof(struct pn_tls));
}

/* pn_tls_start - no handshake; the socket stays the transport */
bool pn_tls_start(struct pn_tls *t, struct pn_conn *c, struct pn_error *err)
{
	if (pn_tls_stub_fail == 2) {
		pn_error_set(err, EX_UNAVAILABLE, "%s: tls stub: the certificate does not verify", pn_conn_name(c));
		return false;
	}
	t->started = true;
	pn_tls_stub_starts++;
	return true;
}

/* pn_tls_describe - what -v prints after a handshake */
const char *pn_tls_describe(struct pn_tls *t)
{
	return t && t->started ? "stub (clear text)" : "none";
}

/* pn_tls_channel_binding - what the test set, once "TLS" is up */
bool pn_tls_channel_binding(struct pn_tls *t, struct pn_tls_cb *cb)
{
	if (!t || !t->started || !pn_tls_stub_cb.type)
		return false;
	*cb = pn_tls_stub_cb;
	return true;
}

/* pn_tls_cb_type - the type the test set, once "TLS" is up */
const char *pn_tls_cb_type(struct pn_tls *t)
{
	return t && t->started ? pn_tls_stub_cb.type : NULL;
}

/* pn_tls_free - the handle; the connection is not touched */
void pn_tls_free(struct pn_tls *t, struct pn_conn *c)
{
	free(t);
}
