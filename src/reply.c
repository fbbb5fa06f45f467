/* reply.c - SMTP reply parser (see reply.h). */
#include "reply.h"

#include "error.h"
#include "escape.h"

#include <stdio.h>
#include <string.h>

void pn_reply_init(struct pn_reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->lines = 0;
	pn_buf_init(&r->text, PN_REPLY_MAX);
}

void pn_reply_reset(struct pn_reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->lines = 0;
	pn_buf_reset(&r->text);
}

void pn_reply_free(struct pn_reply *r)
{
	pn_buf_free(&r->text);
}

/* digits - count of leading decimal digits, at most max */
static size_t digits(const char *s, size_t n, size_t max)
{
	size_t i = 0;
	while (i < n && i <= max && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* parse_enhanced - "c.sss.ddd" at the start of text, class matching code */
static void parse_enhanced(struct pn_reply *r, const char *s, size_t n)
{
	size_t end = pn_enhanced_parse(s, n, r->code / 100);
	if (end && end < sizeof(r->enhanced)) {
		memcpy(r->enhanced, s, end);
		r->enhanced[end] = '\0';
	}
}

/* pn_reply_feed - one line of a reply, without its CRLF */
enum pn_reply_state pn_reply_feed(struct pn_reply *r, const char *line, size_t len)
{
	if (len < 3 || digits(line, len, 3) != 3 || line[0] < '2' || line[0] > '5' ||
	    (len > 3 && line[3] != ' ' && line[3] != '-'))
		return PN_REPLY_BAD;
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->lines && code != r->code)
		return PN_REPLY_BAD;
	const char *text = len > 4 ? line + 4 : "";
	size_t tlen = len > 4 ? len - 4 : 0;
	if (!r->lines) {
		r->code = code;
		parse_enhanced(r, text, tlen);
	}
	if ((r->lines && !pn_buf_append(&r->text, "\n", 1)) || !pn_buf_append(&r->text, text, tlen))
		return PN_REPLY_BAD;
	r->lines++;
	return (len > 3 && line[3] == '-') ? PN_REPLY_MORE : PN_REPLY_DONE;
}

/* pn_reply_oneline - see reply.h */
void pn_reply_oneline(const struct pn_reply *r, char *out, size_t size)
{
	if (size < 8) {
		if (size)
			out[0] = '\0';
		return;
	}
	size_t o = (size_t)snprintf(out, size, "%d ", r->code);
	const char *t = r->text.data ? r->text.data : "";
	for (; *t && o + 4 < size; t++) {
		if (*t == '\n') {
			memcpy(out + o, " / ", 3);
			o += 3;
		} else if ((unsigned char)*t >= 0x80) {
			/* what the server sent may reach a terminal: valid UTF-8 only */
			size_t n = pn_utf8_len((const unsigned char *)t, 4); /* NUL-terminated */
			if (n && o + n + 4 < size) {
				memcpy(out + o, t, n);
				o += n;
				t += n - 1;
			} else {
				out[o++] = '?';
			}
		} else {
			out[o++] = ((unsigned char)*t < 0x20 || *t == 0x7f) ? '?' : *t;
		}
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o < size ? o : size - 1] = '\0';
}
