/* rcset.h - the settings of an account: struct pn_account, the table of
 * rc commands that fills it (msmtp's commands, their older names,
 * postern's own), what each argument means, and the same table as the
 * command line (--name=VALUE), --help and -P see it.  rcfile.c reads the
 * files line by line and hands each command here.
 * SECURITY: the password command's value passes through here; it is wiped
 * when the account is freed.
 */
#ifndef POSTERN_RCSET_H
#define POSTERN_RCSET_H

#include "error.h"
#include "sasl.h"

#include <stdio.h>

enum pn_dot { PN_DOT_TTY, PN_DOT_ON, PN_DOT_OFF };
enum pn_local { PN_LOCAL_KEEP, PN_LOCAL_QUALIFY, PN_LOCAL_REPLACE };
enum pn_protocol { PN_PROTO_SMTP, PN_PROTO_LMTP };
enum pn_chunking { PN_CHUNKING_AUTO, PN_CHUNKING_ON, PN_CHUNKING_OFF };
enum pn_oauth2_provider { PN_OAUTH2_NONE, PN_OAUTH2_MICROSOFT, PN_OAUTH2_GOOGLE, PN_OAUTH2_GENERIC };
enum pn_oauth2_grant { PN_GRANT_REFRESH_TOKEN, PN_GRANT_CLIENT_CREDENTIALS };
enum pn_log_format { PN_LOG_TEXT, PN_LOG_JSON };

struct pn_account {
	char *name;
	char *host;
	int port; /* 0: 587, or 465 for implicit TLS, or 25 without TLS */
	char *from;
	char *from_full_name;  /* the name of an added From, unless -F */
	char *domain;
	int auth; /* enum pn_auth */
	char *user;
	char *password;
	char *passwordeval;
	int tls, tls_starttls, tls_certcheck;
	char *tls_trust_file; /* NULL or "system": the system store */
	char *tls_session_cache; /* file for TLS resumption, NULL: none */
	char *tls_fingerprint;   /* msmtp's colon-separated hex (SHA-256, SHA-1 or MD5) */
	char *tls_cert_file, *tls_key_file; /* client certificate (PEM), both or neither */
	char *tls_crl_file;      /* revocation list (PEM) */
	char *tls_priorities;    /* GnuTLS priority string, NULL: postern's */
	char *tls_host_override; /* the name verified and sent as SNI, NULL: host */
	int timeout;          /* seconds; 0: no timeout */
	char *logfile;
	int syslog;           /* syslog facility, -1: off */
	int log_format;       /* enum pn_log_format */
	char *aliases;
	int set_from_header;   /* PN_HDR_AUTO, PN_HDR_ON, PN_HDR_OFF */
	int set_date_header;   /* PN_HDR_AUTO or PN_HDR_OFF */
	int set_msgid_header;  /* PN_HDR_AUTO or PN_HDR_OFF */
	int remove_bcc_headers;
	int set_to_header;     /* PN_TO_OFF, PN_TO_ON, PN_TO_UNDISCLOSED (also
				* msmtp's older undisclosed_recipients) */
	int allow_from_override;
	int auto_from;
	char *maildomain;
	int local_senders;     /* PN_LOCAL_KEEP, PN_LOCAL_QUALIFY, PN_LOCAL_REPLACE */
	char *dsn_notify;      /* NULL: off */
	char *dsn_return;      /* NULL: off */
	char *logfile_time_format;
	int dot_ends_input;    /* PN_DOT_TTY, PN_DOT_ON, PN_DOT_OFF (without -i) */
	char *default_for;    /* callers (login names) whose default this is */
	int retry;            /* further attempts after a transient failure */
	int retry_delay;      /* seconds before the first retry */
	int retry_max_time;   /* seconds within which a retry may start */
	int retry_after_data; /* an explicit 4xx to the end of data is retried too */
	int bs_max_size;        /* -bs: octets of one message */
	int bs_max_recipients;  /* -bs: recipients of one message */
	int bs_idle_timeout;    /* -bs: seconds to wait for a command or data */
	int bs_session_timeout; /* -bs: seconds of one session */
	char *dead_letter;    /* Maildir for undeliverable messages */    /* callers (login names) whose default this is */
	char *source_ip;      /* local address to connect from, NULL: any */
	char *proxy_host;     /* SOCKS5 proxy, NULL: none */
	int proxy_port;       /* 0: 1080 */
	char *socket;         /* Unix-domain socket instead of host and port */
	int insecure_auth_without_tls; /* AUTH in clear to a host that is not local */
	int protocol;         /* PN_PROTO_SMTP, PN_PROTO_LMTP */
	int chunking;         /* enum pn_chunking: BDAT (RFC 3030) or DATA */
	/* OAuth 2.0 (oauth.h): where postern obtains the token itself */
	int oauth2_provider;  /* enum pn_oauth2_provider: presets of the URLs and scope */
	int oauth2_grant;     /* enum pn_oauth2_grant */
	char *oauth2_tenant, *oauth2_client_id;
	char *oauth2_client_secret, *oauth2_client_secret_eval;
	char *oauth2_scope, *oauth2_token_url, *oauth2_device_url, *oauth2_auth_url;
	char *oauth2_trust_file;  /* NULL: the system store */
	char *oauth2_token_store; /* a file, or "keyring" */
	unsigned long long set[2]; /* one bit per command given (for inheritance) */
	bool system;          /* defined in the system file */
	const char *refused_option; /* a command-line setting this system account must not take */
	char *file;           /* where it was defined, for messages */
	int line;
};

/* the -bs limits without an account to take them from */
#define PN_BS_MAX_SIZE 52428800
#define PN_BS_MAX_RECIPIENTS 1000
#define PN_BS_IDLE_TIMEOUT 300
#define PN_BS_SESSION_TIMEOUT 3600

/* where a value comes from: for messages, "~", and the password check */
struct pn_rcpos {
	const char *path;  /* the file */
	int line;          /* its line; 0: the command line (errors are 64) */
	bool system;       /* the system file: "~" is root's home */
	const char *tilde; /* "~" elsewhere */
	bool has_password; /* set when a password was given */
	bool strict;       /* --check-config: an obsolete command is an error */
	struct pn_error *err;
};

/* pn_rc_account_new - an account with every default and nothing set */
struct pn_account *pn_rc_account_new(const char *name, const char *file, int line);
/* pn_rc_account_free - free it, wiping its password */
void pn_rc_account_free(struct pn_account *a);
/* pn_rc_inherit - copy every setting that from was given */
void pn_rc_inherit(struct pn_account *to, const struct pn_account *from);
/* pn_rc_error - the error at pos (78 with file and line; 64 on the
 * command line); false */
PN_PRINTF(2, 3) bool pn_rc_error(struct pn_rcpos *pos, const char *fmt, ...);
/* pn_rc_set - the command name with arg on a: 1 set, 0 a bad value (the
 * error is set), -1 no such command.  With pos->strict, an obsolete
 * command (accepted, no effect) is an error too. */
int pn_rc_set(struct pn_rcpos *pos, struct pn_account *a, const char *name, const char *arg);

/* pn_account_where - "FILE:LINE" of the account, in buf, or "the command
 * line" for --host's, for its messages (made when needed: a send that
 * does not fail pays nothing for it) */
#define PN_WHERE_MAX 4200
const char *pn_account_where(const struct pn_account *a, char *buf, size_t size);
/* pn_account_port - the port, with the default filled in */
int pn_account_port(const struct pn_account *a);
/* pn_account_auth - the auth setting with "unset" resolved */
int pn_account_auth(const struct pn_account *a);
/* pn_account_oauth - postern obtains an OAuth 2.0 token for the account
 * (oauth2_client_id set, or an oauth2_provider other than none): its
 * secret is a token, not a password */
bool pn_account_oauth(const struct pn_account *a);
/* pn_account_local - the server is on this machine, as written: a socket,
 * or a host that pn_host_is_local() calls local (and, with a proxy_host,
 * a proxy that is local too): nothing sent to it leaves the machine */
bool pn_account_local(const struct pn_account *a);
/* pn_account_server - the server's name for messages and password
 * lookups: the host, else the socket (as msmtp names it) */
const char *pn_account_server(const struct pn_account *a);
/* pn_account_tls - the tls setting: as given (also by defaults or a parent
 * account), else on, except for a local server (off) */
int pn_account_tls(const struct pn_account *a);

/* The command line: every command is also an option (cli.h).
 * pn_rc_option - the command spelt name (n bytes, '-' for '_') -> an id,
 * -1 when it is none or no option (password: argv is visible to all) */
int pn_rc_option(const char *name, size_t n, bool *optional);
/* pn_rc_usage - the options pn_rc_option knows, one a line, for --help */
void pn_rc_usage(FILE *f);
/* pn_rc_override - the setting id with arg on a, "~" being tilde.  On a
 * system account, when postern runs set-group-ID, a setting that could
 * send its password elsewhere is not applied but recorded in
 * refused_option, for pn_account_check to refuse the account (77).  False
 * (64) on a bad value. */
bool pn_rc_override(struct pn_account *a, int id, const char *arg, const char *tilde, struct pn_error *err) PN_WUR;
/* pn_account_print - every setting, "name = value", secrets as "*" (-P) */
void pn_account_print(FILE *f, const struct pn_account *a);

#endif
