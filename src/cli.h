/* cli.h - the sendmail command line (and postern's long options) into a
 * request.  Reads no files.  Accepts every option the real callers pass;
 * the flags that mean nothing to a queueless client are accepted and ignored
 * (listed in postern(1)); an unknown option is a usage error (64).
 */
#ifndef POSTERN_CLI_H
#define POSTERN_CLI_H

#include "error.h"

enum pn_mode { PN_MODE_SEND, PN_MODE_VERIFY, PN_MODE_SERVE, PN_MODE_MAILQ, PN_MODE_NEWALIASES, PN_MODE_HELP, PN_MODE_VERSION };

struct pn_request {
	enum pn_mode mode;
	const char *config_file; /* -C, --file */
	const char *account;     /* -a, --account */
	const char *from;        /* -f, -r */
	const char *fullname;    /* -F */
	const char *logfile;     /* -X */
	const char *dsn_notify;  /* -N */
	const char *dsn_ret;     /* -R */
	const char *dsn_envid;   /* -V */
	const char *syslog_label; /* -L */
	const char *resend;      /* --resend FILE: a dead letter */
	bool read_recipients;    /* -t */
	bool read_envelope_from; /* --read-envelope-from: the From header's address is the sender */
	bool ignore_dots;        /* -i, -oi */
	int verbose;             /* -v, counted */
	char **rcpt;             /* argv recipient words (each an address list) */
	size_t nrcpt;
};

/* pn_dsn_valid - a DSN request value: 'N' NOTIFY (never, or a list of
 * success, failure, delay), 'R' RET (full or hdrs), 'V' ENVID (printable
 * ASCII, at most 100 characters); RFC 3461 4.1, 4.3, 4.4 */
bool pn_dsn_valid(char what, const char *v);

/* pn_cli_parse - argv into req; argv0's base name picks mailq/newaliases */
bool pn_cli_parse(int argc, char **argv, struct pn_request *req, struct pn_error *err) PN_WUR;
void pn_cli_usage(void);

#endif
