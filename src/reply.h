/* reply.h - SMTP reply parsing: multi-line replies and enhanced codes.
 *
 * RFC 5321 4.2 (reply lines "250-..." then "250 ..."), RFC 2034/3463
 * (enhanced status codes).  Feed the reply one line at a time; a line that
 * breaks the grammar, or a reply larger than its bound, is malformed.
 */
#ifndef POSTERN_REPLY_H
#define POSTERN_REPLY_H

#include "buf.h"

#define PN_REPLY_LINE_MAX 2048  /* one reply line (RFC: 512; servers exceed it) */
#define PN_REPLY_MAX 65536      /* one whole reply */

enum pn_reply_state { PN_REPLY_MORE, PN_REPLY_DONE, PN_REPLY_BAD };

struct pn_reply {
	int code;          /* 0 until the first line */
	char enhanced[16]; /* "2.0.0" or "" */
	struct pn_buf text; /* the lines' text after "NNN-" / "NNN ", joined by '\n' */
	size_t lines;
};

void pn_reply_init(struct pn_reply *r);
void pn_reply_reset(struct pn_reply *r);
void pn_reply_free(struct pn_reply *r);
enum pn_reply_state pn_reply_feed(struct pn_reply *r, const char *line, size_t len);

/* pn_reply_oneline - "535 5.7.8 text / more text" in out, for messages */
void pn_reply_oneline(const struct pn_reply *r, char *out, size_t size);

#endif
