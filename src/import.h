/* import.h - a Postfix relayhost setup (main.cf and the tables it names)
 * or an ssmtp.conf (and its revaliases) into a postern rc file, for
 * --import.  Pure: every file is read through the caller's reader; the rc
 * text, with a '#' comment for each thing that could not be carried over,
 * is built in a buffer.  Every value is written so that rcfile.c reads it
 * back unchanged (pn_import_value).
 * SECURITY: the SMTP password of sasl_passwd or AuthPass passes through
 * here into the rc text, which is a secret buffer (wiped when freed).
 */
#ifndef POSTERN_IMPORT_H
#define POSTERN_IMPORT_H

#include "buf.h"

/* pn_import_reader - the text of the file at path (NUL-terminated; the
 * import frees it with pn_free_wiped), or NULL with *errnum set */
typedef char *(*pn_import_reader)(void *ctx, const char *path, int *errnum);

struct pn_import {
	pn_import_reader read;
	void *ctx;
	struct pn_buf out; /* the rc file */
	bool password;     /* out holds a password */
	bool overflow;     /* out reached its cap: the result is not usable */
	int accounts;      /* accounts written */
	char **names;      /* their names (unique) */
};

void pn_import_init(struct pn_import *im, pn_import_reader read, void *ctx);
void pn_import_free(struct pn_import *im);

/* pn_import_value - "cmd value" as one rc line that rcfile.c reads back as
 * exactly value (quoted when blanks or quotes at its ends need it); a
 * value that no rc line can hold (a line break) becomes a comment */
void pn_import_value(struct pn_import *im, const char *cmd, const char *value);
/* pn_import_line - a line as it is ("defaults", "") */
void pn_import_line(struct pn_import *im, const char *line);
/* pn_import_note - a '#' comment line (each line of the text commented) */
void pn_import_note(struct pn_import *im, const char *fmt, ...) PN_PRINTF(2, 3);
/* pn_import_account - "account NAME[ : PARENT]" with NAME made of base
 * (characters an account name cannot hold become '_'), unique in im */
void pn_import_account(struct pn_import *im, const char *base, const char *parent);

/* pn_import_host_ok - a host name an rc line can carry: no blank, no
 * control character, no bracket or quote */
bool pn_import_host_ok(const char *host);

/* pn_import_postfix - main.cf's text (read from dir/main.cf) into im;
 * false when it names no relayhost (nothing usable) */
bool pn_import_postfix(struct pn_import *im, const char *dir, const char *maincf);
/* pn_import_ssmtp - ssmtp.conf's text (read from path) into im, with the
 * revaliases file of the same directory; false without a mailhub */
bool pn_import_ssmtp(struct pn_import *im, const char *path, const char *conf);

#endif
