/* rcfile.h - msmtprc-syntax configuration files: accounts, defaults,
 * inheritance, eval, and where the files are.
 *
 * Reads the files msmtp documents (defaults, account NAME [: PARENT,...],
 * quoted arguments) into accounts; what each command means is rcset.h's.
 * A command postern does not know is an error naming file and line (78),
 * never ignored; a file that holds a password and can be read by other
 * users is refused (78).
 * SECURITY: passwords pass through here; they are wiped when the
 * configuration is freed.
 */
#ifndef POSTERN_RCFILE_H
#define POSTERN_RCFILE_H

#include "rcset.h"

/* the check mode (--check-config): a problem does not stop the reading;
 * each is handed to report (a whole line, "FILE:LINE: ..." where the file
 * has a line for it) and reading goes on; on_set sees every command as it
 * is set, with its line, on the account being defined (or the defaults) */
struct pn_config_check {
	void (*report)(void *ctx, const char *msg);
	void (*on_set)(void *ctx, const struct pn_rcpos *pos, const struct pn_account *a, const char *cmd);
	void *ctx;
};

struct pn_config {
	struct pn_account **acc;
	size_t n;
	const char *home; /* the caller's home (passwd): where the user file is */
	const char *tilde; /* "~" in the user file: $HOME, as msmtp and the shell have it */
	bool no_eval;     /* eval lines are errors (the fuzz target sets it) */
	bool skip_eval;   /* eval lines are ignored (--list-accounts: pressing Tab runs no command) */
	bool system_optional; /* a system file that cannot be opened is skipped (-C) */
	const struct pn_config_check *check; /* NULL: the first problem stops the reading */
};

void pn_config_init(struct pn_config *cfg, const char *home);
void pn_config_free(struct pn_config *cfg);

/* pn_config_load - read one file; its accounts replace same-named ones
 * already loaded (the user file overrides the system file).  system: the
 * file is the system file, which may be readable by the postern group. */
bool pn_config_load(struct pn_config *cfg, const char *path, bool system,
		    struct pn_error *err) PN_WUR;

struct pn_account *pn_config_find(const struct pn_config *cfg, const char *name);

/* pn_config_override - give every account of cfg the command-line setting
 * id with arg (after the files were read: the command line wins); see
 * pn_rc_override */
bool pn_config_override(struct pn_config *cfg, int id, const char *arg, struct pn_error *err) PN_WUR;
/* pn_config_cmdline - the account of --host, instead of any file */
struct pn_account *pn_config_cmdline(struct pn_config *cfg);

/* pn_config_load_standard - /etc/postern.conf and the user file
 * ($XDG_CONFIG_HOME/postern/config, else ~/.config/postern/config); when
 * neither exists, msmtp's /etc/msmtprc and ~/.msmtprc (or
 * $XDG_CONFIG_HOME/msmtp/config).  78 when no file exists at all.  file
 * (-C): it is read instead of the user file, after the system file (the
 * postern one when it exists, else msmtp's), as msmtp reads -C. */
bool pn_config_load_standard(struct pn_config *cfg, const char *file, struct pn_error *err) PN_WUR;
#endif
