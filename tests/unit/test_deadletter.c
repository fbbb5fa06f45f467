/* test_deadletter.c - the sidecar's escaping and strict parsing, and the
 * /tmp rules of a dead_letter folder (as far as one user can test them;
 * tests/cases/75-deadletter.sh has the other user). */
#include "deadletter.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static char dir[] = "/tmp/postern-dl.XXXXXX";

/* parse - text as a sidecar; the exit code of the refusal, 0 when taken */
static int parse(const char *text, struct pn_dead_info *info)
{
	struct pn_error err;
	pn_error_init(&err);
	bool ok = pn_dead_parse(text, strlen(text), "side", info, &err);
	tap_ok(ok || strstr(err.msg, "side") != NULL, "a refusal names the sidecar (%s)", err.msg);
	return ok ? 0 : err.code;
}

/* test_roundtrip - hostile values are escaped and come back as they were */
static void test_roundtrip(void)
{
	struct pn_dead_info in = {.account = "acc\nount=other", .from = "x@y\naccount=other\nrcpt=evil@postern.test"};
	pn_addrlist_init(&in.rcpt);
	pn_addrlist_init(&in.args);
	pn_addrlist_add(&in.args, "bob@x\nrcpt=evil@x");
	pn_addrlist_add(&in.args, "it's 'quoted' \\ \x1b");
	in.code = EX_DATAERR;
	in.error = "bad sender x@y\naccount=other";
	struct pn_buf b;
	pn_buf_init(&b, 1 << 20);
	tap_ok(pn_dead_format(&in, "2026-12-01T10:00:00+0000", &b), "format");
	tap_is_str(b.data,
		   "date=2026-12-01T10:00:00+0000\n"
		   "account='acc\\nount\\x3dother'\n"
		   "from='x@y\\naccount\\x3dother\\nrcpt\\x3devil@postern.test'\n"
		   "arg='bob@x\\nrcpt\\x3devil@x'\n"
		   "arg='it\\x27s \\x27quoted\\x27 \\\\ \\x1b'\n"
		   "exitcode=EX_DATAERR\n"
		   "error='bad sender x@y\\naccount\\x3dother'\n",
		   "each value is escaped: one key per line");
	struct pn_dead_info out;
	tap_is_int(parse(b.data, &out), 0, "what pn_dead_format writes is parsed");
	tap_is_str(out.account, in.account, "account back");
	tap_is_str(out.from, in.from, "from back");
	tap_is_int((long)out.rcpt.n, 0, "no rcpt was injected");
	tap_is_int((long)out.args.n, 2, "two recipient words");
	tap_is_str(out.args.n == 2 ? out.args.addr[1] : "", in.args.addr[1], "a word back");
	tap_is_str(out.error, in.error, "error back");
	pn_dead_info_free(&out);
	pn_addrlist_free(&in.args);
	pn_buf_free(&b);
}

/* test_strict - what pn_dead_format never writes is refused with 65 */
static void test_strict(void)
{
#define HEAD "date=d\naccount=a\n"
#define TAIL "exitcode=EX_TEMPFAIL\nerror='e'\n"
	static const struct {
		const char *what, *text;
		int want;
	} cases[] = {
		{"a complete sidecar", HEAD "from=f@x\nrcpt=b@x\nrcpt=c@x\n" TAIL, 0},
		{"recipients as given", HEAD "arg=b@x\nread_recipients=yes\n" TAIL, 0},
		{"an unknown key", HEAD "rcpt=b@x\nhost=evil\n" TAIL, EX_DATAERR},
		{"a duplicate account", HEAD "account=other\nrcpt=b@x\n" TAIL, EX_DATAERR},
		{"a duplicate from", HEAD "from=a@x\nfrom=b@x\nrcpt=b@x\n" TAIL, EX_DATAERR},
		{"a bad escape", HEAD "rcpt='b\\q@x'\n" TAIL, EX_DATAERR},
		{"a raw space", HEAD "rcpt=b@x y\n" TAIL, EX_DATAERR},
		{"an escaped NUL", HEAD "rcpt='b\\x00'\n" TAIL, EX_DATAERR},
		{"a line without =", HEAD "rcpt\n" TAIL, EX_DATAERR},
		{"an empty line", HEAD "\nrcpt=b@x\n" TAIL, EX_DATAERR},
		{"no end of line", HEAD "rcpt=b@x\n" "exitcode=EX_TEMPFAIL\nerror=e", EX_DATAERR},
		{"no account", "date=d\nrcpt=b@x\n" TAIL, EX_DATAERR},
		{"no error", HEAD "rcpt=b@x\nexitcode=EX_TEMPFAIL\n", EX_DATAERR},
		{"no recipients", HEAD TAIL, EX_DATAERR},
		{"rcpt and arg", HEAD "rcpt=b@x\narg=c@x\n" TAIL, EX_DATAERR},
		{"read_recipients=no", HEAD "read_recipients=no\n" TAIL, EX_DATAERR},
		{"a CR", HEAD "rcpt=b@x\r\n" TAIL, EX_DATAERR},
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++) {
		struct pn_dead_info info;
		tap_is_int(parse(cases[i].text, &info), cases[i].want, cases[i].what);
		pn_dead_info_free(&info);
	}
}

/* keep - a message kept in d; its path, or NULL with err set */
static char *keep(const char *d, struct pn_error *err)
{
	char in[300];
	snprintf(in, sizeof(in), "%s/input", dir);
	int fd = open(in, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (write(fd, "Subject: x\n\nbody\n", 17) != 17 || lseek(fd, 0, SEEK_SET) != 0)
		return NULL;
	struct pn_message m;
	pn_error_init(err);
	char *path = NULL;
	struct pn_dead_info info = {.account = "acc", .from = "f@x"};
	pn_addrlist_init(&info.rcpt);
	pn_addrlist_init(&info.args);
	pn_addrlist_add(&info.rcpt, "b@x");
	info.code = EX_TEMPFAIL;
	info.error = "down";
	if (pn_message_read(&m, fd, true, NULL, err)) {
		if (!pn_dead_keep(d, &m, &info, &path, err))
			path = NULL;
		pn_message_free(&m);
	}
	close(fd);
	pn_addrlist_free(&info.rcpt);
	return path;
}

/* load - pn_dead_load's exit code for path, 0 when it succeeds */
static int load(const char *path, struct pn_error *err)
{
	struct pn_dead_info info;
	pn_error_init(err);
	bool ok = pn_dead_load(path, &info, err);
	pn_dead_info_free(&info);
	return ok ? 0 : err->code;
}

/* test_folder - the rules the caller can check alone */
static void test_folder(void)
{
	struct pn_error err;
	char d[300], p[400];
	snprintf(d, sizeof(d), "%s/dead", dir);
	char *kept = keep(d, &err);
	tap_ok(kept != NULL, "a private folder is made and used (%s)", err.msg);
	tap_is_int(kept ? load(kept, &err) : -1, 0, "and its message is loaded again");
	snprintf(p, sizeof(p), "%s/x/y", d);
	tap_is_int(load(p, &err), EX_NOINPUT, "a path outside new/ and cur/ is refused");

	chmod(d, 0777);
	tap_ok(keep(d, &err) == NULL && err.code == EX_CONFIG, "a folder others can write, not sticky: refused");
	tap_is_int(kept ? load(kept, &err) : -1, EX_CONFIG, "... also for --resend");
	chmod(d, 01777);
	char *k2 = keep(d, &err);
	tap_ok(k2 != NULL, "a sticky folder others can write is used (%s)", err.msg);
	free(k2);

	snprintf(p, sizeof(p), "%s/new", d);
	chmod(p, 0770);
	tap_is_int(kept ? load(kept, &err) : -1, EX_CONFIG, "a subfolder others can write is refused");
	chmod(p, 0700);
	char side[400];
	snprintf(side, sizeof(side), "%s/postern/%s", d, kept ? strrchr(kept, '/') + 1 : "");
	chmod(side, 0622);
	tap_is_int(kept ? load(kept, &err) : -1, EX_CONFIG, "a sidecar others can write is refused");
	chmod(side, 0600);

	snprintf(p, sizeof(p), "%s/cur", d);
	rmdir(p);
	tap_ok(symlink(dir, p) == 0, "cur/ replaced by a symbolic link");
	tap_ok(keep(d, &err) == NULL && strstr(err.msg, "symbolic link"), "a linked subfolder is refused: %s", err.msg);
	unlink(p);

	if (kept)
		unlink(kept);
	tap_ok(kept && mkfifo(kept, 0600) == 0, "the message replaced by a FIFO");
	tap_is_int(kept ? load(kept, &err) : -1, EX_CONFIG, "a FIFO is refused at once, not waited on");
	free(kept);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	test_roundtrip();
	test_strict();
	test_folder();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 99;
	return tap_done();
}
