/* deadletter.c - dead letters in a Maildir (see deadletter.h).
 *
 * The sidecar DIR/postern/NAME holds lines "key=value": date, account,
 * from, one rcpt= per recipient, exitcode, error.  A Maildir reader that
 * moves the message to cur/ and adds flags (":2,S") keeps it findable: the
 * sidecar is looked up by the part of the name before ':'.
 */
#include "deadletter.h"

#include "buf.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define SIDECAR_MAX (4 * 1024 * 1024)

/* write_sink - blocks into an fd */
static bool write_sink(void *ctx, const char *p, size_t n, struct pn_error *err)
{
	if (pn_write_all(*(int *)ctx, p, n))
		return true;
	pn_error_errno(err, EX_CANTCREAT, errno, _("cannot write the dead letter"));
	return false;
}

/* make_dirs - DIR, DIR/tmp, DIR/new, DIR/cur, DIR/postern */
static bool make_dirs(const char *dir, struct pn_error *err)
{
	static const char *const subs[] = {"", "/tmp", "/new", "/cur", "/postern"};
	for (size_t i = 0; i < PN_ARRAY_LEN(subs); i++) {
		char *d = pn_xasprintf("%s%s", dir, subs[i]);
		int r = mkdir(d, 0700);
		int e = errno;
		free(d);
		if (r < 0 && e != EEXIST) {
			pn_error_errno(err, EX_CANTCREAT, e, _("cannot create the dead letter folder %s"), dir);
			return false;
		}
	}
	return true;
}

/* unique - a Maildir file name: time.Ppid_Rrandom.host */
static char *unique(void)
{
	unsigned int r = 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)clock();
	char host[256] = "localhost";
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (char *h = host; *h; h++)
		if (*h == '/' || *h == ':')
			*h = '_';
	return pn_xasprintf("%lld.P%ldR%08x.%s", (long long)time(NULL), (long)getpid(), r, host);
}

/* sync_dir - make a rename in dir durable */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* put_file - write through sink into DIR/tmp/NAME, fsync, rename to DEST */
static bool put_file(const char *dir, const char *name, const char *dest,
		     bool (*fill)(int fd, const void *ctx, struct pn_error *err), const void *ctx,
		     struct pn_error *err)
{
	char *tmp = pn_xasprintf("%s/tmp/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	bool ok = fd >= 0;
	if (!ok)
		pn_error_errno(err, EX_CANTCREAT, errno, _("cannot create %s"), tmp);
	ok = ok && fill(fd, ctx, err);
	if (ok && fsync(fd) < 0) {
		pn_error_errno(err, EX_CANTCREAT, errno, _("cannot write %s"), tmp);
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	if (ok && rename(tmp, dest) < 0) {
		pn_error_errno(err, EX_CANTCREAT, errno, _("cannot move the dead letter to %s"), dest);
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok;
}

/* fill_message - the raw input */
static bool fill_message(int fd, const void *ctx, struct pn_error *err)
{
	return pn_message_raw(ctx, write_sink, &fd, err);
}

/* fill_sidecar - the key=value lines */
static bool fill_sidecar(int fd, const void *ctx, struct pn_error *err)
{
	const struct pn_dead_info *i = ctx;
	struct pn_buf b;
	pn_buf_init(&b, SIDECAR_MAX);
	time_t now = time(NULL);
	char date[64];
	struct tm tm;
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&now, &tm));
	bool ok = pn_buf_printf(&b, "date=%s\naccount=%s\n", date, i->account);
	if (ok && i->from) /* none: the account's sender on resend */
		ok = pn_buf_printf(&b, "from=%s\n", i->from);
	for (size_t k = 0; ok && k < i->rcpt.n; k++)
		ok = pn_buf_printf(&b, "rcpt=%s\n", i->rcpt.addr[k]);
	for (size_t k = 0; ok && !i->rcpt.n && k < i->args.n; k++)
		ok = pn_buf_printf(&b, "arg=%s\n", i->args.addr[k]);
	if (ok && !i->rcpt.n && i->read_recipients)
		ok = pn_buf_addstr(&b, "read_recipients=yes\n");
	ok = ok && pn_buf_printf(&b, "exitcode=%s\nerror=%s\n", pn_exit_name(i->code), i->error);
	if (ok)
		ok = write_sink(&fd, b.data, b.len, err);
	else
		pn_error_set(err, EX_CANTCREAT, _("too many recipients to keep"));
	pn_buf_free(&b);
	return ok;
}

bool pn_dead_keep(const char *dir, const struct pn_message *m, const struct pn_dead_info *info, char **path,
		  struct pn_error *err)
{
	*path = NULL;
	if (!make_dirs(dir, err))
		return false;
	char *name = unique();
	char *msg = pn_xasprintf("%s/new/%s", dir, name);
	char *side = pn_xasprintf("%s/postern/%s", dir, name);
	/* the sidecar first: a message in new/ always has its envelope */
	bool ok = put_file(dir, name, side, fill_sidecar, info, err) && put_file(dir, name, msg, fill_message, m, err);
	if (ok) {
		char *sub = pn_xasprintf("%s/new", dir);
		sync_dir(sub);
		free(sub);
		sub = pn_xasprintf("%s/postern", dir);
		sync_dir(sub);
		free(sub);
		*path = msg;
	} else {
		unlink(side);
		free(msg);
	}
	free(side);
	free(name);
	return ok;
}

/* sidecar_of - DIR/postern/NAME for DIR/new/NAME or DIR/cur/NAME:2,FLAGS */
static char *sidecar_of(const char *path)
{
	char *copy = pn_xstrdup(path), *copy2 = pn_xstrdup(path);
	char *base = basename(copy);
	base[strcspn(base, ":")] = '\0';
	char *dir = dirname(dirname(copy2));
	char *side = pn_xasprintf("%s/postern/%s", dir, base);
	free(copy);
	free(copy2);
	return side;
}

/* take_line - one "key=value" line into info */
static void take_line(struct pn_dead_info *info, const char *line)
{
	const char *v = strchr(line, '=');
	if (!v)
		return;
	size_t k = (size_t)(v++ - line);
	if (k == 7 && strncmp(line, "account", k) == 0)
		info->account = pn_xstrdup(v);
	else if (k == 4 && strncmp(line, "from", k) == 0)
		info->from = pn_xstrdup(v);
	else if (k == 4 && strncmp(line, "rcpt", k) == 0)
		pn_addrlist_add(&info->rcpt, v);
	else if (k == 3 && strncmp(line, "arg", k) == 0)
		pn_addrlist_add(&info->args, v);
	else if (k == 15 && strncmp(line, "read_recipients", k) == 0)
		info->read_recipients = strcmp(v, "yes") == 0;
}

bool pn_dead_load(const char *path, struct pn_dead_info *info, struct pn_error *err)
{
	memset(info, 0, sizeof(*info));
	pn_addrlist_init(&info->rcpt);
	pn_addrlist_init(&info->args);
	char *side = sidecar_of(path);
	FILE *f = fopen(side, "re");
	if (!f) {
		pn_error_errno(err, EX_NOINPUT, errno, _("cannot read %s, the envelope of %s"), side, path);
		free(side);
		return false;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		take_line(info, line);
	}
	free(line);
	fclose(f);
	bool ok = info->account && (info->rcpt.n || info->args.n || info->read_recipients);
	if (!ok)
		pn_error_set(err, EX_DATAERR, _("%s does not hold a complete envelope"), side);
	free(side);
	return ok;
}

void pn_dead_forget(const char *path)
{
	char *side = sidecar_of(path);
	unlink(path);
	unlink(side);
	free(side);
}

void pn_dead_info_free(struct pn_dead_info *info)
{
	free(info->account);
	free(info->from);
	free(info->error);
	pn_addrlist_free(&info->rcpt);
	pn_addrlist_free(&info->args);
}
