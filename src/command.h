/* command.h - run a command of the configuration (passwordeval, eval) and
 * take the first line of what it prints.
 *
 * The command goes to /bin/sh through a sealed memory file read as fd 3,
 * never through an argv that ps shows; stdin is /dev/null; it runs in its
 * own process group, killed with its children when it overruns the bound.
 * SECURITY: the output may be a password: the caller wipes buf.
 */
#ifndef POSTERN_COMMAND_H
#define POSTERN_COMMAND_H

#include "common.h"

enum pn_command_result { PN_COMMAND_OK, PN_COMMAND_NOT_RUN, PN_COMMAND_TIMEOUT, PN_COMMAND_FAILED };

/* pn_command_line - run cmd (clean_env: only PATH=/usr/bin:/bin and
 * LC_ALL=C, and sh -p to keep a set-group-ID group) for at most timeout_s
 * seconds (0: no bound); buf (size bytes) gets the first line of its
 * output; *status the exit status when it FAILED.  NOT_RUN: errno says why */
enum pn_command_result pn_command_line(const char *cmd, bool clean_env, int timeout_s, char *buf, size_t size,
				       int *status);

#endif
