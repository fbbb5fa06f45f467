/* http.c - the HTTPS POST of http.h through libcurl, loaded on demand.
 *
 * libcurl is dlopen()ed on the first request ("libcurl-gnutls.so.4", the
 * flavour that shares GnuTLS with postern, then "libcurl.so.4") and kept
 * loaded; its header gives the types and constants only.  The form
 * encoder is pure and lives in loginflow.c (pn_form_add).
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

/* pn_http_reply_free - see http.h */
void pn_http_reply_free(struct pn_http_reply *r)
{
	pn_buf_free(&r->body);
}

#if HAVE_LIBCURL
#define CURL_DISABLE_DEPRECATION 1
#include <curl/curl.h>
#include <dlfcn.h>

/* the entry points used, found with dlsym */
static struct {
	void *lib;
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	const char *(*strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free)(struct curl_slist *);
} curl;

/* load - libcurl, once */
static bool load(void)
{
	static const char *const names[] = {"libcurl-gnutls.so.4", "libcurl.so.4"};
	/* set-group-ID: libcurl's OpenSSL flavour (and its GnuTLS one from
	 * 8.x) reads SSLKEYLOGFILE with plain getenv, which would let the
	 * caller have the session's keys written to a file of theirs with
	 * the postern group: it goes before libcurl can see it */
	if (!curl.lib && getauxval(AT_SECURE))
		unsetenv("SSLKEYLOGFILE");
	for (size_t i = 0; !curl.lib && i < PN_ARRAY_LEN(names); i++)
		curl.lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!curl.lib)
		return false;
	*(void **)&curl.init = dlsym(curl.lib, "curl_easy_init");
	*(void **)&curl.setopt = dlsym(curl.lib, "curl_easy_setopt");
	*(void **)&curl.perform = dlsym(curl.lib, "curl_easy_perform");
	*(void **)&curl.getinfo = dlsym(curl.lib, "curl_easy_getinfo");
	*(void **)&curl.cleanup = dlsym(curl.lib, "curl_easy_cleanup");
	*(void **)&curl.strerror = dlsym(curl.lib, "curl_easy_strerror");
	*(void **)&curl.slist_append = dlsym(curl.lib, "curl_slist_append");
	*(void **)&curl.slist_free = dlsym(curl.lib, "curl_slist_free_all");
	return curl.init && curl.setopt && curl.perform && curl.getinfo && curl.cleanup && curl.strerror
		&& curl.slist_append && curl.slist_free;
}

/* pn_http_loaded - see http.h */
bool pn_http_loaded(void)
{
	return curl.lib != NULL;
}

struct sink {
	struct pn_buf *body;
	bool over; /* the reply passed PN_HTTP_MAX_REPLY */
};

/* write_cb - libcurl's reply bytes into the capped secret buffer */
static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	if (!pn_buf_append(s->body, p, n)) {
		s->over = true;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	return n;
}

/* exit_for - the exit code of a failed transfer */
static int exit_for(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_SSL_CACERT_BADFILE:
		return 78;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
		return 69;
	default:
		return 75; /* unreachable, refused, reset, timed out: try again later */
	}
}

/* options - the request's settings; false when libcurl refuses one */
static bool options(CURL *h, const struct pn_http_params *p, const char *body, size_t n, struct curl_slist *hdr,
		    struct sink *s, char *ebuf)
{
	long t = p->timeout > 0 ? p->timeout : PN_HTTP_DEFAULT_TIMEOUT;
	bool ok = curl.setopt(h, CURLOPT_URL, p->url) == CURLE_OK;
	/* https only, and no redirect to anything else */
	if (curl.setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK)
		ok = ok && curl.setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_CAINFO, p->trust_file ? p->trust_file : SYSTEM_TRUST_FILE) == CURLE_OK;
	(void)curl.setopt(h, CURLOPT_CAPATH, (char *)NULL); /* the file alone */
	ok = ok && curl.setopt(h, CURLOPT_TIMEOUT, t) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_HTTPHEADER, hdr) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_POSTFIELDSIZE, (long)n) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_POSTFIELDS, body) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_WRITEFUNCTION, write_cb) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_WRITEDATA, s) == CURLE_OK;
	ok = ok && curl.setopt(h, CURLOPT_ERRORBUFFER, ebuf) == CURLE_OK;
	/* set-group-ID: the caller's environment does not choose our proxy
	 * (nor SSLKEYLOGFILE: see load) */
	if (getauxval(AT_SECURE))
		ok = ok && curl.setopt(h, CURLOPT_PROXY, "") == CURLE_OK;
	return ok;
}

/* shown - libcurl's error text, which may quote the server: printable
 * ASCII as it is, any other byte \xHH */
static const char *shown(const char *text)
{
	static char out[CURL_ERROR_SIZE * 4 + 1];
	size_t o = 0;
	for (const unsigned char *t = (const unsigned char *)text; *t && o + 5 < sizeof(out); t++) {
		if (*t >= 0x20 && *t < 0x7f)
			out[o++] = (char)*t;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", *t);
	}
	out[o] = '\0';
	return out;
}

/* transfer_failed - err for a transfer that got no reply */
static void transfer_failed(const struct pn_http_params *p, CURLcode rc, const struct sink *s, const char *ebuf,
			    struct pn_error *err)
{
	if (s->over)
		pn_error_set(err, 76, _("the reply of %s is larger than %d bytes"), p->url, PN_HTTP_MAX_REPLY);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		pn_error_set(err, 75, _("%s did not answer within %d seconds"), p->url,
			     p->timeout > 0 ? p->timeout : PN_HTTP_DEFAULT_TIMEOUT);
	else
		pn_error_set(err, exit_for(rc), _("cannot reach %s: %s"), p->url, shown(ebuf[0] ? ebuf : curl.strerror(rc)));
}

/* pn_http_post_form - see http.h */
bool pn_http_post_form(const struct pn_http_params *p, const char *body, size_t n, struct pn_http_reply *r,
		       struct pn_error *err)
{
	pn_buf_init_secret(&r->body, PN_HTTP_MAX_REPLY);
	r->status = 0;
	r->ctype[0] = '\0';
	if (strncmp(p->url, "https://", 8) != 0) {
		pn_error_set(err, 78, _("%s is no https:// URL"), p->url);
		return false;
	}
	if (!load()) {
		pn_error_set(err, 69, "%s", _("libcurl (libcurl-gnutls.so.4 or libcurl.so.4) cannot be loaded; "
					      "it is needed to obtain OAuth 2.0 tokens"));
		return false;
	}
	CURL *h = curl.init();
	struct curl_slist *hdr = curl.slist_append(NULL, "Accept: application/json");
	struct sink s = {&r->body, false};
	char ebuf[CURL_ERROR_SIZE] = "";
	bool ok = h && hdr && options(h, p, body, n, hdr, &s, ebuf);
	if (!ok) {
		pn_error_set(err, 70, "%s", _("libcurl refused the request's settings"));
	} else {
		CURLcode rc = curl.perform(h);
		ok = rc == CURLE_OK;
		if (!ok)
			transfer_failed(p, rc, &s, ebuf, err);
	}
	char *ct = NULL;
	if (ok) {
		(void)curl.getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
		if (curl.getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
			snprintf(r->ctype, sizeof(r->ctype), "%s", ct);
	}
	if (h)
		curl.cleanup(h);
	if (hdr)
		curl.slist_free(hdr);
	return ok;
}

#else

/* pn_http_loaded - see http.h */
bool pn_http_loaded(void)
{
	return false;
}

/* pn_http_post_form - see http.h */
bool pn_http_post_form(const struct pn_http_params *p, const char *body, size_t n, struct pn_http_reply *r,
		       struct pn_error *err)
{
	pn_buf_init_secret(&r->body, PN_HTTP_MAX_REPLY);
	r->status = 0;
	r->ctype[0] = '\0';
	pn_error_set(err, 69, "%s", _("this postern was built without libcurl: it cannot obtain OAuth 2.0 tokens"));
	return false;
}

#endif
