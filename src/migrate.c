/* migrate.c - --import: the run (see migrate.h).  Gives the postern group
 * up first (the files read are the operator's, never postern's own), reads
 * main.cf or ssmtp.conf, lets import.c write the rc file, and prints it.
 * SECURITY: the output may hold the smarthost's password: it goes to
 * stdout only, which the operator asked for, with a warning on stderr to
 * save it with mode 600; the buffers that held it are wiped.
 */
#include "migrate.h"

#include "buf.h"
#include "import.h"
#include "privilege.h"
#include "regfile.h"
#include "send.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define FILE_MAX (4 * 1024 * 1024) /* main.cf and its tables are far smaller */

/* read_text - the whole file at path, NUL-terminated, or NULL with
 * *errnum (EINVAL: not a regular file; EFBIG: larger than FILE_MAX) */
static char *read_text(void *ctx, const char *path, int *errnum)
{
	(void)ctx;
	bool odd = false;
	FILE *f = pn_fopen_regular(path, &odd);
	if (!f) {
		*errnum = odd ? EINVAL : errno;
		return NULL;
	}
	struct pn_buf b;
	pn_buf_init_secret(&b, FILE_MAX);
	char chunk[4096];
	size_t n;
	bool ok = true;
	while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ok = pn_buf_append(&b, chunk, n);
	pn_wipe(chunk, sizeof(chunk));
	*errnum = !ok ? EFBIG : ferror(f) ? EIO : 0;
	fclose(f);
	char *text = *errnum ? NULL : pn_xstrndup(b.data ? b.data : "", b.len);
	pn_buf_free(&b);
	return text;
}

/* input_error - the main file cannot be read: 66, 77 or 78 */
static int input_error(struct pn_error *err, const char *path, int errnum)
{
	int code = errnum == EACCES || errnum == EPERM     ? EX_NOPERM
	           : errnum == ENOENT || errnum == ENOTDIR ? EX_NOINPUT
	                                                   : EX_CONFIG;
	const char *why = errnum == EINVAL ? _("not a regular file") : PN_FOREIGN(strerror(errnum));
	pn_error_set(err, code, _("--import: cannot read %s: %s"), path, why);
	return pn_fail(err);
}

/* print - the rc file on stdout, the warnings on stderr */
static int print(struct pn_import *im, struct pn_error *err)
{
	if (!pn_write_all(1, im->out.data, im->out.len)) {
		pn_error_set(err, EX_IOERR, _("--import: cannot write the output: %s"),
		             PN_FOREIGN(strerror(errno)));
		return pn_fail(err);
	}
	if (im->password)
		fprintf(
		    stderr,
		    _("%s: warning: the output holds a password: save it where only its owner can read it "
		      "(mode 600, for instance with umask 077)\n"),
		    pn_progname());
	fprintf(stderr, _("%s: check the comments in the output: they say what was not carried over\n"),
	        pn_progname());
	return EX_OK;
}

/* pn_migrate_run - see migrate.h */
int pn_migrate_run(const struct pn_request *req, struct pn_error *err)
{
	if (!pn_priv_drop(err))
		return pn_fail(err);
	bool postfix = strcmp(req->import, "postfix") == 0;
	const char *arg = req->nrcpt ? req->rcpt[0] : postfix ? "/etc/postfix" : "/etc/ssmtp/ssmtp.conf";
	char *path = postfix ? pn_xasprintf("%s/main.cf", arg) : pn_xstrdup(arg);
	int errnum = 0, code;
	char *text = read_text(NULL, path, &errnum);
	if (!text) {
		code = input_error(err, path, errnum);
		free(path);
		return code;
	}
	struct pn_import im;
	pn_import_init(&im, read_text, NULL);
	bool ok = postfix ? pn_import_postfix(&im, arg, text) : pn_import_ssmtp(&im, path, text);
	if (ok) {
		code = print(&im, err);
	} else {
		if (!im.password) /* what was found, as comments */
			fwrite(im.out.data, 1, im.out.len, stderr);
		pn_error_set(err, EX_CONFIG, _("--import: nothing usable in %s"), path);
		code = pn_fail(err);
	}
	pn_import_free(&im);
	pn_free_wiped(text);
	free(path);
	return code;
}
