/* trust.c - the trust store as bytes; anchors decoded only when a chain
 * names them (see trust.h).  Certificates are compared by their raw Name
 * encodings, as GnuTLS itself compares issuers and subjects.
 */
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef SYSTEM_TRUST_FILE
#define SYSTEM_TRUST_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif
#define TRUST_MAX (64u << 20) /* a larger "trust file" is a mistake */
#define PREFIX 384            /* DER bytes decoded to find the names */

struct pn_trust {
	char *pem;
	size_t len;
	struct stat st;     /* the file as it was read: its identity */
	unsigned char *der; /* decoding buffer, reused */
	size_t der_cap;
};

/* read_all - the whole file, and its status; errno on failure */
static char *read_all(const char *path, size_t *len, struct stat *sp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO: refused below, not waited on */
	struct stat st;
	if (fd < 0)
		return NULL;
	int bad = fstat(fd, &st) < 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : (size_t)st.st_size > TRUST_MAX ? EFBIG : 0;
	if (bad) {
		close(fd);
		errno = bad;
		return NULL;
	}
	size_t n = 0, cap = (size_t)st.st_size + 1;
	char *p = pn_xmalloc(cap);
	for (;;) {
		ssize_t r = read(fd, p + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(p);
			close(fd);
			errno = e;
			return NULL;
		}
		n += (size_t)r;
		if (r == 0 || n == cap - 1)
			break;
	}
	close(fd);
	p[n] = '\0';
	*len = n;
	*sp = st;
	return p;
}

/* next_block - the base64 text of the next PEM certificate at or after
 * *pos: [*b, *e); false when there is none */
static bool next_block(const struct pn_trust *t, size_t *pos, const char **b, const char **e)
{
	static const char begin[] = "-----BEGIN ";
	const char *lim = t->pem + t->len;
	for (const char *p = t->pem + *pos; p < lim;) {
		const char *s = memmem(p, (size_t)(lim - p), begin, sizeof(begin) - 1);
		if (!s)
			return false;
		const char *eol = memchr(s, '\n', (size_t)(lim - s));
		if (!eol)
			return false;
		const char *label = s + sizeof(begin) - 1;
		size_t ll = (size_t)(eol - label);
		bool cert = (ll >= 16 && memcmp(label, "CERTIFICATE-----", 16) == 0) ||
			    (ll >= 21 && memcmp(label, "X509 CERTIFICATE-----", 21) == 0);
		/* base64 has no '-': the first one starts the END line */
		const char *f = memchr(eol, '-', (size_t)(lim - eol));
		if (!f)
			return false;
		p = f + 1;
		if (cert) {
			*b = eol + 1;
			*e = f;
			*pos = (size_t)(p - t->pem);
			return true;
		}
	}
	return false;
}

/* b64 - base64 text (line breaks and blanks skipped) into t->der, at
 * most about max bytes of it; its length, or 0 when the text is not base64.
 * Written here although GnuTLS has gnutls_base64_decode2 (nettle's decoder
 * underneath): measured in its place, a send through a 146-certificate
 * bundle took 14.65 M instructions instead of 9.37 M, nettle decoding one
 * character per call and GnuTLS copying and allocating twice for each of
 * the prefixes decoded below; that would undo what decoding lazily won. */
static size_t b64(struct pn_trust *t, const char *s, const char *e, size_t max)
{
	static signed char val[256];
	if (!val['B']) {
		memset(val, -1, sizeof(val));
		for (int i = 0; i < 64; i++)
			val[(unsigned char)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i]] =
				(signed char)i;
	}
	size_t need = (size_t)(e - s) / 4 * 3 + 3;
	if (need > t->der_cap) {
		t->der = pn_xrealloc(t->der, need);
		t->der_cap = need;
	}
	const unsigned char *u = (const unsigned char *)s, *ue = (const unsigned char *)e;
	unsigned char *o = t->der;
	unsigned acc = 0, bits = 0;
	while (u < ue && (size_t)(o - t->der) < max) {
		/* four characters at a time while no line break is among them */
		while (bits == 0 && ue - u >= 4 && (size_t)(o - t->der) < max) {
			int a = val[u[0]], b = val[u[1]], c = val[u[2]], d = val[u[3]];
			if ((a | b | c | d) < 0)
				break;
			unsigned v = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)d;
			o[0] = (unsigned char)(v >> 16);
			o[1] = (unsigned char)(v >> 8);
			o[2] = (unsigned char)v;
			o += 3;
			u += 4;
		}
		if (u >= ue || (size_t)(o - t->der) >= max)
			break;
		int v = val[*u];
		if (v < 0) {
			if (*u == '=')
				break;
			if (*u != '\n' && *u != '\r' && *u != ' ' && *u != '\t')
				return 0;
			u++;
			continue;
		}
		u++;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (unsigned char)(acc >> bits);
		}
		if (bits == 0)
			acc = 0;
	}
	return (size_t)(o - t->der);
}

/* header - the tag and length of the DER element at *p; *p moves to its
 * content, which may go on past end (a certificate decoded only in part) */
static bool header(const unsigned char **p, const unsigned char *end, unsigned *tag, size_t *len)
{
	const unsigned char *q = *p;
	if (end - q < 2 || (q[0] & 0x1f) == 0x1f)
		return false;
	*tag = q[0];
	*len = q[1];
	q += 2;
	if (*len & 0x80) {
		size_t k = *len & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - q) < k)
			return false;
		*len = 0;
		while (k--)
			*len = (*len << 8) | *q++;
	}
	*p = q;
	return true;
}

/* tlv - one DER element at *p (bounded by end): its tag, and its content
 * [*c, *c + *clen); *p moves past it.  false when it does not fit. */
static bool tlv(const unsigned char **p, const unsigned char *end, unsigned *tag, const unsigned char **c,
		size_t *clen)
{
	const unsigned char *q = *p;
	if (!header(&q, end, tag, clen) || (size_t)(end - q) < *clen)
		return false;
	*c = q;
	*p = q + *clen;
	return true;
}

bool pn_der_names(const unsigned char *der, size_t len, const unsigned char **issuer, size_t *ilen,
		  const unsigned char **subject, size_t *slen)
{
	const unsigned char *p = der, *c, *at, *end = der + len;
	size_t n;
	unsigned tag;
	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... } ... },
	 * both perhaps longer than the part decoded */
	if (!header(&p, end, &tag, &n) || tag != 0x30 || !header(&p, end, &tag, &n) || tag != 0x30)
		return false;
	if ((size_t)(end - p) > n)
		end = p + n;
	/* [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject */
	static const unsigned want[] = {0x02, 0x30, 0x30, 0x30, 0x30};
	for (size_t i = 0; i < PN_ARRAY_LEN(want); i++) {
		at = p;
		if (!tlv(&p, end, &tag, &c, &n))
			return false;
		if (i == 0 && tag == 0xa0) {
			at = p;
			if (!tlv(&p, end, &tag, &c, &n))
				return false;
		}
		if (tag != want[i])
			return false;
		if (i == 2) {
			*issuer = at;
			*ilen = (size_t)(p - at);
		}
	}
	*subject = at;
	*slen = (size_t)(p - at);
	return true;
}

struct pn_trust *pn_trust_read(const char *file, struct pn_error *err)
{
	bool sys = !file || !*file || strcmp(file, "system") == 0;
	const char *path = sys ? SYSTEM_TRUST_FILE : file;
	struct pn_trust *t = pn_xcalloc(1, sizeof(*t));
	t->pem = read_all(path, &t->len, &t->st);
	if (!t->pem) {
		int e = errno;
		free(t);
		if (!sys || e != ENOENT)
			pn_error_errno(err, EX_CONFIG, e, _("cannot load trust file %s"), path);
		return NULL;
	}
	size_t pos = 0;
	const char *b, *e;
	if (!next_block(t, &pos, &b, &e)) {
		pn_error_set(err, EX_CONFIG, _("cannot load trust file %s: %s"), path, _("no certificates found"));
		pn_trust_free(t);
		return NULL;
	}
	return t;
}

/* wanted - the Name equals the subject or issuer of a chain certificate */
static bool wanted(const unsigned char *name, size_t len, const unsigned char *const *chain, const size_t *clen,
		   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const unsigned char *is, *su;
		size_t il, sl;
		if (!pn_der_names(chain[i], clen[i], &is, &il, &su, &sl))
			continue;
		if ((il == len && memcmp(is, name, len) == 0) || (sl == len && memcmp(su, name, len) == 0))
			return true;
	}
	return false;
}

int pn_trust_each_anchor(struct pn_trust *t, const unsigned char *const *chain, const size_t *chain_len,
			 size_t n, int (*add)(void *ctx, const unsigned char *der, size_t len), void *ctx)
{
	size_t pos = 0;
	const char *b, *e;
	int found = 0;
	while (next_block(t, &pos, &b, &e)) {
		/* the names are near the start: decode the rest only for a match */
		size_t len = b64(t, b, e, PREFIX), all = (size_t)-1;
		const unsigned char *is, *su;
		size_t il, sl;
		bool named = len && pn_der_names(t->der, len, &is, &il, &su, &sl);
		if (!named && len == PREFIX) {
			len = b64(t, b, e, all);
			named = len && pn_der_names(t->der, len, &is, &il, &su, &sl);
			all = len;
		}
		if (!named || !wanted(su, sl, chain, chain_len, n))
			continue;
		if (all == (size_t)-1 && len == PREFIX)
			len = b64(t, b, e, all);
		if (!len) /* the names decoded but the rest is not base64 */
			continue;
		if (add(ctx, t->der, len) < 0)
			return -1;
		found++;
	}
	return found;
}

/* pn_trust_id - see trust.h.  Any write to the file changes its change
 * time (which no one can set back), a replacement its inode: no digest of
 * the bytes is needed, which for a 220 KB system bundle would cost more
 * than the resumption saves. */
bool pn_trust_id(const struct pn_trust *t, char *out)
{
	const struct stat *s = &t->st;
	int n = snprintf(out, PN_TRUST_ID_LEN, "file:%llx:%llx:%llx:%llx.%lx:%llx.%lx", (unsigned long long)s->st_dev,
			 (unsigned long long)s->st_ino, (unsigned long long)s->st_size,
			 (unsigned long long)s->st_mtim.tv_sec, (unsigned long)s->st_mtim.tv_nsec,
			 (unsigned long long)s->st_ctim.tv_sec, (unsigned long)s->st_ctim.tv_nsec);
	return n > 0 && n < PN_TRUST_ID_LEN;
}

/* pn_fingerprint_parse - see trust.h */
bool pn_fingerprint_parse(const char *s, unsigned char *out, size_t *len)
{
	size_t n = strlen(s), bytes = (n + 1) / 3;
	if (n + 1 != bytes * 3 || (bytes != 32 && bytes != 20 && bytes != 16))
		return false;
	for (size_t i = 0; i < bytes; i++) {
		const char *p = s + 3 * i;
		int hi = pn_hexval(p[0]), lo = pn_hexval(p[1]);
		if (hi < 0 || lo < 0 || (i + 1 < bytes && p[2] != ':' && p[2] != ' '))
			return false;
		if (out)
			out[i] = (unsigned char)(hi << 4 | lo);
	}
	if (len)
		*len = bytes;
	return true;
}

void pn_trust_free(struct pn_trust *t)
{
	if (!t)
		return;
	free(t->pem);
	free(t->der);
	free(t);
}
