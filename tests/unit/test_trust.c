/* test_trust.c - the lazily parsed trust store: PEM scanning, base64, the
 * DER walk to the issuer and subject Names, and which anchors a chain gets.
 * The fixture certificates were made once with certtool (ECDSA, no expiry);
 * CA_C_LONG_NAMES has names long enough that its subject ends past the
 * part of a certificate decoded first.  GnuTLS's own PEM decoder and Name
 * accessors are the reference the results are checked against.
 */
#include "trust.h"
#include "tap.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static const char CA_A[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBozCCAUqgAwIBAgIUSKzZVg7m90s4BGWKT2uCpf0QkFMwCgYIKoZIzj0EAwIw\n"
	"LzEWMBQGA1UEChMNcG9zdGVybiB0ZXN0czEVMBMGA1UEAxMMRml4dHVyZSBDQSBh\n"
	"MCAXDTI2MTIwMjA2NDU0OVoYDzk5OTkxMjMxMjM1OTU5WjAvMRYwFAYDVQQKEw1w\n"
	"b3N0ZXJuIHRlc3RzMRUwEwYDVQQDEwxGaXh0dXJlIENBIGEwWTATBgcqhkjOPQIB\n"
	"BggqhkjOPQMBBwNCAASfgfP7clLGsU4WWruVoxO1f25khZrZaFEe0eXxSL/+c/Qb\n"
	"Xl2J8AwQyczWbaM6GywDWrWDFPBFuZd1TIPJ3TZwo0IwQDAPBgNVHRMBAf8EBTAD\n"
	"AQH/MA4GA1UdDwEB/wQEAwICBDAdBgNVHQ4EFgQUV21rLAXf20mxRLGbuEdHduAM\n"
	"K6gwCgYIKoZIzj0EAwIDRwAwRAIgb+X4z8r1dmFCACPhgws8qm34nFNfQcVPhUWI\n"
	"uGccCmkCIBvnfjENRk6CHTJ8BQsVpPQJSmPqR5qjUeWFLkz/hmet\n"
	"-----END CERTIFICATE-----\n";

static const char CA_B[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBozCCAUqgAwIBAgIUZotD+zAN3AeS/ZUYuhEnY7YRBDowCgYIKoZIzj0EAwIw\n"
	"LzEWMBQGA1UEChMNcG9zdGVybiB0ZXN0czEVMBMGA1UEAxMMRml4dHVyZSBDQSBi\n"
	"MCAXDTI2MTIwMjA2NDU0OVoYDzk5OTkxMjMxMjM1OTU5WjAvMRYwFAYDVQQKEw1w\n"
	"b3N0ZXJuIHRlc3RzMRUwEwYDVQQDEwxGaXh0dXJlIENBIGIwWTATBgcqhkjOPQIB\n"
	"BggqhkjOPQMBBwNCAASefK1AvMQtpBZsul663YxP9nSsVcjTQVKsDOQWvcY8iRGc\n"
	"BqKDsOVvKfmjnWICWOe4fK82ogA7x41UZyH/HKsxo0IwQDAPBgNVHRMBAf8EBTAD\n"
	"AQH/MA4GA1UdDwEB/wQEAwICBDAdBgNVHQ4EFgQUHfieK0fkdE7DZsIFrPWTf5OF\n"
	"sT8wCgYIKoZIzj0EAwIDRwAwRAIgE6XORHm4u51t7MJGoxi9NFgOksaVwf03SaXL\n"
	"VliAg64CIBaZnQt0M+WtRykkDHc5rIfRYXaEO7Lx3+ycaKOvl/GW\n"
	"-----END CERTIFICATE-----\n";

static const char CA_C_LONG_NAMES[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIEvTCCBGKgAwIBAgIUfMRx5ZoQLijNVlqHt+kkIilfoNwwCgYIKoZIzj0EAwIw\n"
	"ggG5MYHTMIHQBgNVBAoTgch5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eTGB4DCB3QYDVQQDE4HVRml4dHVyZSBD\n"
	"QSBjIHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHh4MCAXDTI2MTIwMjA2NDU1NFoYDzk5OTkxMjMxMjM1OTU5WjCC\n"
	"AbkxgdMwgdAGA1UEChOByHl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5\n"
	"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5MYHgMIHdBgNVBAMTgdVGaXh0dXJlIENB\n"
	"IGMgeHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
	"eHh4eHh4eHh4eHgwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARS4/mpFm5jbpeU\n"
	"WDzNQY/JqKZrviAWk6mJ3pR1Q7Rf29qAo77Y9jOnlCE7C3naxwfCAid6upnws+TW\n"
	"GHVJBiivo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwICBDAdBgNV\n"
	"HQ4EFgQUVxdKtbPO/jDXqPbHHEQZwnRhBScwCgYIKoZIzj0EAwIDSQAwRgIhAODU\n"
	"tI5McB3mBGGMD7Bg/iH8/0q/zOiqeAa3Jmbb4cS7AiEAsrgu/dMvfcPCy8pNv5uW\n"
	"NbJIczKh2RxX7j6kLv8ql/k=\n"
	"-----END CERTIFICATE-----\n";

static const char LEAF_OF_A[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB5DCCAYqgAwIBAgIUN5wTFlEjZKf8XxKMv5+4okgnjWwwCgYIKoZIzj0EAwIw\n"
	"LzEWMBQGA1UEChMNcG9zdGVybiB0ZXN0czEVMBMGA1UEAxMMRml4dHVyZSBDQSBh\n"
	"MCAXDTI2MTIwMjA2NDU0OVoYDzk5OTkxMjMxMjM1OTU5WjAcMRowGAYDVQQDExFs\n"
	"ZWFmLnBvc3Rlcm4udGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDKtAvL3\n"
	"vtCqiNyLcqZlPm2PmW2vSz5pMdOfduzzEu6yVRLeNk1mkRk8Re19C1eXhkBFanIo\n"
	"xoWQ+mlKzqZFPlOjgZQwgZEwDAYDVR0TAQH/BAIwADAcBgNVHREEFTATghFsZWFm\n"
	"LnBvc3Rlcm4udGVzdDATBgNVHSUEDDAKBggrBgEFBQcDATAOBgNVHQ8BAf8EBAMC\n"
	"B4AwHQYDVR0OBBYEFJu3mOyDihyMd+3lEt3EPuBuxahVMB8GA1UdIwQYMBaAFFdt\n"
	"aywF39tJsUSxm7hHR3bgDCuoMAoGCCqGSM49BAMCA0gAMEUCIFSZP5tA1+lXR1W4\n"
	"IUo2+2/JNYONUFJaCQ3gjm1lFl11AiEAgww0LaEzWzMjzDf2iMfD8e6ezZoFbifa\n"
	"Z7/BbX0+OWQ=\n"
	"-----END CERTIFICATE-----\n";

static char dir[] = "/tmp/postern-trust.XXXXXX";

/* der - a PEM certificate decoded by GnuTLS */
static gnutls_datum_t der(const char *pem)
{
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)strlen(pem)}, out = {NULL, 0};
	if (gnutls_pem_base64_decode2("CERTIFICATE", &in, &out) < 0)
		abort();
	return out;
}

/* file - write text to dir/name; its path (static) */
static const char *file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

/* names - pn_der_names agrees with GnuTLS's raw issuer and subject */
static void names(const char *label, const char *pem)
{
	gnutls_datum_t d = der(pem), ri, rs;
	gnutls_x509_crt_t crt;
	gnutls_x509_crt_init(&crt);
	gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER);
	gnutls_x509_crt_get_raw_issuer_dn(crt, &ri);
	gnutls_x509_crt_get_raw_dn(crt, &rs);
	const unsigned char *is = NULL, *su = NULL;
	size_t il = 0, sl = 0;
	tap_ok(pn_der_names(d.data, d.size, &is, &il, &su, &sl), "%s: names found", label);
	tap_ok(il == ri.size && is && memcmp(is, ri.data, il) == 0, "%s: issuer as GnuTLS has it", label);
	tap_ok(sl == rs.size && su && memcmp(su, rs.data, sl) == 0, "%s: subject as GnuTLS has it", label);
	/* every prefix: no read past it, and names only when they lie inside */
	bool inside = true;
	for (size_t k = 0; k < d.size; k++) {
		unsigned char *cut = malloc(k ? k : 1);
		memcpy(cut, d.data, k);
		if (pn_der_names(cut, k, &is, &il, &su, &sl) && (su + sl > cut + k || is + il > cut + k))
			inside = false;
		free(cut);
	}
	tap_ok(inside, "%s: a cut certificate never yields names past the cut", label);
	gnutls_free(ri.data);
	gnutls_free(rs.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_free(d.data);
}

struct seen {
	gnutls_datum_t got[8];
	size_t n;
	int fail_at; /* add fails on this call (1-based), 0: never */
};

static int collect(void *ctx, const unsigned char *p, size_t len)
{
	struct seen *s = ctx;
	if ((int)s->n + 1 == s->fail_at)
		return -1;
	if (s->n < 8) {
		s->got[s->n].data = malloc(len);
		memcpy(s->got[s->n].data, p, len);
		s->got[s->n].size = (unsigned)len;
	}
	s->n++;
	return 1;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n && i < 8; i++)
		free(s->got[i].data);
}

/* same - the anchor passed is exactly this certificate */
static bool same(const gnutls_datum_t *got, const char *pem)
{
	gnutls_datum_t d = der(pem);
	bool r = got->size == d.size && memcmp(got->data, d.data, d.size) == 0;
	gnutls_free(d.data);
	return r;
}

/* anchors - which anchors of the bundle a chain of PEMs gets */
static int anchors(struct pn_trust *t, const char *const *chain, size_t n, struct seen *s)
{
	const unsigned char *p[4];
	size_t len[4];
	gnutls_datum_t d[4];
	for (size_t i = 0; i < n; i++) {
		d[i] = der(chain[i]);
		p[i] = d[i].data;
		len[i] = d[i].size;
	}
	int r = pn_trust_each_anchor(t, p, len, n, collect, s);
	for (size_t i = 0; i < n; i++)
		gnutls_free(d[i].data);
	return r;
}

static void lookups(void)
{
	char *text = malloc(16384);
	snprintf(text, 16384,
		 "junk before\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
		 "%s-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n%s\r\n%s",
		 CA_B, CA_A, CA_C_LONG_NAMES);
	struct pn_error err;
	pn_error_init(&err);
	struct pn_trust *t = pn_trust_read(file("bundle.pem", text), &err);
	free(text);
	tap_ok(t != NULL, "a bundle with a key block and a broken block loads");

	struct seen s = {.n = 0};
	tap_is_int(anchors(t, (const char *[]){LEAF_OF_A}, 1, &s), 1, "a leaf gets one anchor");
	tap_ok(s.n == 1 && same(&s.got[0], CA_A), "... its issuer, byte for byte");
	seen_free(&s);

	s = (struct seen){.n = 0};
	tap_is_int(anchors(t, (const char *[]){CA_C_LONG_NAMES}, 1, &s), 1,
		   "a certificate whose names end past the first decoded part is found");
	tap_ok(s.n == 1 && same(&s.got[0], CA_C_LONG_NAMES), "... and passed whole");
	seen_free(&s);

	s = (struct seen){.n = 0};
	tap_is_int(anchors(t, (const char *[]){LEAF_OF_A, CA_B}, 2, &s), 2, "a two-certificate chain: two anchors");
	tap_ok(s.n == 2 && same(&s.got[0], CA_B) && same(&s.got[1], CA_A), "... in the bundle's order");
	seen_free(&s);

	s = (struct seen){.fail_at = 1};
	tap_is_int(anchors(t, (const char *[]){LEAF_OF_A}, 1, &s), -1, "a failing add is reported");
	seen_free(&s);
	pn_trust_free(t);

	t = pn_trust_read(file("only-b.pem", CA_B), &err);
	s = (struct seen){.n = 0};
	tap_is_int(anchors(t, (const char *[]){LEAF_OF_A}, 1, &s), 0, "a bundle without the issuer gives none");
	seen_free(&s);
	pn_trust_free(t);
}

/* ids - the trust identity a TLS session is bound to: the file as it
 * was read (device, inode, size, times), changed by any write to it; a
 * copy elsewhere is another store */
static void ids(void)
{
	struct pn_error err;
	pn_error_init(&err);
	char a[PN_TRUST_ID_LEN], a2[PN_TRUST_ID_LEN], c[PN_TRUST_ID_LEN], ab[PN_TRUST_ID_LEN];
	const char *path = file("id-a.pem", CA_A);
	struct pn_trust *t = pn_trust_read(path, &err);
	tap_ok(t && pn_trust_id(t, a) && strncmp(a, "file:", 5) == 0, "a trust file has an identity");
	pn_trust_free(t);
	t = pn_trust_read(path, &err);
	tap_ok(t && pn_trust_id(t, a2) && strcmp(a, a2) == 0, "the same file read again: the same identity");
	pn_trust_free(t);
	t = pn_trust_read(file("id-a-copy.pem", CA_A), &err);
	tap_ok(t && pn_trust_id(t, c) && strcmp(a, c) != 0, "a copy in another file: another identity");
	pn_trust_free(t);
	char *both = pn_xasprintf("%s%s", CA_A, CA_B);
	t = pn_trust_read(file("id-a.pem", both), &err); /* the same path, written again */
	free(both);
	tap_ok(t && pn_trust_id(t, ab) && strcmp(a, ab) != 0, "the file written again: another identity");
	pn_trust_free(t);
}

/* broken - a block whose names decode but whose end is not base64 is
 * never passed as an anchor (a certificate cut short or garbled) */
static void broken(void)
{
	char *bad = pn_xstrdup(CA_A);
	bad[strlen(bad) - strlen("hmet\n-----END CERTIFICATE-----\n")] = '*';
	struct pn_error err;
	pn_error_init(&err);
	struct pn_trust *t = pn_trust_read(file("broken-end.pem", bad), &err);
	struct seen s = {.n = 0};
	tap_is_int(anchors(t, (const char *[]){LEAF_OF_A}, 1, &s), 0,
		   "a CA whose names decode but whose end is garbled is not an anchor");
	seen_free(&s);
	pn_trust_free(t);
	char *twice = pn_xasprintf("%s%s", bad, CA_A);
	t = pn_trust_read(file("broken-then-good.pem", twice), &err);
	s = (struct seen){.n = 0};
	tap_is_int(anchors(t, (const char *[]){LEAF_OF_A}, 1, &s), 1, "... a good copy after it still is");
	tap_ok(s.n == 1 && same(&s.got[0], CA_A), "... byte for byte");
	seen_free(&s);
	pn_trust_free(t);
	free(twice);
	free(bad);
}

static void errors(void)
{
	struct {
		const char *label, *name, *text, *says;
	} cases[] = {
		{"an empty file", "empty.pem", "", "no certificates"},
		{"a file with only a key", "key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		 "no certificates"},
		{"a BEGIN without an END", "open.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n", "no certificates"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_error err;
		pn_error_init(&err);
		const char *path = file(cases[i].name, cases[i].text);
		struct pn_trust *t = pn_trust_read(path, &err);
		tap_ok(!t && err.code == EX_CONFIG, "%s: refused with EX_CONFIG", cases[i].label);
		tap_ok(strstr(err.msg, path) && strstr(err.msg, cases[i].says), "%s: the message names the file", cases[i].label);
	}
	struct pn_error err;
	pn_error_init(&err);
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/missing.pem", dir);
	tap_ok(!pn_trust_read(missing, &err) && err.code == EX_CONFIG && strstr(err.msg, missing),
	       "a missing trust file: EX_CONFIG naming it");
	pn_error_init(&err);
	tap_ok(!pn_trust_read(dir, &err) && err.code == EX_CONFIG, "a directory as trust file: EX_CONFIG");
}

/* fingerprints - msmtp's forms, told apart by length; the bytes of the
 * SHA-256 form are checked against GnuTLS's digest of the fixture CA */
static void fingerprints(void)
{
	gnutls_datum_t pem = {(unsigned char *)CA_A, sizeof(CA_A) - 1}, der = {NULL, 0};
	unsigned char want[32], got[PN_FPR_MAX];
	size_t wn = sizeof(want), n = 0;
	bool dig = gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der) == 0 &&
		   gnutls_fingerprint(GNUTLS_DIG_SHA256, &der, want, &wn) == 0;
	char hex[100] = "";
	size_t o = 0;
	for (size_t i = 0; dig && i < wn; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s%02x", i ? ":" : "", want[i]);
	tap_ok(dig && pn_fingerprint_parse(hex, got, &n) && n == 32 && memcmp(got, want, 32) == 0,
	       "SHA-256 fingerprint: the digest's 32 bytes (%s)", hex);
	gnutls_free(der.data);
	static const struct { const char *s; size_t len; } cases[] = {
		{"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33", 20},
		{"00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff", 16},
		{"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22", 0},
		{"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:", 0},
		{"0011:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00", 0},
		{"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:F", 0},
		{"", 0},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++) {
		n = 0;
		bool ok = pn_fingerprint_parse(cases[i].s, got, &n);
		tap_ok(ok == (cases[i].len != 0) && n == cases[i].len && (!ok || (got[0] == 0 && got[1] == 0x11)),
		       "fingerprint '%s': %zu bytes", cases[i].s, cases[i].len);
	}
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	names("CA a", CA_A);
	names("leaf", LEAF_OF_A);
	names("long names", CA_C_LONG_NAMES);
	lookups();
	ids();
	broken();
	errors();
	fingerprints();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 99;
	return tap_done();
}
