/* regfile.h - opening a file named in the configuration (log file, rc
 * file, aliases, ~/.netrc) so that a FIFO or a device there is refused at
 * once: a plain open() of a FIFO blocks until someone opens its other end,
 * which for a cron job is forever, and before the message is even read.
 */
#ifndef POSTERN_REGFILE_H
#define POSTERN_REGFILE_H

#include "common.h"

#include <stdio.h>
#include <sys/types.h>

/* pn_open_regular - open(path, flags | O_CLOEXEC, mode) without blocking
 * (O_NONBLOCK while opening, cleared after); -1 with errno set when it
 * cannot be opened, or -1 with *odd set when it is not a regular file */
int pn_open_regular(const char *path, int flags, mode_t mode, bool *odd);

/* pn_fopen_regular - the same, for reading with stdio */
FILE *pn_fopen_regular(const char *path, bool *odd);

#endif
