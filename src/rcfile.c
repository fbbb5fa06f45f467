/* rcfile.c - the msmtprc-syntax parser (see rcfile.h).
 *
 * Each line is "command [argument]"; an argument enclosed in double quotes
 * loses that outer pair, as in msmtp (there are no escapes).  Lines whose
 * first non-blank character is '#' are comments.  "defaults" values fill
 * every account that follows in the same file; "account NAME : A, B" then
 * copies every setting that A and B were given, in that order.  Commands
 * before the first account or defaults line form the account "default", as
 * in msmtp.  What each command means, and its value, is rcset.c's.
 */
#include "rcfile.h"

#include "command.h"
#include "privilege.h"
#include "regfile.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096
#define EVAL_TIMEOUT 60 /* seconds an eval command may take */

/* the parser's state: the file, the line, the account being defined */
struct parse {
	struct pn_config *cfg;
	struct pn_rcpos pos;
	struct pn_account *defaults;
	struct pn_account *cur; /* the account being defined, or defaults */
	struct pn_account **local; /* accounts of this file */
	size_t nlocal;
	bool begun;      /* an account or defaults line was read */
	int leading;     /* line of the account "default" made of leading commands */
	int secret_line; /* the first line that gave a password (or client secret) */
};

/* collected - the check mode: the problem now set is reported and cleared,
 * and reading goes on (true); otherwise it stops the reading (false) */
static bool collected(const struct pn_config *cfg, struct pn_error *err)
{
	if (!cfg->check)
		return false;
	if (pn_error_isset(err))
		cfg->check->report(cfg->check->ctx, err->msg);
	pn_error_init(err);
	return true;
}

/* find_local - an account defined earlier in this file.  Only this file:
 * an account of the user file that inherited from one of the system file
 * would carry the system password to a host of the user's choosing. */
static struct pn_account *find_local(const struct parse *p, const char *name)
{
	for (size_t i = p->nlocal; i-- > 0;)
		if (strcmp(p->local[i]->name, name) == 0)
			return p->local[i];
	return NULL;
}

/* trim - strip blanks at both ends, in place */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* add_parent - inherit from one named account */
static bool add_parent(struct parse *p, struct pn_account *a, char *name)
{
	name = trim(name);
	struct pn_account *parent = *name ? find_local(p, name) : NULL;
	if (!parent)
		return pn_rc_error(&p->pos, _("account %s: no account named '%s' was defined before in this file"), a->name, name);
	pn_rc_inherit(a, parent);
	return true;
}

/* new_account - an account of this file, with the defaults so far */
static struct pn_account *new_account(const struct parse *p, const char *name)
{
	struct pn_account *a = pn_rc_account_new(name, p->pos.path, p->pos.line);
	a->system = p->pos.system;
	pn_rc_inherit(a, p->defaults);
	return a;
}

/* push_local - add a to this file's accounts; it is now being defined */
static void push_local(struct parse *p, struct pn_account *a)
{
	p->local = pn_xrealloc(p->local, (p->nlocal + 1) * sizeof(*p->local));
	p->local[p->nlocal++] = a;
	p->cur = a;
}

/* duplicate - an account name already defined in this file */
static bool duplicate(struct parse *p, const char *name, const struct pn_account *dup)
{
	if (p->leading && dup->line == p->leading && strcmp(name, "default") == 0)
		return pn_rc_error(&p->pos, _("account default was already defined by the commands before the first "
				      "account line (line %d), as in msmtp; to make those commands defaults, "
				      "put a 'defaults' line before them"),
				 dup->line);
	return pn_rc_error(&p->pos, _("account %s was already defined at line %d"), name, dup->line);
}

/* start_account - "account NAME [: PARENT[, PARENT...]]" */
static bool start_account(struct parse *p, char *arg)
{
	char *colon = strchr(arg, ':');
	if (colon)
		*colon = '\0';
	char *name = trim(arg);
	if (!*name || strchr(name, ' ') || strchr(name, '\t'))
		return pn_rc_error(&p->pos, _("account: missing or invalid account name"));
	const struct pn_account *dup = find_local(p, name);
	/* the check mode reads the second one on: its lines are its own */
	if (dup && !duplicate(p, name, dup) && !collected(p->cfg, p->pos.err))
		return false;
	struct pn_account *a = new_account(p, name);
	/* parents first: "account a : a" names an earlier a, never itself */
	for (char *s = colon ? colon + 1 : NULL; s;) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		/* the check mode goes on without that parent */
		if (!add_parent(p, a, s) && !collected(p->cfg, p->pos.err)) {
			pn_rc_account_free(a);
			return false;
		}
		s = comma ? comma + 1 : NULL;
	}
	push_local(p, a);
	return true;
}

/* leading_default - msmtp's rule: commands before the first account or
 * defaults line form the account "default" (a file without any account
 * line is that account) */
static void leading_default(struct parse *p)
{
	p->begun = true;
	p->leading = p->pos.line;
	push_local(p, new_account(p, "default"));
}

/* unquote - msmtp's rule: an argument that begins and ends with a double
 * quote loses exactly that outer pair, and nothing else changes (no
 * escapes; a quote or '#' inside stays).  Anything else is taken as it is,
 * a lone or unbalanced quote included, because msmtp reads it so and a
 * password may begin with a quote. */
static void unquote(char *arg)
{
	size_t n = strlen(arg);
	if (n >= 2 && arg[0] == '"' && arg[n - 1] == '"') {
		memmove(arg, arg + 1, n - 2);
		arg[n - 2] = '\0';
	}
}

static bool parse_line(struct parse *p, char *line);

/* eval_line - "eval CMD": the line is the first line CMD prints (msmtp's
 * command), bounded by EVAL_TIMEOUT.  A password it yields does not make
 * the file one that holds a password. */
static bool eval_line(struct parse *p, const char *cmd)
{
	if (!*cmd)
		return pn_rc_error(&p->pos, _("eval needs a command"));
	if (p->cfg->no_eval)
		return pn_rc_error(&p->pos, _("eval is not allowed here"));
	if (p->cfg->skip_eval)
		return true;
	char *buf = pn_xmalloc(LINE_MAX_LEN + 1);
	int status;
	bool ok = false, had = p->pos.has_password;
	switch (pn_command_line(cmd, p->pos.system, EVAL_TIMEOUT, buf, LINE_MAX_LEN + 1, &status)) {
	case PN_COMMAND_NOT_RUN: ok = pn_rc_error(&p->pos, _("eval: cannot run the command: %s"), PN_FOREIGN(strerror(errno))); break;
	case PN_COMMAND_TIMEOUT: ok = pn_rc_error(&p->pos, _("eval: the command did not finish within %d s"), EVAL_TIMEOUT); break;
	case PN_COMMAND_FAILED: ok = pn_rc_error(&p->pos, _("eval: the command failed (exit status %d)"), status); break;
	case PN_COMMAND_OK:
		if (strncmp(buf + strspn(buf, " \t"), "eval", 4) == 0 && strchr(" \t", buf[strspn(buf, " \t") + 4]))
			ok = pn_rc_error(&p->pos, _("eval: the command printed another eval line"));
		else
			ok = parse_line(p, buf);
		break;
	}
	p->pos.has_password = had;
	pn_wipe(buf, LINE_MAX_LEN + 1);
	free(buf);
	return ok;
}

/* parse_line - one non-comment line */
static bool parse_line(struct parse *p, char *line)
{
	char *s = trim(line);
	if (!*s || *s == '#')
		return true;
	char *arg = s + strcspn(s, " \t");
	if (*arg)
		*arg++ = '\0';
	arg = trim(arg);
	unquote(arg);
	if (strcmp(s, "eval") == 0)
		return eval_line(p, arg);
	if (strcmp(s, "defaults") == 0) {
		p->begun = true;
		p->cur = p->defaults;
		return !*arg || pn_rc_error(&p->pos, _("defaults does not take an argument"));
	}
	if (strcmp(s, "account") == 0) {
		p->begun = true;
		return start_account(p, arg);
	}
	if (!p->begun)
		leading_default(p);
	bool had = p->pos.has_password;
	int r = pn_rc_set(&p->pos, p->cur, s, arg);
	if (!had && p->pos.has_password)
		p->secret_line = p->pos.line;
	if (r > 0 && p->cfg->check)
		p->cfg->check->on_set(p->cfg->check->ctx, &p->pos, p->cur, s);
	return r < 0 ? pn_rc_error(&p->pos, _("unknown command '%s'"), s) : r > 0;
}

/* read_lines - parse every line of an open file */
static bool read_lines(struct parse *p, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool ok = true;
	while (ok && (n = getline(&line, &cap, f)) >= 0) {
		p->pos.line++;
		if (n > LINE_MAX_LEN)
			ok = pn_rc_error(&p->pos, _("line longer than %d bytes"), LINE_MAX_LEN);
		else if (memchr(line, '\0', (size_t)n))
			ok = pn_rc_error(&p->pos, _("NUL byte in line"));
		else
			ok = parse_line(p, line);
		ok = ok || collected(p->cfg, p->pos.err);
	}
	if (ok && ferror(f))
		ok = pn_rc_error(&p->pos, _("read error: %s"), PN_FOREIGN(strerror(errno)));
	pn_wipe(line, cap);
	free(line);
	return ok;
}

/* check_secret - a file holding a password must not be readable by
 * others (the system file: by the postern group only) */
static bool check_secret(struct parse *p, const struct stat *st, bool system)
{
	if (!p->pos.has_password)
		return true;
	bool others = st->st_mode & (S_IRWXO);
	bool group = st->st_mode & (S_IRWXG);
	if (group && system && !others) {
		struct group *g = getgrnam(POSTERN_GROUP);
		group = !g || g->gr_gid != st->st_gid;
	}
	if (!others && !group)
		return true;
	if (p->cfg->check) /* the check names the line that holds it */
		pn_error_set(p->pos.err, EX_CONFIG,
			     _("%s:%d: a password in a file other users have access to; fix it with: chmod 600 %s"),
			     p->pos.path, p->secret_line, p->pos.path);
	else
		pn_error_set(p->pos.err, EX_CONFIG,
			     _("%s contains a password but other users have access to it; fix it with: chmod 600 %s"),
			     p->pos.path, p->pos.path);
	return collected(p->cfg, p->pos.err);
}

/* others_write - --check-config: a file others may change could send
 * the password (and the mail) anywhere; a send does not refuse it, as
 * msmtp does not, but the check says so */
static bool others_write(struct parse *p, const struct stat *st)
{
	if (!p->cfg->check || !(st->st_mode & (S_IWGRP | S_IWOTH)))
		return true;
	pn_error_set(p->pos.err, EX_CONFIG, _("%s: other users can change this file; fix it with: chmod go-w %s"),
		     p->pos.path, p->pos.path);
	return false;
}

/* check_mode - a file holding a password must not be readable by others;
 * the system file, which steers a set-group-ID postern, must not be
 * writable by anyone but root */
static bool check_mode(struct parse *p, int fd, bool system)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return true;
	if (system && ((st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_uid != 0)) {
		pn_error_set(p->pos.err, EX_CONFIG, _("%s must be owned by root and writable by root only; fix it with: chown root %s; chmod go-w %s"),
			     p->pos.path, p->pos.path, p->pos.path);
		return collected(p->cfg, p->pos.err) && check_secret(p, &st, system);
	}
	return (others_write(p, &st) || collected(p->cfg, p->pos.err)) && check_secret(p, &st, system);
}

/* merge - the file's accounts replace same-named ones already loaded */
static void merge(struct pn_config *cfg, struct parse *p)
{
	for (size_t i = 0; i < p->nlocal; i++) {
		struct pn_account *a = p->local[i];
		size_t j;
		for (j = 0; j < cfg->n; j++)
			if (strcmp(cfg->acc[j]->name, a->name) == 0)
				break;
		if (j < cfg->n) {
			pn_rc_account_free(cfg->acc[j]);
		} else {
			cfg->acc = pn_xrealloc(cfg->acc, (cfg->n + 1) * sizeof(*cfg->acc));
			cfg->n++;
		}
		cfg->acc[j] = a;
	}
	p->nlocal = 0;
}

/* pn_config_load - see rcfile.h */
bool pn_config_load(struct pn_config *cfg, const char *path, bool system, struct pn_error *err)
{
	bool odd;
	FILE *f = pn_fopen_regular(path, &odd); /* a FIFO there must not block */
	if (!f && system && cfg->system_optional && errno == EACCES)
		return true; /* msmtp's rule with -C: a system file it cannot open is skipped */
	if (!f) {
		if (odd)
			pn_error_set(err, EX_CONFIG, _("cannot read configuration file %s: not a regular file"), path);
		else
			pn_error_errno(err, EX_CONFIG, errno, _("cannot read configuration file %s"), path);
		return collected(cfg, err);
	}
	struct parse p = {.cfg = cfg,
			  .pos = {.path = path, .system = system, .tilde = cfg->tilde, .strict = cfg->check != NULL, .err = err}};
	p.defaults = pn_rc_account_new("defaults", path, 0);
	p.cur = p.defaults;
	bool ok = read_lines(&p, f);
	if (ok)
		ok = check_mode(&p, fileno(f), system);
	fclose(f);
	if (ok)
		merge(cfg, &p);
	for (size_t i = 0; i < p.nlocal; i++)
		pn_rc_account_free(p.local[i]);
	free(p.local);
	pn_rc_account_free(p.defaults);
	return ok;
}

void pn_config_init(struct pn_config *cfg, const char *home)
{
	cfg->acc = NULL;
	cfg->n = 0;
	cfg->home = home;
	cfg->tilde = home;
	cfg->no_eval = false;
	cfg->skip_eval = false;
	cfg->system_optional = false;
	cfg->check = NULL;
}

void pn_config_free(struct pn_config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++)
		pn_rc_account_free(cfg->acc[i]);
	free(cfg->acc);
	cfg->acc = NULL;
	cfg->n = 0;
}

struct pn_account *pn_config_find(const struct pn_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->acc[i]->name, name) == 0)
			return cfg->acc[i];
	return NULL;
}

/* user_file - $XDG_CONFIG_HOME/SUB, else ~/.config/SUB */
static char *user_file(const struct pn_config *cfg, const char *sub)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')
		return pn_xasprintf("%s/%s", xdg, sub);
	return pn_xasprintf("%s/.config/%s", cfg->home ? cfg->home : "/nonexistent", sub);
}

/* load_pair - the system file then the user file, each if it exists */
static int load_pair(struct pn_config *cfg, const char *sys, char *const *user, size_t nuser,
		     struct pn_error *err)
{
	int found = 0;
	if (access(sys, F_OK) == 0) {
		found++;
		/* the one file read with the postern group, when set-group-ID */
		bool ok = pn_priv_raise(err) && pn_config_load(cfg, sys, true, err);
		if (!pn_priv_lower(err) || !ok)
			return -1;
	}
	for (size_t i = 0; i < nuser; i++)
		if (access(user[i], F_OK) == 0) {
			found++;
			if (!pn_config_load(cfg, user[i], false, err))
				return -1;
			break;
		}
	return found;
}

/* load_with_file - -C FILE: msmtp's rule, FILE takes the user file's
 * place and the system file is read before it as always */
static bool load_with_file(struct pn_config *cfg, const char *file, struct pn_error *err)
{
	const char *sys = access("/etc/postern.conf", F_OK) == 0 ? "/etc/postern.conf" : "/etc/msmtprc";
	cfg->system_optional = true;
	bool ok = load_pair(cfg, sys, NULL, 0, err) >= 0;
	cfg->system_optional = false;
	return ok && pn_config_load(cfg, file, false, err);
}

/* pn_config_load_standard - see rcfile.h */
bool pn_config_load_standard(struct pn_config *cfg, const char *file, struct pn_error *err)
{
	if (file)
		return load_with_file(cfg, file, err);
	char *own[1] = {user_file(cfg, "postern/config")};
	char *msmtp[2] = {pn_xasprintf("%s/.msmtprc", cfg->home ? cfg->home : "/nonexistent"),
			  user_file(cfg, "msmtp/config")};
	int found = load_pair(cfg, "/etc/postern.conf", own, 1, err);
	if (found == 0)
		found = load_pair(cfg, "/etc/msmtprc", msmtp, 2, err);
	if (found == 0)
		pn_error_set(err, EX_CONFIG,
			     _("no configuration file: create %s or /etc/postern.conf (msmtp's ~/.msmtprc and /etc/msmtprc are read too)"),
			     own[0]);
	free(own[0]);
	free(msmtp[0]);
	free(msmtp[1]);
	return found > 0;
}

/* pn_config_override - see rcfile.h */
bool pn_config_override(struct pn_config *cfg, int id, const char *arg, struct pn_error *err)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (!pn_rc_override(cfg->acc[i], id, arg, cfg->tilde, err))
			return false;
	return true;
}

/* pn_config_cmdline - see rcfile.h */
struct pn_account *pn_config_cmdline(struct pn_config *cfg)
{
	struct pn_account *a = pn_rc_account_new("default", _("the command line"), 0);
	cfg->acc = pn_xrealloc(cfg->acc, (cfg->n + 1) * sizeof(*cfg->acc));
	cfg->acc[cfg->n++] = a;
	return a;
}

