/* tls.c - GnuTLS sessions for the smarthost connection.
 *
 * TLS 1.2 or newer only (RFC 8314 and RFC 8996).  The chain is verified
 * against the system trust or the account's tls_trust_file (decoding only
 * the anchors the chain names, trust.h), and the host name
 * against the certificate (RFC 6125) during the handshake, so a bad
 * certificate ends the handshake itself.  Records are written as the
 * connection's 64 KiB blocks arrive, which GnuTLS cuts into full 16 KiB
 * records rather than one record per line.
 * msmtp's settings: tls_fingerprint replaces the chain and name check by a
 * comparison with the server certificate's digest; tls_cert_file and
 * tls_key_file give GnuTLS a client certificate; tls_crl_file adds a
 * revocation list to the trust; tls_priorities replaces PRIORITIES; the
 * name checked (tls_host_override) is the caller's choice.  None of them
 * costs a send that does not use it anything.
 * SECURITY: the client certificate's private key passes through
 * read_pem (wiped once GnuTLS has it); no password passes through here.
 */
#include "tls.h"

#include "regfile.h"
#include "tlscache.h"
#include "trust.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* TLS 1.2 and 1.3 only; X25519 first, then the other groups in GnuTLS's
 * default order (+GROUP-ALL after X25519 gives the list that naming each
 * group would, and parses in 45 K instructions fewer) */
#define PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-GROUP-ALL:+GROUP-X25519:+GROUP-ALL"

struct pn_tls {
	gnutls_certificate_credentials_t cred;
	gnutls_session_t session;
	char *hostname;
	bool certcheck;
	struct pn_trust *trust; /* anchors decoded after the handshake (trust.h) */
	unsigned vstatus;       /* the verification's status, from verify() */
	char *cache;            /* tls_session_cache, or NULL */
	int port;
	char trust_id[PN_TRUST_ID_LEN]; /* what verify() trusts, for the cache */
	unsigned char *resume;  /* the cached session to offer */
	size_t resume_len;
	bool started;           /* a handshake completed */
	unsigned char fpr[PN_FPR_MAX]; /* tls_fingerprint: the only check */
	size_t fpr_len;         /* 0: none; 32, 20 or 16 bytes */
	bool fpr_bad;           /* the server's certificate did not match */
	char fpr_seen[2 * 32 * 3]; /* what it presented, for the message */
	gnutls_priority_t prio; /* tls_priorities, or NULL: PRIORITIES */
	bool no_cache;          /* a CRL is loaded: see open_cache */
	char desc[128];
	struct pn_transport transport;
};

/* tls_read - transport read through the session */
static ssize_t tls_read(void *ctx, void *buf, size_t n, int *want)
{
	struct pn_tls *t = ctx;
	ssize_t r = gnutls_record_recv(t->session, buf, n);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		*want = gnutls_record_get_direction(t->session) ? POLLOUT : POLLIN;
		return PN_IO_AGAIN;
	}
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return r < 0 ? -1 - (ssize_t)(-r) : r; /* keep the code, below -1 */
}

/* tls_write - transport write through the session */
static ssize_t tls_write(void *ctx, const void *buf, size_t n, int *want)
{
	struct pn_tls *t = ctx;
	ssize_t r = gnutls_record_send(t->session, buf, n);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		*want = gnutls_record_get_direction(t->session) ? POLLOUT : POLLIN;
		return PN_IO_AGAIN;
	}
	return r < 0 ? -1 - (ssize_t)(-r) : r;
}

/* tls_error - GnuTLS text for an encoded error */
static const char *tls_error(void *ctx, ssize_t rc)
{
	return PN_FOREIGN(gnutls_strerror((int)(rc + 1)));
}

/* load_trust - the trust file or system bundle as bytes, for verify();
 * GnuTLS's own system trust where the bundle is not a known file */
static bool load_trust(struct pn_tls *t, const char *file, struct pn_error *err)
{
	t->trust = pn_trust_read(file, err);
	if (t->trust || pn_error_isset(err))
		return t->trust != NULL;
	int r = gnutls_certificate_set_x509_system_trust(t->cred);
	if (r <= 0) {
		pn_error_set(err, EX_CONFIG, _("cannot load the system trust store: %s"),
			     r ? PN_FOREIGN(gnutls_strerror(r)) : _("no certificates found"));
		return false;
	}
	return true;
}

/* add_anchor - one certificate of the store as a trust anchor */
static int add_anchor(void *ctx, const unsigned char *der, size_t len)
{
	gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
	return gnutls_certificate_set_x509_trust_mem(ctx, &d, GNUTLS_X509_FMT_DER);
}

/* verify - during the handshake: the anchors the server's chain names,
 * then GnuTLS's verification of chain, host name and purpose, the same as
 * gnutls_session_set_verify_cert does with the whole store loaded */
static int verify(gnutls_session_t session)
{
	struct pn_tls *t = gnutls_session_get_ptr(session);
	unsigned n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
	t->vstatus = GNUTLS_CERT_INVALID;
	if (!peers || !n)
		return -1;
	if (n > 16)
		n = 16;
	const unsigned char *der[16];
	size_t len[16];
	for (unsigned i = 0; i < n; i++) {
		der[i] = peers[i].data;
		len[i] = peers[i].size;
	}
	if (pn_trust_each_anchor(t->trust, der, len, n, add_anchor, t->cred) < 0)
		return -1;
	gnutls_typed_vdata_st data[2] = {{GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)t->hostname, 0},
					 {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0}};
	if (gnutls_certificate_verify_peers(session, data, 2, &t->vstatus) < 0)
		t->vstatus = GNUTLS_CERT_INVALID;
	return t->vstatus ? -1 : 0;
}

/* fpr_algo - the digest a fingerprint of n bytes was made with */
static gnutls_digest_algorithm_t fpr_algo(size_t n)
{
	return n == 32 ? GNUTLS_DIG_SHA256 : n == 20 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_MD5;
}

/* fpr_hex - n bytes as msmtp writes a fingerprint, "AB:CD:..." */
static void fpr_hex(const unsigned char *b, size_t n, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o + 4 <= size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%02X", i ? ":" : "", b[i]);
}

/* fingerprint - the digest of a DER certificate in msmtp's form */
static bool fingerprint(const gnutls_datum_t *der, gnutls_digest_algorithm_t algo, char *out, size_t size)
{
	unsigned char d[PN_FPR_MAX];
	size_t n = sizeof(d);
	if (gnutls_fingerprint(algo, der, d, &n) < 0)
		return false;
	fpr_hex(d, n, out, size);
	return true;
}

/* verify_fpr - during the handshake, with tls_fingerprint: the server's
 * own certificate has that fingerprint, and nothing else is checked (as
 * in msmtp: the fingerprint stands for both trust and name) */
static int verify_fpr(gnutls_session_t session)
{
	struct pn_tls *t = gnutls_session_get_ptr(session);
	unsigned n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
	unsigned char d[PN_FPR_MAX];
	size_t len = sizeof(d);
	t->fpr_bad = true;
	snprintf(t->fpr_seen, sizeof(t->fpr_seen), "%s", _("no certificate"));
	if (!peers || !n)
		return -1;
	if (!fingerprint(&peers[0], GNUTLS_DIG_SHA256, t->fpr_seen, sizeof(t->fpr_seen)))
		return -1;
	if (gnutls_fingerprint(fpr_algo(t->fpr_len), &peers[0], d, &len) < 0 || len != t->fpr_len ||
	    memcmp(d, t->fpr, len) != 0)
		return -1;
	t->fpr_bad = false;
	return 0;
}

/* fpr_failure - the certificate is not the one tls_fingerprint names */
static void fpr_failure(struct pn_tls *t, struct pn_conn *c, struct pn_error *err)
{
	static const char *const names[] = {[16] = "MD5", [20] = "SHA-1", [32] = "SHA-256"};
	char want[2 * 32 * 3];
	fpr_hex(t->fpr, t->fpr_len, want, sizeof(want));
	bool fresh = !pn_error_isset(err);
	pn_error_set(err, EX_UNAVAILABLE,
		     _("%s: the server's TLS certificate does not match tls_fingerprint: expected %s %s, the server "
		       "presented SHA-256 %s"),
		     pn_conn_name(c), names[t->fpr_len], want, t->fpr_seen);
	if (fresh && strchr(t->fpr_seen, ':')) /* a fingerprint, not "no certificate" */
		pn_error_cause(err, PN_CAUSE_FINGERPRINT, t->fpr_seen);
}

/* cache_key - what this run verifies under: a cached session is offered
 * only when it was made under the same (tlscache.h) */
static struct pn_tlscache_key cache_key(const struct pn_tls *t)
{
	return (struct pn_tlscache_key){t->hostname, t->port, t->certcheck, t->certcheck ? t->trust_id : NULL};
}

/* open_cache - the session cached under this run's trust, if any.  The
 * trust file's bytes (read anyway) are hashed only here, when a cache is
 * configured; GnuTLS's own system trust is named as such. */
static void open_cache(struct pn_tls *t, const struct pn_tls_params *p)
{
	if (t->no_cache)
		return; /* a resumed session skips the revocation check */
	if (t->fpr_len) /* the fingerprint is the whole trust */
		fpr_hex(t->fpr, t->fpr_len, t->trust_id, sizeof(t->trust_id));
	else if (t->certcheck && t->trust && !pn_trust_id(t->trust, t->trust_id))
		return; /* no identity for the trust: no cache at all */
	else if (t->certcheck && !t->trust)
		snprintf(t->trust_id, sizeof(t->trust_id), "gnutls-system");
	t->cache = pn_xstrdup(p->session_cache);
	t->port = p->port;
	struct pn_tlscache_key k = cache_key(t);
	if (!pn_tlscache_load(t->cache, &k, &t->resume, &t->resume_len))
		t->resume = NULL;
}

/* read_pem - a PEM file named in the account, at most 1 MiB; a key file
 * (key true) that others may read is refused as a password file is.  The
 * caller frees d->data (a key: wiped first). */
static bool read_pem(const char *what, const char *path, bool key, gnutls_datum_t *d, struct pn_error *err)
{
	bool odd = false;
	int fd = pn_open_regular(path, O_RDONLY, 0, &odd);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > (1 << 20)) {
		int e = fd < 0 ? errno : EFBIG;
		if (odd)
			e = EINVAL;
		if (fd >= 0)
			close(fd);
		pn_error_errno(err, EX_CONFIG, e, _("%s: cannot read %s"), what, path);
		return false;
	}
	if (key && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		close(fd);
		pn_error_set(err, EX_CONFIG,
			     _("%s: %s holds a private key but other users have access to it; fix it with: chmod 600 %s"),
			     what, path, path);
		return false;
	}
	d->data = pn_xmalloc((size_t)st.st_size + 1);
	ssize_t n = 0, r = 1;
	while (n < st.st_size && (r = read(fd, d->data + n, (size_t)(st.st_size - n))) != 0)
		if (r > 0)
			n += r;
		else if (errno != EINTR)
			break;
	close(fd);
	d->size = (unsigned)n;
	return true;
}

/* load_client - tls_cert_file and tls_key_file: what GnuTLS presents when
 * the server asks for a certificate */
static bool load_client(struct pn_tls *t, const struct pn_tls_params *p, struct pn_error *err)
{
	gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0};
	bool ok = read_pem("tls_cert_file", p->cert_file, false, &cert, err) &&
		  read_pem("tls_key_file", p->key_file, true, &key, err);
	int r = ok ? gnutls_certificate_set_x509_key_mem(t->cred, &cert, &key, GNUTLS_X509_FMT_PEM) : 0;
	if (r < 0)
		pn_error_set(err, EX_CONFIG, _("cannot use the client certificate %s with the key %s: %s"),
			     p->cert_file, p->key_file, PN_FOREIGN(gnutls_strerror(r)));
	if (key.data)
		pn_wipe(key.data, key.size);
	free(key.data);
	free(cert.data);
	return ok && r >= 0;
}

/* load_options - tls_fingerprint, tls_crl_file and tls_priorities */
static bool load_options(struct pn_tls *t, const struct pn_tls_params *p, struct pn_error *err)
{
	const char *bad = NULL;
	int r = 0;
	if (p->certcheck && p->fingerprint && !pn_fingerprint_parse(p->fingerprint, t->fpr, &t->fpr_len)) {
		pn_error_set(err, EX_CONFIG, _("tls_fingerprint: invalid fingerprint '%s'"), p->fingerprint);
		return false;
	}
	if (p->certcheck && !t->fpr_len && p->crl_file) {
		r = gnutls_certificate_set_x509_crl_file(t->cred, p->crl_file, GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			pn_error_set(err, EX_CONFIG, _("tls_crl_file: cannot load %s: %s"), p->crl_file,
				     r ? PN_FOREIGN(gnutls_strerror(r)) : _("no revocation list found"));
			return false;
		}
		t->no_cache = true;
	}
	if (p->priorities && (r = gnutls_priority_init(&t->prio, p->priorities, &bad)) < 0) {
		t->prio = NULL;
		size_t pos = bad && bad >= p->priorities ? (size_t)(bad - p->priorities) : 0;
		pn_error_set(err, EX_CONFIG, _("tls_priorities: invalid priority string at position %zu ('%s'): %s"),
			     pos + 1, bad ? bad : "", PN_FOREIGN(gnutls_strerror(r)));
		return false;
	}
	return true;
}

/* pn_tls_prepare - credentials and trust, ready for a handshake */
struct pn_tls *pn_tls_prepare(const struct pn_tls_params *p, struct pn_error *err)
{
	struct pn_tls *t = pn_xcalloc(1, sizeof(*t));
	t->hostname = pn_xstrdup(p->hostname);
	t->certcheck = p->certcheck;
	if (gnutls_certificate_allocate_credentials(&t->cred) < 0) {
		pn_error_set(err, EX_OSERR, _("cannot initialize TLS"));
		free(t->hostname);
		free(t);
		return NULL;
	}
	bool ok = load_options(t, p, err);
	if (ok && p->certcheck && !t->fpr_len)
		ok = load_trust(t, p->trust_file, err);
	if (ok && p->cert_file && p->key_file)
		ok = load_client(t, p, err);
	if (!ok) {
		pn_tls_free(t, NULL);
		return NULL;
	}
	if (p->session_cache)
		open_cache(t, p);
	return t;
}

/* new_session - a client session bound to the connection's socket */
static bool new_session(struct pn_tls *t, struct pn_conn *c, struct pn_error *err)
{
	/* one key share, X25519's (PRIORITIES): a server without it costs a
	 * HelloRetryRequest, every other handshake a key generation less; no
	 * tickets asked for when there is no cache to keep them in */
	unsigned flags = GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_KEY_SHARE_TOP | (t->cache ? 0 : GNUTLS_NO_TICKETS);
	int r = gnutls_init(&t->session, flags);
	if (r >= 0)
		r = t->prio ? gnutls_priority_set(t->session, t->prio)
			    : gnutls_priority_set_direct(t->session, PRIORITIES, NULL);
	if (r >= 0)
		r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred);
	unsigned char ip[16];
	bool literal = inet_pton(AF_INET, t->hostname, ip) == 1 || inet_pton(AF_INET6, t->hostname, ip) == 1;
	if (r >= 0 && !literal && strchr(t->hostname, '.')) /* RFC 6066 3: no SNI for addresses */
		r = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, t->hostname,
					   strlen(t->hostname));
	if (r < 0) {
		pn_error_set(err, EX_SOFTWARE, _("cannot set up TLS: %s"), PN_FOREIGN(gnutls_strerror(r)));
		return false;
	}
	if (t->fpr_len) {
		gnutls_session_set_ptr(t->session, t);
		gnutls_session_set_verify_function(t->session, verify_fpr);
	} else if (t->certcheck && t->trust) {
		gnutls_session_set_ptr(t->session, t);
		gnutls_session_set_verify_function(t->session, verify);
	} else if (t->certcheck) {
		gnutls_session_set_verify_cert(t->session, t->hostname, 0);
	}
	if (t->resume) { /* a session GnuTLS will not resume is just a full handshake */
		(void)gnutls_session_set_data(t->session, t->resume, t->resume_len);
		pn_tlscache_free(t->resume, t->resume_len);
		t->resume = NULL;
	}
	gnutls_transport_set_int(t->session, pn_conn_fd(c));
	gnutls_handshake_set_timeout(t->session, 0);
	return true;
}

/* cert_cause - which check refused the certificate, the one that most
 * needs telling first (a wrong name matters even when it is expired) */
static enum pn_cause cert_cause(unsigned status)
{
	if (status & GNUTLS_CERT_REVOKED)
		return PN_CAUSE_CERT_REVOKED;
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		return PN_CAUSE_CERT_ISSUER;
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return PN_CAUSE_CERT_NAME;
	if (status & GNUTLS_CERT_EXPIRED)
		return PN_CAUSE_CERT_EXPIRED;
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return PN_CAUSE_CERT_NOT_YET;
	return PN_CAUSE_CERT_OTHER;
}

/* peer_fingerprint - the SHA-256 of the server's own certificate in
 * tls_fingerprint's form; "" when there is none */
static void peer_fingerprint(gnutls_session_t session, char *out, size_t size)
{
	unsigned n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
	out[0] = '\0';
	if (!peers || !n || !fingerprint(&peers[0], GNUTLS_DIG_SHA256, out, size))
		out[0] = '\0';
}

/* verify_failure - say exactly why the certificate was refused */
static void verify_failure(struct pn_tls *t, struct pn_conn *c, struct pn_error *err)
{
	bool fresh = !pn_error_isset(err);
	unsigned status = t->trust ? t->vstatus : gnutls_session_get_verify_cert_status(t->session);
	gnutls_datum_t out = {NULL, 0};
	gnutls_certificate_type_t type = gnutls_certificate_type_get(t->session);
	pn_locale(); /* GnuTLS words the status in the messages' language */
	if (gnutls_certificate_verification_status_print(status, type, &out, 0) < 0)
		out.data = NULL;
	pn_error_set(err, EX_UNAVAILABLE, _("%s: TLS certificate verification failed: %s"),
		     pn_conn_name(c), out.data ? (char *)out.data : _("unknown reason"));
	gnutls_free(out.data);
	char fpr[PN_FPR_MAX * 3];
	peer_fingerprint(t->session, fpr, sizeof(fpr));
	if (fresh)
		pn_error_cause(err, cert_cause(status), fpr);
}

/* handshake - drive the non-blocking handshake within the timeout */
static bool handshake(struct pn_tls *t, struct pn_conn *c, struct pn_error *err)
{
	pn_conn_reply_deadline(c); /* one timeout for the whole handshake */
	for (;;) {
		int r = gnutls_handshake(t->session);
		if (r == GNUTLS_E_SUCCESS)
			return true;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			int want = gnutls_record_get_direction(t->session) ? POLLOUT : POLLIN;
			if (!pn_conn_wait(c, want, err))
				return false;
			continue;
		}
		if (t->fpr_bad) {
			fpr_failure(t, c, err);
			return false;
		}
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR ||
		    (t->trust && r == GNUTLS_E_CERTIFICATE_ERROR && t->vstatus)) {
			verify_failure(t, c, err);
			return false;
		}
		if (gnutls_error_is_fatal(r)) {
			int code = (r == GNUTLS_E_PREMATURE_TERMINATION || r == GNUTLS_E_PUSH_ERROR ||
				    r == GNUTLS_E_PULL_ERROR) ? EX_TEMPFAIL : EX_UNAVAILABLE;
			bool not_tls = r == GNUTLS_E_UNEXPECTED_PACKET || r == GNUTLS_E_UNEXPECTED_PACKET_LENGTH ||
				       r == GNUTLS_E_RECORD_OVERFLOW;
			if (not_tls)
				code = EX_PROTOCOL; /* what came was not TLS: the server broke the protocol */
			bool fresh = !pn_error_isset(err);
			pn_error_set(err, code, _("%s: TLS handshake failed: %s"), pn_conn_name(c),
				     PN_FOREIGN(gnutls_strerror(r)));
			if (fresh && not_tls)
				pn_error_cause(err, PN_CAUSE_NOT_TLS, NULL);
			return false;
		}
	}
}

/* pn_tls_start - handshake and install TLS as the connection's transport */
bool pn_tls_start(struct pn_tls *t, struct pn_conn *c, struct pn_error *err)
{
	pn_conn_phase(c, N_("during the TLS handshake"));
	if (!new_session(t, c, err) || !handshake(t, c, err))
		return false;
	t->started = true;
	char *cipher = gnutls_session_get_desc(t->session);
	snprintf(t->desc, sizeof(t->desc), "%s%s", cipher ? cipher : "TLS",
		 gnutls_session_is_resumed(t->session) ? " (resumed)" : "");
	gnutls_free(cipher);
	t->transport = (struct pn_transport){tls_read, tls_write, tls_error, t};
	pn_conn_transport(c, &t->transport);
	return true;
}

const char *pn_tls_describe(struct pn_tls *t)
{
	return t->desc;
}

/* cb_kind - the session's binding: tls-unique is sound in TLS 1.2 only
 * with the extended master secret (RFC 7627: without it a third party can
 * make two sessions share their Finished messages); TLS 1.3 has no
 * tls-unique, and tls-exporter is its binding (RFC 9266).  NULL: none. */
static const char *cb_kind(struct pn_tls *t, gnutls_channel_binding_t *type)
{
	if (!t || !t->started)
		return NULL;
	gnutls_protocol_t v = gnutls_protocol_get_version(t->session);
	*type = GNUTLS_CB_TLS_EXPORTER;
	if (v == GNUTLS_TLS1_3)
		return "tls-exporter";
	*type = GNUTLS_CB_TLS_UNIQUE;
	return v == GNUTLS_TLS1_2 && gnutls_session_ext_master_secret_status(t->session) ? "tls-unique" : NULL;
}

/* pn_tls_cb_type - see tls.h */
const char *pn_tls_cb_type(struct pn_tls *t)
{
	gnutls_channel_binding_t type;
	return cb_kind(t, &type);
}

/* pn_tls_channel_binding - see tls.h */
bool pn_tls_channel_binding(struct pn_tls *t, struct pn_tls_cb *cb)
{
	gnutls_channel_binding_t type;
	cb->type = cb_kind(t, &type);
	gnutls_datum_t d = {NULL, 0};
	if (!cb->type || gnutls_session_channel_binding(t->session, type, &d) < 0)
		return false;
	bool fits = d.size && d.size <= sizeof(cb->data);
	if (fits)
		memcpy(cb->data, d.data, d.size);
	cb->len = fits ? d.size : 0;
	gnutls_free(d.data);
	return fits;
}

/* save_session - keep a resumable session for the next run: in TLS 1.3
 * only once the server sent a ticket, which came with its first replies */
static void save_session(struct pn_tls *t)
{
	bool tls13 = gnutls_protocol_get_version(t->session) == GNUTLS_TLS1_3;
	if (tls13 && !(gnutls_session_get_flags(t->session) & GNUTLS_SFLAGS_SESSION_TICKET))
		return;
	gnutls_datum_t d = {NULL, 0};
	struct pn_tlscache_key k = cache_key(t);
	if (gnutls_session_get_data2(t->session, &d) == 0 && d.size)
		pn_tlscache_save(t->cache, &k, d.data, d.size);
	if (d.data) {
		pn_wipe(d.data, d.size);
		gnutls_free(d.data);
	}
}

/* pn_tls_free - end the session (without waiting for the peer) and free */
void pn_tls_free(struct pn_tls *t, struct pn_conn *c)
{
	if (!t)
		return;
	if (t->session && t->started && t->cache)
		save_session(t);
	pn_tlscache_free(t->resume, t->resume_len);
	free(t->cache);
	if (t->session) {
		if (c)
			pn_conn_transport(c, NULL);
		gnutls_deinit(t->session);
	}
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	if (t->prio)
		gnutls_priority_deinit(t->prio);
	pn_trust_free(t->trust);
	free(t->hostname);
	free(t);
}

/* print_time - a certificate's date as the UTC time it stands for */
static void print_time(FILE *out, const char *label, time_t when)
{
	char buf[64] = "?";
	struct tm tm;
	if (when != (time_t)-1 && gmtime_r(&when, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(out, "    %-20s %s\n", label, buf);
}

/* print_cert - one certificate of the chain, for -S */
static void print_cert(FILE *out, unsigned i, const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t subject = {NULL, 0}, issuer = {NULL, 0};
	char sha256[2 * 32 * 3] = "?", sha1[2 * 20 * 3] = "?";
	fprintf(out, _("  certificate %u:\n"), i + 1);
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) == 0) {
		(void)gnutls_x509_crt_get_dn3(crt, &subject, 0);
		(void)gnutls_x509_crt_get_issuer_dn3(crt, &issuer, 0);
		fprintf(out, "    %-20s %s\n", _("subject:"), subject.data ? (char *)subject.data : "?");
		fprintf(out, "    %-20s %s\n", _("issuer:"), issuer.data ? (char *)issuer.data : "?");
		print_time(out, _("valid from:"), gnutls_x509_crt_get_activation_time(crt));
		print_time(out, _("valid until:"), gnutls_x509_crt_get_expiration_time(crt));
	}
	(void)fingerprint(der, GNUTLS_DIG_SHA256, sha256, sizeof(sha256));
	(void)fingerprint(der, GNUTLS_DIG_SHA1, sha1, sizeof(sha1));
	fprintf(out, "    %-20s %s\n", _("SHA-256 fingerprint:"), sha256);
	fprintf(out, "    %-20s %s\n", _("SHA-1 fingerprint:"), sha1);
	gnutls_free(subject.data);
	gnutls_free(issuer.data);
	gnutls_x509_crt_deinit(crt);
}

/* pn_tls_print_info - see tls.h */
void pn_tls_print_info(struct pn_tls *t, FILE *out)
{
	gnutls_session_t s = t->session;
	const char *version = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	const char *cipher = gnutls_cipher_get_name(gnutls_cipher_get(s));
	fprintf(out, _("TLS session:\n"));
	fprintf(out, "  %-22s %s\n", _("protocol version:"), version ? version : "?");
	fprintf(out, "  %-22s %s\n", _("cipher:"), cipher ? cipher : "?");
	fprintf(out, "  %-22s %s\n", _("session:"), t->desc);
	unsigned n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
	fprintf(out, _("TLS certificate chain (the server's own certificate first):\n"));
	for (unsigned i = 0; peers && i < n; i++)
		print_cert(out, i, &peers[i]);
}

/* pn_tls_peer - see tls.h */
void pn_tls_peer(struct pn_tls *t, struct pn_tls_peer *out)
{
	gnutls_session_t s = t->session;
	const char *version = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	snprintf(out->version, sizeof(out->version), "%s", version ? version : "?");
	snprintf(out->subject, sizeof(out->subject), "?");
	out->expires = -1;
	unsigned n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
	gnutls_x509_crt_t crt;
	if (!peers || !n || gnutls_x509_crt_init(&crt) < 0)
		return;
	gnutls_datum_t subject = {NULL, 0};
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0) {
		if (gnutls_x509_crt_get_dn3(crt, &subject, 0) == 0 && subject.data)
			snprintf(out->subject, sizeof(out->subject), "%s", (char *)subject.data);
		out->expires = gnutls_x509_crt_get_expiration_time(crt);
	}
	gnutls_free(subject.data);
	gnutls_x509_crt_deinit(crt);
}
