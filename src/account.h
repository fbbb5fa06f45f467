/* account.h - choosing the account and turning it into delivery settings.
 *
 * The account is the one named with -a; else the first whose "from"
 * matches the envelope sender (a shell wildcard pattern, and user+detail
 * matches user); else "default".  The caller's identity comes from
 * getuid()/getpwuid(), never from HOME, USER or LOGNAME.
 */
#ifndef POSTERN_ACCOUNT_H
#define POSTERN_ACCOUNT_H

#include "rcfile.h"
#include "smtp.h"

struct pn_identity {
	char *login;    /* the caller's user name */
	char *home;     /* the caller's home directory */
	char *hostname; /* this machine's name, fully qualified when known */
	char *shortname; /* gethostname() as it is */
	char *mailname; /* /etc/mailname, "" when there is none */
};

bool pn_identity_get(struct pn_identity *id, struct pn_error *err) PN_WUR;
void pn_identity_free(struct pn_identity *id);

/* pn_account_choose - -a NAME; else the first account whose from matches
 * the sender; else the one whose default_for names the caller; else
 * "default" */
struct pn_account *pn_account_choose(const struct pn_config *cfg, const char *name, const char *from,
				     const char *login, struct pn_error *err);

/* pn_account_from_covers - --check-config: every sender the from pattern
 * later matches is matched by earlier too (as far as a few addresses made
 * from later can tell), so that an account with later, after one with
 * earlier, is never chosen by the sender */
bool pn_account_from_covers(const char *earlier, const char *later);

/* pn_account_check - settings that cannot work are config errors (78);
 * auth without TLS is one, unless pn_account_clear_auth() */
bool pn_account_check(const struct pn_account *a, struct pn_error *err) PN_WUR;

/* pn_account_clear_auth - AUTH may go without TLS: the server is local
 * (pn_account_local), or insecure_auth_without_tls is on */
bool pn_account_clear_auth(const struct pn_account *a);

/* pn_account_insecure - credentials would go in clear to a server that is
 * not local (allowed only by insecure_auth_without_tls): warn at each use */
bool pn_account_insecure(const struct pn_account *a);

/* pn_account_from - the envelope sender: -f/-r (unless allow_from_override
 * is off; local senders as local_senders says), else auto_from's
 * login@maildomain, else the account's from with %U %H %C %M substituted,
 * else login@hostname.  Free the result. */
char *pn_account_from(const struct pn_account *a, const char *cli_from, const struct pn_identity *id);
/* pn_account_sender - the same, with %F in the account's from replaced by
 * header_from (the address of the message's From header; NULL: not known,
 * %F stays) */
char *pn_account_sender(const struct pn_account *a, const char *cli_from, const struct pn_identity *id,
			const char *header_from);

/* pn_account_expand_domains - msmtp's %H %C %M in every account's domain
 * (the EHLO name), once after the files are read */
void pn_account_expand_domains(struct pn_config *cfg, const struct pn_identity *id);

/* pn_account_maildomain - maildomain, else /etc/mailname, else hostname */
const char *pn_account_maildomain(const struct pn_account *a, const struct pn_identity *id);

/* pn_account_qualify - a recipient without a domain gets "@maildomain"
 * when the account sets maildomain; otherwise it is sent as written and
 * the server decides (as msmtp does) */
void pn_account_qualify(const struct pn_account *a, struct pn_addrlist *rcpt);

/* pn_account_msgid_domain - the right side of a generated Message-ID, as
 * msmtp chooses it: the domain setting when it is a domain name (it has a
 * dot: not "localhost" nor a bare host name), else the sender's domain
 * when it has a dot, else the smarthost's name as written */
const char *pn_account_msgid_domain(const struct pn_account *a, const char *from);

/* pn_account_params - SMTP settings from the account (password not set) */
void pn_account_params(const struct pn_account *a, const struct pn_identity *id, struct pn_smtp_params *p);

#endif
