/* fuzz_rcfile.c - libFuzzer target for the msmtprc parser (rcfile.c).
 *
 * pn_config_load reads a file, so the input is written to one file in a
 * directory made with mkdtemp (under $TMPDIR) the first time and reused for
 * every input of the process; both are removed at exit.  Each input is
 * loaded as the system file and then, into the same configuration, as the
 * user file (so merging same-named accounts runs too), and once more alone
 * as the user file.  Every account found is looked at (port, auth, find by
 * name) and everything is freed, so LeakSanitizer sees a leak.
 */
#include "rcfile.h"
#include "invariants.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[4096];
static char path[4200];

/* cleanup - remove the file and its directory */
static void cleanup(void)
{
	if (path[0])
		unlink(path);
	if (dir[0])
		rmdir(dir);
}

/* setup - the directory and the file name, once per process */
static void setup(void)
{
	if (path[0])
		return;
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/postern-fuzz-config.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("fuzz_rcfile: mkdtemp");
		abort();
	}
	snprintf(path, sizeof(path), "%s/postern.rc", dir);
	atexit(cleanup);
}

/* write_input - the input becomes the file's whole content, mode 0600 */
static void write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("fuzz_rcfile: open");
		abort();
	}
	fchmod(fd, 0600);
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			perror("fuzz_rcfile: write");
			abort();
		}
		off += (size_t)w;
	}
	close(fd);
}

/* look - use every account the way send.c does */
static void look(const struct pn_config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++) {
		const struct pn_account *a = cfg->acc[i];
		if (!a || !a->name)
			fuzz_fail("an account without a name", i);
		if (pn_config_find(cfg, a->name) == NULL)
			fuzz_fail("pn_config_find misses a loaded account", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->acc[j]->name, a->name) == 0)
				fuzz_fail("two accounts with the same name after merging", i);
		int port = pn_account_port(a);
		if (port < 1 || port > 65535)
			fuzz_fail("port out of range", (size_t)port);
		int auth = pn_account_auth(a);
		if (auth < PN_AUTH_OFF || auth > PN_AUTH_CRAM_MD5)
			fuzz_fail("auth setting out of range", (size_t)auth);
		if (a->protocol != PN_PROTO_SMTP && a->protocol != PN_PROTO_LMTP)
			fuzz_fail("protocol out of range", (size_t)a->protocol);
		if (a->retry < 0 || a->retry_delay < 0 || a->retry_max_time < 0 || a->timeout < 0)
			fuzz_fail("negative count", i);
		/* the strings must be readable to their end */
		const char *s[] = {a->host, a->from, a->domain, a->user, a->password, a->passwordeval,
				   a->tls_trust_file, a->logfile, a->aliases, a->maildomain, a->dsn_notify,
				   a->dsn_return, a->logfile_time_format, a->default_for, a->dead_letter, a->file};
		size_t total = 0;
		for (size_t k = 0; k < PN_ARRAY_LEN(s); k++)
			total += s[k] ? strlen(s[k]) : 0;
		(void)total;
	}
	(void)pn_config_find(cfg, "default");
	(void)pn_config_find(cfg, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	write_input(data, size);

	struct pn_config cfg;
	struct pn_error err;
	pn_config_init(&cfg, "/home/fuzz");
	cfg.no_eval = true; /* an input must never run a command */
	pn_error_init(&err);
	bool ok = pn_config_load(&cfg, path, true, &err);
	if (!ok && !pn_error_isset(&err))
		fuzz_fail("the system file failed without an error", 0);
	look(&cfg);
	pn_error_init(&err);
	ok = pn_config_load(&cfg, path, false, &err);
	if (!ok && !pn_error_isset(&err))
		fuzz_fail("the user file failed without an error", 0);
	look(&cfg);
	pn_config_free(&cfg);

	pn_config_init(&cfg, NULL); /* no home: "~" stays as it is */
	cfg.no_eval = true;
	pn_error_init(&err);
	if (!pn_config_load(&cfg, path, false, &err) && !pn_error_isset(&err))
		fuzz_fail("the user file failed without an error", 0);
	look(&cfg);
	pn_config_free(&cfg);
	return 0;
}
