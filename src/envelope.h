/* envelope.h - the envelope of one message: sender and recipients.
 *
 * Recipients are the argv address lists, plus the message's To/Cc/Bcc (or
 * Resent-*) with -t, each once; local names go through the aliases file,
 * then are qualified with maildomain or sent as written.  Each address is kept as
 * given and with its domain as A-labels (IDNA2008), for servers without
 * SMTPUTF8.
 */
#ifndef POSTERN_ENVELOPE_H
#define POSTERN_ENVELOPE_H

#include "account.h"
#include "aliases.h"
#include "message.h"

struct pn_envelope_store {
	char *from, *from_ascii, *utf8_addr;
	struct pn_addrlist rcpt, rcpt_ascii;
	struct pn_envelope env; /* views of the above, for smtp.c */
};

/* what an envelope is made of, as the caller has it */
struct pn_envelope_in {
	const char *from;                /* -f or MAIL FROM ("" or "<>": the null
					  * sender); NULL: the account's */
	char *const *words;              /* argv recipient words, each an
					  * address list (cron: "a@x,b@y") ... */
	size_t nwords;
	const struct pn_addrlist *addrs; /* ... or addresses parsed already
					  * (-bs RCPT TO), taken as they are */
	bool read_recipients;            /* -t: and the message's To, Cc, Bcc */
	bool read_envelope_from;         /* --read-envelope-from: the sender is
					  * the address of the From header,
					  * as if given with -f */
	const struct pn_aliases *aliases; /* the account's, when the caller
					  * loaded them (-bs: once a session);
					  * NULL: read here if it has a file */
};

/* pn_envelope_build - m may be NULL (no -t: -bv, -bs RCPT) */
bool pn_envelope_build(struct pn_envelope_store *e, const struct pn_envelope_in *in, const struct pn_account *a,
		       const struct pn_identity *id, const struct pn_message *m, struct pn_error *err) PN_WUR;
void pn_envelope_free(struct pn_envelope_store *e);

#endif
