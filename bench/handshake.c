/*
 * bench/handshake.c - the floor of a submission, for bench/run.
 *
 * A deliberately minimal GnuTLS client that does only what any submission
 * client must do, with nothing around it (no configuration file, no header
 * parsing, no logging): it gives bench/run the "limit" column.
 *
 *   handshake [-t FILE|system] [-n NAME] HOST PORT
 *       TCP connect, EHLO, STARTTLS, a verified TLS handshake, QUIT: the
 *       floor of any STARTTLS send.
 *   handshake -s [-t FILE|system] [-n NAME] -u USER -p PASS -f FROM
 *             -r RCPT [-r RCPT...] HOST PORT <message
 *       The whole transaction: the above, then EHLO again, AUTH PLAIN, MAIL,
 *       every RCPT and DATA pipelined in one write, the message from stdin
 *       (LF made CRLF, dot-stuffed) in full TLS records, the final dot and
 *       QUIT in one write.
 *
 * The certificate is verified as strictly as a real client must (chain to
 * the trust file or the system store, dates, host name NAME, default
 * smtp.postern.test).  TCP_NODELAY and TCP_QUICKACK are set, since the
 * floor should not pay for Nagle and delayed ACKs, and X25519 is offered
 * first, as postern does.  Exit 0 on success, 1
 * with one line on stderr otherwise.  Not part of postern.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define MAX_RCPT 100000
#define REC_MAX 16384

static int fd = -1;
static gnutls_session_t tls;
static char inbuf[65536];
static size_t inlen, inpos;

/* die - one line on stderr, exit 1 */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("handshake: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* quickack - ask again for immediate ACKs (Linux resets it after use) */
static void quickack(void)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

/* send_all - write all of buf, through TLS once it is up */
static void send_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n;

		if (tls != NULL) {
			n = gnutls_record_send(tls, buf, len > REC_MAX ? REC_MAX : len);
			if (n < 0) {
				if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
					continue;
				die("TLS send: %s", gnutls_strerror((int)n));
			}
		} else {
			n = write(fd, buf, len);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				die("write: %s", strerror(errno));
			}
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* fill - read more reply bytes into inbuf; 0 at end of stream */
static size_t fill(void)
{
	ssize_t n;

	quickack();
	for (;;) {
		if (tls != NULL)
			n = gnutls_record_recv(tls, inbuf, sizeof inbuf);
		else
			n = read(fd, inbuf, sizeof inbuf);
		if (n >= 0)
			break;
		if (tls != NULL && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED))
			continue;
		if (tls == NULL && errno == EINTR)
			continue;
		die("read: %s", tls != NULL ? gnutls_strerror((int)n) : strerror(errno));
	}
	inlen = (size_t)n;
	inpos = 0;
	return inlen;
}

/* reply - read one whole (multi-line) reply, return its code; expect it */
static int reply(int want, const char *what)
{
	char line[1024];
	size_t ll = 0;
	int code;

	for (;;) {
		if (inpos == inlen && fill() == 0)
			die("connection closed while waiting for the reply to %s", what);
		char c = inbuf[inpos++];
		if (ll + 1 < sizeof line)
			line[ll++] = c;
		if (c != '\n')
			continue;
		line[ll] = '\0';
		if (ll < 4)
			die("short reply line to %s", what);
		if (line[3] == '-') {
			ll = 0;
			continue;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (want != 0 && code != want)
			die("%s: %.*s", what, (int)(ll > 2 ? ll - 2 : ll), line);
		return code;
	}
}

/* b64 - base64 of len bytes of in into out (which has room) */
static void b64(const unsigned char *in, size_t len, char *out)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = al[in[i] >> 2];
		*out++ = al[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = al[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = al[in[i + 2] & 63];
	}
	if (i < len) {
		*out++ = al[in[i] >> 2];
		if (i + 1 < len) {
			*out++ = al[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*out++ = al[(in[i + 1] & 15) << 2];
		} else {
			*out++ = al[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

/* tcp_connect - connect to host:port, set TCP_NODELAY */
static void tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int one = 1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		die("%s: %s", host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		die("cannot connect to %s:%s", host, port);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* start_tls - STARTTLS and a verified handshake */
static void start_tls(const char *trust, const char *name)
{
	gnutls_certificate_credentials_t cred;
	int rc;

	send_all("STARTTLS\r\n", 10);
	reply(220, "STARTTLS");
	if (inpos != inlen)
		die("bytes after the STARTTLS reply");
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		die("out of memory");
	if (strcmp(trust, "system") == 0)
		rc = gnutls_certificate_set_x509_system_trust(cred);
	else
		rc = gnutls_certificate_set_x509_trust_file(cred, trust, GNUTLS_X509_FMT_PEM);
	if (rc <= 0)
		die("no trust anchors from %s", trust);
	if (gnutls_init(&tls, GNUTLS_CLIENT) < 0)
		die("gnutls_init failed");
	/* GnuTLS's defaults, TLS 1.2 and 1.3 only, X25519 offered first */
	if (gnutls_priority_set_direct(tls, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
				       "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:"
				       "+GROUP-SECP384R1:+GROUP-SECP521R1", NULL) < 0)
		die("gnutls_priority_set_direct failed");
	gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_server_name_set(tls, GNUTLS_NAME_DNS, name, strlen(name));
	gnutls_session_set_verify_cert(tls, name, 0);
	gnutls_transport_set_int(tls, fd);
	do
		rc = gnutls_handshake(tls);
	while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
	if (rc < 0)
		die("TLS handshake: %s", gnutls_strerror(rc));
}

static char out[REC_MAX];
static size_t olen;

/* put - append to the record buffer, sending each full record */
static void put(const char *p, size_t len)
{
	while (len > 0) {
		size_t room = REC_MAX - olen, k = len < room ? len : room;

		memcpy(out + olen, p, k);
		olen += k;
		p += k;
		len -= k;
		if (olen == REC_MAX) {
			send_all(out, REC_MAX);
			olen = 0;
		}
	}
}

/* send_body - stdin as DATA: LF to CRLF, dot-stuffed, full records; the
 * text between line ends is copied in bulk (memchr, memcpy) */
static void send_body(void)
{
	static char in[1 << 17];
	int bol = 1, cr = 0;
	ssize_t n;

	while ((n = read(0, in, sizeof in)) != 0) {
		const char *p = in, *end;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("stdin: %s", strerror(errno));
		}
		end = in + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl != NULL ? nl : end;

			if (bol && *p == '.')
				put(".", 1);
			if (stop > p) {
				put(p, (size_t)(stop - p));
				cr = stop[-1] == '\r';
			}
			if (nl == NULL) {
				bol = 0;
				break;
			}
			if (cr)
				put("\n", 1);
			else
				put("\r\n", 2);
			cr = 0;
			bol = 1;
			p = nl + 1;
		}
	}
	if (!bol)
		put("\r\n", 2);
	send_all(out, olen);
	olen = 0;
}

int main(int argc, char **argv)
{
	const char *trust = "system", *name = "smtp.postern.test";
	const char *user = NULL, *pass = NULL, *from = NULL;
	static const char *rcpt[MAX_RCPT];
	int nrcpt = 0, full = 0, opt, i;
	char cmd[4096], ehlo[] = "EHLO bench.postern.test\r\n";

	while ((opt = getopt(argc, argv, "st:n:u:p:f:r:")) != -1) {
		switch (opt) {
		case 's': full = 1; break;
		case 't': trust = optarg; break;
		case 'n': name = optarg; break;
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		case 'f': from = optarg; break;
		case 'r':
			if (nrcpt == MAX_RCPT)
				die("too many recipients");
			rcpt[nrcpt++] = optarg;
			break;
		default: die("usage: see bench/handshake.c");
		}
	}
	if (argc - optind != 2 || (full && (user == NULL || pass == NULL || from == NULL || nrcpt == 0)))
		die("usage: see bench/handshake.c");
	if (gnutls_global_init() < 0)
		die("gnutls_global_init failed");
	tcp_connect(argv[optind], argv[optind + 1]);
	reply(220, "the greeting");
	send_all(ehlo, strlen(ehlo));
	reply(250, "EHLO");
	start_tls(trust, name);
	if (!full) {
		send_all("QUIT\r\n", 6);
		reply(221, "QUIT");
		gnutls_bye(tls, GNUTLS_SHUT_WR);
		return 0;
	}
	send_all(ehlo, strlen(ehlo));
	reply(250, "EHLO");

	size_t ul = strlen(user), pl = strlen(pass);
	unsigned char plain[1024];
	char enc[1400];
	if (ul + pl + 2 > sizeof plain)
		die("user or password too long");
	plain[0] = '\0';
	memcpy(plain + 1, user, ul);
	plain[ul + 1] = '\0';
	memcpy(plain + ul + 2, pass, pl);
	b64(plain, ul + pl + 2, enc);
	i = snprintf(cmd, sizeof cmd, "AUTH PLAIN %s\r\n", enc);
	send_all(cmd, (size_t)i);
	reply(235, "AUTH");

	/* MAIL, every RCPT and DATA in as few records as fit */
	size_t cap = 64 + strlen(from) + (size_t)nrcpt * 300, len;
	char *batch = malloc(cap);
	if (batch == NULL)
		die("out of memory");
	len = (size_t)snprintf(batch, cap, "MAIL FROM:<%s>\r\n", from);
	for (i = 0; i < nrcpt; i++)
		len += (size_t)snprintf(batch + len, cap - len, "RCPT TO:<%s>\r\n", rcpt[i]);
	len += (size_t)snprintf(batch + len, cap - len, "DATA\r\n");
	send_all(batch, len);
	free(batch);
	reply(250, "MAIL");
	for (i = 0; i < nrcpt; i++)
		reply(250, "RCPT");
	reply(354, "DATA");
	send_body();
	send_all(".\r\nQUIT\r\n", 9);
	reply(250, "the end of the data");
	reply(221, "QUIT");
	gnutls_bye(tls, GNUTLS_SHUT_WR);
	return 0;
}
