/* message.h - the message read from standard input.
 *
 * The whole input is read before any connection is made: in memory up to a
 * small bound, then spilled to an unlinked temporary file, so memory stays
 * flat, stdin is always drained and the size is known exactly.  An input
 * that is a regular file (sendmail < report) is read where it is: it is
 * scanned once, and read again at its offsets to send it, never copied.  The header
 * block is parsed (bounded to 1 MiB), recipients are taken from To/Cc/Bcc for
 * -t, Bcc is removed from what is transmitted, and the body is streamed to
 * the server canonicalized and dot-stuffed (canon.h).
 */
#ifndef POSTERN_MESSAGE_H
#define POSTERN_MESSAGE_H

#include "address.h"
#include "buf.h"

#include <sys/types.h>

struct pn_field {
	size_t off, len;  /* the whole field, continuation lines and line end included */
	size_t name_len;
	size_t value_off; /* after the ':' (RFC 5322 4.5: "Bcc :" has blanks before it) */
	bool drop;        /* not transmitted */
};

struct pn_message {
	struct pn_buf mem;   /* the input, up to the in-memory bound */
	int spill_fd;        /* the rest of the input, or -1 */
	off_t spill_len;
	int file_fd;         /* the input is this regular file (not ours to close), or -1 */
	off_t file_off;      /* where the message starts in it */
	size_t raw_len;      /* bytes of the message (up to the end or the "." line) */
	struct pn_buf head;  /* the header block as read */
	size_t body_off;     /* where the body starts in the input */
	struct pn_field *fields;
	size_t nfields;
	struct pn_buf added; /* header lines postern adds */
	size_t size;         /* canonical octets to be sent, for SIZE= */
	bool eightbit;       /* some byte is >= 0x80 */
	bool nul;            /* the body holds a NUL byte (mime.c encodes it) */
	bool binary;         /* a part says Content-Transfer-Encoding: binary:
			      * only BDAT with BODY=BINARYMIME can carry it */
	bool lost;           /* the input was read, but not all of it could be stored */
};

typedef bool (*pn_sink)(void *ctx, const char *p, size_t n, struct pn_error *err);

/* pn_eightbit - some byte of p[0..n) is >= 0x80 */
bool pn_eightbit(const char *p, size_t n);

/* pn_message_read - read fd to its end.  ignore_dots: -i; without it a line
 * holding only "." ends the message (and the rest of the input is read and
 * discarded).  fallback: a folder (the account's dead_letter) whose tmp/
 * takes the spill file when $TMPDIR cannot, or NULL.  A NUL byte in the
 * body sets m->nul; 65 for a NUL byte in the header block or a header
 * block over 1 MiB, 74 for a read error, or when no spill file can
 * be made or written: the input is then still read to its end (the caller
 * gets no SIGPIPE) and m->lost tells that m is incomplete (pn_message_raw
 * fails on it). */
bool pn_message_read(struct pn_message *m, int fd, bool ignore_dots, const char *fallback,
		     struct pn_error *err) PN_WUR;
void pn_message_free(struct pn_message *m);

/* pn_message_tmpfile - an unlinked read-write temporary file in $TMPDIR
 * (else /tmp), mode 0600; -1 with err set (74) when none can be made */
int pn_message_tmpfile(struct pn_error *err);

/* pn_message_header - unfolded value of the first field with this name;
 * NULL if there is none.  Free the result. */
char *pn_message_header(const struct pn_message *m, const char *name);

/* pn_message_recipients - the addresses of every To, Cc and Bcc field; when
 * the message has Resent- fields, of Resent-To, Resent-Cc and Resent-Bcc
 * instead (RFC 5322 3.6.6, as sendmail does) */
bool pn_message_recipients(const struct pn_message *m, struct pn_addrlist *out,
			   struct pn_error *err) PN_WUR;

/* pn_message_sender - the address in the first From or Resent-From field
 * (msmtp's rule for %F and --read-envelope-from: Resent-From when it comes
 * before any From); NULL when there is none, or it is no address.  Free
 * the result. */
char *pn_message_sender(const struct pn_message *m);

/* pn_message_drop - do not transmit fields with this name (e.g. Bcc) */
void pn_message_drop(struct pn_message *m, const char *name);

/* pn_message_raw - the input exactly as it was read, in blocks to sink;
 * 74 when it could not all be stored (m->lost) */
bool pn_message_raw(const struct pn_message *m, pn_sink sink, void *ctx, struct pn_error *err) PN_WUR;

/* pn_message_canon - the transmitted message, canonical, not dot-stuffed
 * and without the end of data (what SIZE counts, what mime.c walks) */
bool pn_message_canon(const struct pn_message *m, pn_sink sink, void *ctx, struct pn_error *err) PN_WUR;

/* pn_message_encode_words - text (UTF-8) appended to out as RFC 2047
 * encoded-words ("=?utf-8?B?...?="), each of whole characters, folded
 * between words */
bool pn_message_encode_words(struct pn_buf *out, const char *text) PN_WUR;

/* pn_message_prepare - compute the size of what will be sent; for a
 * message with 8-bit or NUL bytes, m->binary (mime.h) */
bool pn_message_prepare(struct pn_message *m, struct pn_error *err) PN_WUR;

/* pn_message_stream - the transmitted message, canonical and dot-stuffed,
 * ending in CRLF "." CRLF, in blocks passed to sink */
bool pn_message_stream(const struct pn_message *m, pn_sink sink, void *ctx,
		       struct pn_error *err) PN_WUR;


enum pn_hdr { PN_HDR_AUTO, PN_HDR_ON, PN_HDR_OFF };
/* set_to_header (and msmtp's older undisclosed_recipients) */
enum pn_to { PN_TO_OFF, PN_TO_ON, PN_TO_UNDISCLOSED };

/* the header rewrite msmtp's commands ask for */
struct pn_rewrite {
	const char *from;     /* envelope sender, for an added From */
	const char *fullname; /* -F, else from_full_name */
	const char *hostname; /* right side of an added Message-ID */
	int from_header;      /* auto: add if missing; on: replace; off: never */
	int date_header;      /* auto or off */
	int msgid_header;     /* auto or off */
	bool remove_bcc;      /* drop Bcc and Resent-Bcc */
	int to_header;        /* PN_TO_ON, PN_TO_UNDISCLOSED: drop To, Cc, Bcc and
			       * add "To:" with the recipients, or
			       * "To: undisclosed-recipients:;" */
	const struct pn_addrlist *rcpt; /* the recipients, for PN_TO_ON */
	bool smtputf8;        /* it goes out with SMTPUTF8: a non-ASCII full
			       * name is written as it is, else RFC 2047-encoded */
};

/* pn_message_rewrite - apply rw to the transmitted copy */
bool pn_message_rewrite(struct pn_message *m, const struct pn_rewrite *rw, struct pn_error *err) PN_WUR;

/* pn_message_complete - add the From, Date and Message-ID fields that are
 * missing (msmtp's "auto" behaviour): From from the envelope sender and the
 * -F full name (RFC 2047-encoded when it is not ASCII).  65 when the full
 * name holds a line break. */
bool pn_message_complete(struct pn_message *m, const char *from, const char *fullname,
			 const char *hostname, struct pn_error *err) PN_WUR;
#endif
