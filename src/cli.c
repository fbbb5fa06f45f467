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

/* option_o - "-oX": sendmail options; only -oi means anything here */
static bool option_o(struct state *s, const char *opt)
{
	if (!*opt)
		return usage_error(s, _("option -o needs a sendmail option letter"));
	if (strcmp(opt, "i") == 0)
		s->req->ignore_dots = true;
	/* -oem, -oep, -odi, -odb, -om, -oQ..., -oA...: queue and error-mode
	 * settings that a synchronous client has no use for. */
	return true;
}

/* option_b - "-bX": the mode of operation */
static bool option_b(struct state *s, const char *opt)
{
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
		case 'U': case 'm': continue; /* initial submission, me too */
		case 'o': return option_o(s, w + 1);
		case 'b': return option_b(s, w + 1);
		case 'q': s->req->mode = PN_MODE_MAILQ; return true;
		}
		if (strchr("frFCaNRVXLBOh", *w)) {
			const char *v = value(s, w + 1, *w);
			return v && with_value(s, *w, v);
		}
		return usage_error(s, _("unknown option -%c"), *w);
	}
	return true;
}

/* long_option - "--name[=value]" */
static bool long_option(struct state *s, const char *w)
{
	static const struct { const char *name; char letter; } map[] = {
		{"file", 'C'}, {"account", 'a'}, {"from", 'f'}, {"logfile", 'X'}, {"resend", 'Z'},
	};
	const char *eq = strchr(w, '=');
	size_t n = eq ? (size_t)(eq - w) : strlen(w);
	if (strcmp(w, "help") == 0)
		s->req->mode = PN_MODE_HELP;
	else if (strcmp(w, "version") == 0)
		s->req->mode = PN_MODE_VERSION;
	else if (strcmp(w, "read-recipients") == 0)
		s->req->read_recipients = true;
	else if (strcmp(w, "read-envelope-from") == 0)
		s->req->read_envelope_from = true;
	else if (strcmp(w, "verbose") == 0)
		s->req->verbose++;
	else {
		for (size_t i = 0; i < PN_ARRAY_LEN(map); i++) {
			if (strlen(map[i].name) != n || strncmp(w, map[i].name, n) != 0)
				continue;
			const char *v = eq ? eq + 1 : (s->i + 1 < s->argc ? s->argv[++s->i] : NULL);
			if (!v)
				return usage_error(s, _("option --%s needs a value"), map[i].name);
			return with_value(s, map[i].letter, v);
		}
		return usage_error(s, _("unknown option --%.*s"), (int)n, w);
	}
	return true;
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
bool pn_cli_parse(int argc, char **argv, struct pn_request *req, struct pn_error *err)
{
	memset(req, 0, sizeof(*req));
	req->mode = mode_from_name(argc > 0 ? argv[0] : "postern");
	struct state s = {.argc = argc, .argv = argv, .req = req, .err = err};
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
	return true;
}

/* pn_cli_usage - the --help text */
void pn_cli_usage(void)
{
	fputs(_("Usage: postern [options] [--] [recipient...] < message\n"
		"Send one message read from standard input to the configured smarthost.\n"
		"\n"
		"  -t, --read-recipients  take recipients from To, Cc and Bcc as well\n"
		"  -i, -oi                a line holding only \".\" does not end the message\n"
		"  -f ADDR, -r ADDR       envelope sender (also --from=ADDR)\n"
		"  -F NAME                full name of the sender\n"
		"  -C FILE, --file=FILE   use this configuration file only\n"
		"  -a NAME, --account=NAME  use this account\n"
		"  -N NOTIFY -R RET -V ENVID  delivery status notification requests\n"
		"  -X FILE, --logfile=FILE  append a log line for this message to FILE\n"
		"  -L LABEL               syslog identity\n"
		"  --resend FILE          send a dead letter again, with its kept envelope\n"
		"  -v, --verbose          show the SMTP dialogue (secrets redacted)\n"
		"  -bp, -q                there is no queue: say so and exit\n"
		"  -bi                    check the aliases file (as newaliases)\n"
		"  -bv                    ask the smarthost whether it takes the recipients\n"
		"  -bs                    speak SMTP on standard input and output (one session)\n"
		"  --help, --version\n"
		"Accepted and ignored: -B TYPE -bm -U -m -oXXX -O OPT=VAL -h N\n"
		"\n"
		"Exit status: 0 when the smarthost accepted the message, else sysexits(3).\n"),
	      stdout);
}
