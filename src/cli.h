/* cli.h - the sendmail command line (and postern's long options) into a
 * request.  Reads no files.  Accepts every option the real callers pass;
 * the flags that mean nothing to a queueless client are accepted and ignored
 * (listed in postern(1)); an unknown option is a usage error (64).
 */
#ifndef POSTERN_CLI_H
#define POSTERN_CLI_H

#include "error.h"

enum pn_mode { PN_MODE_SEND, PN_MODE_VERIFY, PN_MODE_SERVE, PN_MODE_MAILQ, PN_MODE_NEWALIASES, PN_MODE_HELP, PN_MODE_VERSION,
	       PN_MODE_PRETEND, PN_MODE_CONFIGURE, PN_MODE_SERVERINFO, PN_MODE_RMQS,
	       PN_MODE_OAUTH2_LOGIN, PN_MODE_CHECK_CONFIG, PN_MODE_LIST_ACCOUNTS, PN_MODE_IMPORT };

/* a configuration command given as a long option ("--tls-trust-file=F"):
 * id names it in the rc table, value is its argument ("" when left out) */
struct pn_override {
	int id;
	const char *value;
};
#define PN_MAX_OVERRIDES 64

/* pn_option_find - the rc table as the command line sees it: the command
 * spelt name (n bytes, '-' for '_') -> its id, or -1 when there is none;
 * *optional: its argument may be left out (on/off and the like).  cli.c
 * sits below the rc file parser, so main.c hands it this function. */
typedef int (*pn_option_find)(const char *name, size_t n, bool *optional);

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
	const char *configure;   /* --configure ADDRESS */
	const char *rmqs;        /* --rmqs HOST|@DOMAIN|#QUEUE: ETRN (PN_MODE_RMQS) */
	const char *import;      /* --import postfix|ssmtp (PN_MODE_IMPORT); rcpt[0]: its DIR or FILE */
	bool read_recipients;    /* -t */
	bool read_envelope_from; /* --read-envelope-from: the From header's address is the sender */
	bool ignore_dots;        /* -i, -oi */
	int verbose;             /* -v, -d, counted */
	bool config_less;        /* --host: no configuration file is read */
	bool connect;            /* --connect (with --check-config): ask each account's server */
	int host_id;             /* the rc id of "host" */
	struct pn_override ov[PN_MAX_OVERRIDES]; /* in command-line order */
	size_t nov;
	char **rcpt;             /* argv recipient words (each an address list) */
	size_t nrcpt;
};

/* pn_dsn_valid - a DSN request value: 'N' NOTIFY (never, or a list of
 * success, failure, delay), 'R' RET (full or hdrs), 'V' ENVID (printable
 * ASCII, at most 100 characters); RFC 3461 4.1, 4.3, 4.4 */
bool pn_dsn_valid(char what, const char *v);

/* pn_cli_parse - argv into req; argv0's base name picks mailq/newaliases;
 * find: the rc table (NULL: no configuration command is an option) */
bool pn_cli_parse(int argc, char **argv, pn_option_find find, struct pn_request *req, struct pn_error *err) PN_WUR;
/* pn_cli_usage - the options of the command line itself; the rc file's
 * commands are listed after them by the caller */
void pn_cli_usage(void);

#endif
