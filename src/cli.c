/* cli.c - sendmail-compatible command line parsing (see cli.h).
 *
 * Options come first, as with sendmail; the first word that is not an option
 * (or everything after "--") is a recipient.  Single-letter flags may be
 * grouped ("-ti"); options that take a value accept it attached ("-fa@b",
 * PHP's form) or as the next word.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

struct state {
	int argc, i;
	char **argv;
	struct pn_request *req;
	struct pn_error *err;
	pn_option_find find;
};

/* in_list - every comma-separated word of v is one of words (no case) */
static bool in_list(const char *v, const char *const *words, size_t n)
{
	if (!*v)
		return false;
	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ",");
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = strlen(words[i]) == len && strncasecmp(p, words[i], len) == 0;
		if (!known)
			return false;
		p += len + (p[len] == ',');
	}
	return true;
}

/* pn_dsn_valid - see cli.h */
bool pn_dsn_valid(char what, const char *v)
{
	static const char *const notify[] = {"success", "failure", "delay"};
	static const char *const ret[] = {"full", "hdrs"};
	if (what == 'N')
		return strcasecmp(v, "never") == 0 || in_list(v, notify, 3);
	if (what == 'R')
		return !strchr(v, ',') && in_list(v, ret, 2);
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++, n++)
		if (*p <= 32 || *p >= 127)
			return false;
	return n > 0 && n <= 100;
}

/* usage_error - a bad command line */
PN_PRINTF(2, 3) static bool usage_error(struct state *s, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pn_error_set(s->err, EX_USAGE, "%s", what);
	return false;
}

/* value - an option's value: the rest of the word or the next word */
static const char *value(struct state *s, const char *rest, char letter)
{
	if (*rest)
		return rest;
	if (s->i + 1 < s->argc)
		return s->argv[++s->i];
	usage_error(s, _("option -%c needs a value"), letter);
	return NULL;
}

/* option_o - "-oX" or "-o X": sendmail options; only -oi means anything */
static bool option_o(struct state *s, const char *opt)
{
	if (!*opt && !(opt = value(s, opt, 'o')))
		return false;
	if (strcmp(opt, "i") == 0)
		s->req->ignore_dots = true;
	/* -oem, -oep, -odi, -odb, -om, -oQ..., -oA...: queue and error-mode
	 * settings that a synchronous client has no use for. */
	return true;
}

/* option_b - "-bX" or "-b X": the mode of operation */
static bool option_b(struct state *s, const char *opt)
{
	if (!*opt && !(opt = value(s, opt, 'b')))
		return false;
	if (strcmp(opt, "m") == 0)
		s->req->mode = PN_MODE_SEND;
	else if (strcmp(opt, "p") == 0)
		s->req->mode = PN_MODE_MAILQ;
	else if (strcmp(opt, "i") == 0)
		s->req->mode = PN_MODE_NEWALIASES;
	else if (strcmp(opt, "v") == 0)
		s->req->mode = PN_MODE_VERIFY;
	else if (strcmp(opt, "s") == 0)
		s->req->mode = PN_MODE_SERVE;
	else if (strcmp(opt, "d") == 0 || strcmp(opt, "D") == 0)
		return usage_error(s, _("postern has no daemon mode: it delivers each message when it is called"));
	else
		return usage_error(s, _("option -b%s is not supported"), opt);
	return true;
}

/* option_d - "-d", msmtp's debug: as -v; sendmail's "-d0.1" asks for the
 * version */
static bool option_d(struct state *s, const char *opt)
{
	if (strcmp(opt, "0.1") == 0)
		s->req->mode = PN_MODE_VERSION;
	s->req->verbose++;
	return true;
}

/* dsn_ok - -N, -R and -V values (RFC 3461 4.1, 4.3, 4.4) */
static bool dsn_ok(struct state *s, char letter, const char *v)
{
	bool ok = pn_dsn_valid(letter, v);
	if (!ok)
		pn_error_set(s->err, strpbrk(v, "\r\n") ? EX_DATAERR : EX_USAGE,
			     _("invalid value for -%c: '%.40s'"), letter, v);
	return ok;
}

/* with_value - the options that take a value; false if letter is not one */
static bool with_value(struct state *s, char letter, const char *v)
{
	struct pn_request *r = s->req;
	switch (letter) {
	case 'f': case 'r': r->from = v; break;
	case 'F': r->fullname = v; break;
	case 'C': r->config_file = v; break;
	case 'a': r->account = v; break;
	case 'N': r->dsn_notify = v; return dsn_ok(s, letter, v);
	case 'R': r->dsn_ret = v; return dsn_ok(s, letter, v);
	case 'V': r->dsn_envid = v; return dsn_ok(s, letter, v);
	case 'X': r->logfile = v; break;
	case 'L': r->syslog_label = v; break;
	case 'Z': r->resend = v; break; /* --resend only: no short form */
	case 'K': r->configure = v; r->mode = PN_MODE_CONFIGURE; break; /* --configure only */
	case 'A': /* sendmail's alternate .cf file: there is none */
	case 'Q': r->rmqs = v; r->mode = PN_MODE_RMQS; break; /* --rmqs only */
	case 'I': r->import = v; r->mode = PN_MODE_IMPORT; break; /* --import only */
	case 'B': /* body type: postern looks at the content itself */
	case 'O': /* -O option=value: sendmail settings, nothing to set here */
	case 'h': /* hop count */
		break;
	default:
		return false;
	}
	return true;
}

/* short_options - one word of single-letter options */
static bool short_options(struct state *s, const char *w)
{
	for (; *w; w++) {
		switch (*w) {
		case 't': s->req->read_recipients = true; continue;
		case 'i': s->req->ignore_dots = true; continue;
		case 'v': s->req->verbose++; continue;
		case 'P': s->req->mode = PN_MODE_PRETEND; continue;
		case 'U': case 'm': case 'G': case 'n': continue; /* submission, me too, gateway, no aliases */
		case 'o': return option_o(s, w + 1);
		case 'b': return option_b(s, w + 1);
		case 'd': return option_d(s, w + 1);
		case 'q': s->req->mode = PN_MODE_MAILQ; return true;
		case 'S': s->req->mode = PN_MODE_SERVERINFO; continue;
		}
		if (strchr("frFCaNRVXLABOh", *w)) {
			const char *v = value(s, w + 1, *w);
			return v && with_value(s, *w, v);
		}
		return usage_error(s, _("unknown option -%c"), *w);
	}
	return true;
}

/* long_flag - the long options without a value; false: not one */
static bool long_flag(struct state *s, const char *w)
{
	struct pn_request *r = s->req;
	if (strcmp(w, "help") == 0)
		r->mode = PN_MODE_HELP;
	else if (strcmp(w, "version") == 0)
		r->mode = PN_MODE_VERSION;
	else if (strcmp(w, "pretend") == 0)
		r->mode = PN_MODE_PRETEND;
	else if (strcmp(w, "serverinfo") == 0)
		r->mode = PN_MODE_SERVERINFO;
	else if (strcmp(w, "oauth2-login") == 0)
		r->mode = PN_MODE_OAUTH2_LOGIN;
	else if (strcmp(w, "check-config") == 0)
		r->mode = PN_MODE_CHECK_CONFIG;
	else if (strcmp(w, "connect") == 0)
		r->connect = true;
	else if (strcmp(w, "list-accounts") == 0)
		r->mode = PN_MODE_LIST_ACCOUNTS;
	else if (strcmp(w, "read-recipients") == 0)
		r->read_recipients = true;
	else if (strcmp(w, "read-envelope-from") == 0)
		r->read_envelope_from = true;
	else if (strcmp(w, "verbose") == 0 || strcmp(w, "debug") == 0 || strncmp(w, "debug=", 6) == 0)
		r->verbose++;
	else
		return false;
	return true;
}

/* long_value - "--name=value" or "--name value"; optional: "--name" alone
 * is the value "" */
static const char *long_value(struct state *s, const char *w, size_t n, bool optional)
{
	if (w[n] == '=')
		return w + n + 1;
	if (optional)
		return "";
	if (s->i + 1 < s->argc)
		return s->argv[++s->i];
	usage_error(s, _("option --%.*s needs a value"), (int)n, w);
	return NULL;
}

/* rc_option - a configuration command as an option: it overrides the
 * account's setting ("--host" alone reads no configuration file) */
static bool rc_option(struct state *s, const char *w, size_t n)
{
	bool optional = false;
	int id = s->find ? s->find(w, n, &optional) : -1;
	if (id < 0)
		return usage_error(s, _("unknown option --%.*s"), (int)n, w);
	const char *v = long_value(s, w, n, optional);
	if (!v)
		return false;
	if (s->req->nov == PN_MAX_OVERRIDES)
		return usage_error(s, _("too many options"));
	s->req->ov[s->req->nov++] = (struct pn_override){id, v};
	if (n == 4 && strncmp(w, "host", 4) == 0)
		s->req->config_less = true;
	return true;
}

/* long_option - "--name[=value]" */
static bool long_option(struct state *s, const char *w)
{
	static const struct { const char *name; char letter; } map[] = {
		{"file", 'C'}, {"account", 'a'}, {"from", 'f'}, {"logfile", 'X'}, {"resend", 'Z'}, {"configure", 'K'}, {"rmqs", 'Q'},
		{"import", 'I'},
	};
	if (long_flag(s, w))
		return true;
	size_t n = strcspn(w, "=");
	for (size_t i = 0; i < PN_ARRAY_LEN(map); i++) {
		if (strlen(map[i].name) != n || strncmp(w, map[i].name, n) != 0)
			continue;
		const char *v = long_value(s, w, n, false);
		return v && with_value(s, map[i].letter, v);
	}
	return rc_option(s, w, n);
}

/* mode_from_name - invoked as mailq or newaliases */
static enum pn_mode mode_from_name(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	if (strcmp(base, "mailq") == 0)
		return PN_MODE_MAILQ;
	if (strcmp(base, "newaliases") == 0)
		return PN_MODE_NEWALIASES;
	return PN_MODE_SEND;
}

/* pn_cli_parse - see cli.h */
bool pn_cli_parse(int argc, char **argv, pn_option_find find, struct pn_request *req, struct pn_error *err)
{
	memset(req, 0, sizeof(*req));
	req->mode = mode_from_name(argc > 0 ? argv[0] : "postern");
	struct state s = {.argc = argc, .argv = argv, .req = req, .err = err, .find = find};
	for (s.i = 1; s.i < argc; s.i++) {
		const char *w = argv[s.i];
		if (strcmp(w, "--") == 0) {
			s.i++;
			break;
		}
		if (w[0] != '-' || !w[1])
			break;
		bool ok = w[1] == '-' ? long_option(&s, w + 2) : short_options(&s, w + 1);
		if (!ok)
			return false;
	}
	req->rcpt = argv + s.i;
	req->nrcpt = (size_t)(argc - s.i);
	if (req->mode == PN_MODE_SERVE && (req->nrcpt || req->read_recipients || req->resend))
		return usage_error(&s, _("with -bs the recipients are given with RCPT TO: no recipient arguments, -t or --resend"));
	if (req->mode == PN_MODE_OAUTH2_LOGIN && (req->nrcpt || req->read_recipients || req->config_less))
		return usage_error(&s, _("--oauth2-login takes an account (-a NAME) of a configuration file, and no recipients"));
	if (req->mode == PN_MODE_CHECK_CONFIG && (req->nrcpt || req->read_recipients || req->nov || req->account))
		return usage_error(&s, _("--check-config checks the configuration files (-C FILE) as they are: no account, "
					 "option or recipient"));
	if (req->connect && req->mode != PN_MODE_CHECK_CONFIG)
		return usage_error(&s, _("--connect goes with --check-config"));
	if (req->mode == PN_MODE_IMPORT && (strcmp(req->import, "postfix") != 0 && strcmp(req->import, "ssmtp") != 0))
		return usage_error(&s, _("--import: '%s' is not postfix or ssmtp"), req->import);
	if (req->mode == PN_MODE_IMPORT && (req->nrcpt > 1 || req->read_recipients || req->config_less))
		return usage_error(&s, _("--import postfix takes at most a directory, --import ssmtp at most a file"));
	if (req->config_less && req->account)
		return usage_error(&s, _("cannot use both --host and --account: --host reads no configuration file"));
	return true;
}

/* pn_cli_usage - the --help text, grouped by task.  Every option is in
 * the first column (the bash completion reads it from there: see
 * completion/postern.bash), the text after two spaces or more. */
void pn_cli_usage(void)
{
	fputs(_("Usage: postern [options] [--] [recipient...] < message\n"
		"Send one message read from standard input to the configured smarthost.\n"), stdout);
	fputs(_("\nSending:\n"
		"  -t, --read-recipients  take recipients from To, Cc and Bcc as well\n"
		"  --read-envelope-from   take the envelope sender from the From header\n"
		"  -i, -oi                a line holding only \".\" does not end the message\n"
		"  -f ADDR, -r ADDR, --from=ADDR  envelope sender\n"
		"  -F NAME                full name of the sender\n"
		"  -N NOTIFY -R RET -V ENVID  delivery status notification requests\n"
		"  --resend FILE          send a dead letter again, with its kept envelope\n"), stdout);
	fputs(_("\nChoosing the account:\n"
		"  -C FILE, --file=FILE   use this configuration file only\n"
		"  -a NAME, --account=NAME  use this account\n"
		"  --host=HOST            use the options below only; read no configuration file\n"
		"  --list-accounts        print the names of the accounts -a takes, one a line\n"), stdout);
	fputs(_("\nOther modes (nothing is sent):\n"
		"  -S, --serverinfo       print the server's capabilities and TLS certificate\n"
		"  --rmqs=HOST|@DOMAIN|#QUEUE  ask the server to deliver its queue for it (ETRN)\n"
		"  --oauth2-login         sign in once for the account's OAuth 2.0 refresh token (-a NAME)\n"
		"  --import postfix [DIR]  print an rc file made from Postfix's main.cf (default /etc/postfix)\n"
		"  --import ssmtp [FILE]  print an rc file made from ssmtp.conf (default /etc/ssmtp/ssmtp.conf)\n"
		"  --configure=ADDRESS    print an account for ADDRESS from its domain's SRV records\n"
		"  -bs                    speak SMTP on standard input and output (one session)\n"
		"  -bv                    ask the smarthost whether it takes the recipients\n"
		"  -bi                    check the aliases file (as newaliases)\n"
		"  -bp, -q                there is no queue: say so and exit\n"), stdout);
	fputs(_("\nDiagnostics and logging:\n"
		"  -v, -d, --verbose, --debug  show the SMTP dialogue (secrets redacted)\n"
		"  -P, --pretend          print the account that would be used; send nothing\n"
		"  --check-config         check every configuration file (-C FILE) and account\n"
		"  --connect              with --check-config: also ask each account's server\n"
		"  -X FILE, --logfile=FILE  append a log line for this message to FILE\n"
		"  -L LABEL               syslog identity\n"
		"  --help, --version\n"
		"Accepted and ignored: -A FILE -B TYPE -bm -G -U -m -n -oXXX -O OPT=VAL -h N\n"
		"\n"
		"Exit status: 0 when the smarthost accepted the message, else sysexits(3).\n"), stdout);
	fputs(_("\nEvery command of the configuration file is also an option that overrides\n"
		"the chosen account's setting (a name's '_' written as '-'):\n"),
	      stdout);
}
