# 42-eightbit.sh - 8-bit messages for a server without 8BITMIME, and NUL
# bytes (issue 16, items 1 and 7): what arrives is 7-bit, decodes to what
# was sent, and what cannot be converted is refused (65) and kept.
# The server without 8BITMIME is tests/faultsmtp.py with its "caps" list;
# the NUL checks go through the Postfix smarthost, which offers 8BITMIME.

EB="$WORK/eightbit"
EB_PY="$top_srcdir/tests/faultsmtp.py"
EB_N=0
EB_PID=
mkdir -p "$EB"
EB_CAPS='{"caps": ["PIPELINING", "SIZE 10000000", "ENHANCEDSTATUSCODES"]}'

# eb_listening - the server in EB_DIR wrote its port, or has ended
eb_listening() {
	[ -s "$EB_DIR/port" ] || ! kill -0 "$EB_PID" 2>/dev/null
}

# eb_serve - a faultsmtp.py without 8BITMIME; sets EB_DIR, EB_PORT, EB_RC
eb_serve() {
	EB_N=$((EB_N + 1))
	EB_DIR="$EB/$EB_N"
	mkdir -p "$EB_DIR"
	python3 -S "$EB_PY" --port-file "$EB_DIR/port" --log "$EB_DIR/log" --max-seconds 120 \
		--message-dir "$EB_DIR" "$EB_CAPS" >"$EB_DIR/server.out" 2>"$EB_DIR/server.err" &
	EB_PID=$!
	wait_until "$WAIT_S" eb_listening || true
	EB_PORT=$(cat "$EB_DIR/port" 2>/dev/null || echo 9)
	EB_RC="$EB_DIR/rc"
	printf 'account default\nhost 127.0.0.1\nport %s\nfrom alice@postern.test\ntls off\nauth off\ntimeout 30\n%s\n' \
		"$EB_PORT" "${1:-}" >"$EB_RC"
	chmod 600 "$EB_RC"
}

# eb_stop - end the server (by its pid)
eb_stop() {
	kill -TERM "$EB_PID" 2>/dev/null || true
	wait "$EB_PID" 2>/dev/null || true
}

# eb_seven FILE - no byte above 127 and no NUL in FILE (which must exist)
eb_seven() {
	inspectable "$1" || return 1
	! LC_ALL=C grep -qaP '[\x00\x80-\xff]' "$1"
}

# eb_decoded FILE PART - the decoded body of the PART-th leaf part (0: the
# first) of the message in FILE, as bytes on stdout
eb_decoded() {
	python3 -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
parts = [p for p in m.walk() if not p.is_multipart()]
sys.stdout.buffer.write(parts[int(sys.argv[2])].get_payload(decode=True))' "$1" "$2"
}

# eb_header FILE NAME - the decoded value of header NAME
eb_header() {
	python3 -c '
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(str(email.header.make_header(email.header.decode_header(m[sys.argv[2]]))))' "$1" "$2"
}

# a UTF-8 text message without MIME headers, with a trailing blank, "=",
# a long line and a line holding only "."
{
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: gr\xc3\xbc\xc3\x9fe \xe2\x82\xac\n\n'
	printf 'Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln = 100 \xe2\x82\xac \n.\n'
	for i in 1 2 3 4 5 6 7 8; do printf '\xc3\xa9t\xc3\xa9 d\xc3\xa9j\xc3\xa0 '; done
	printf '\nlast line\n'
} >"$EB/utf8.msg"
sed -n '/^$/,$p' "$EB/utf8.msg" | tail -n +2 >"$EB/utf8.body"

eb_serve
run_postern "$EB/utf8.msg" -C "$EB_RC" -t
eb_stop
expect_rc 0 "an 8-bit UTF-8 message to a server without 8BITMIME"
got="$EB_DIR/1.msg"
check "what arrived has no byte above 127" eb_seven "$got"
check "it says quoted-printable" has '^Content-Transfer-Encoding: quoted-printable' "$got"
check "it names its charset utf-8" has '^Content-Type: text/plain; charset=utf-8' "$got"
check "its lines are at most 76 characters" test "$(tr -d '\r' <"$got" | awk 'length > 76' | wc -l)" = 0
check "its body decodes to the exact original" cmp -s <(eb_decoded "$got" 0) "$EB/utf8.body"
check "its Subject decodes to the original" test "$(eb_header "$got" Subject)" = "$(printf 'gr\xc3\xbc\xc3\x9fe \xe2\x82\xac')"
check "MAIL FROM has no BODY=8BITMIME" lacks 'BODY=8BITMIME' "$EB_DIR/log"
size=$(grep -ao 'SIZE=[0-9]*' "$EB_DIR/log" | head -n 1 | cut -d= -f2)
check "SIZE= announces the converted size" test "$size" = "$(wc -c <"$got")"

# a multipart: an 8-bit text part and a base64 attachment
{
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: report\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed;\n\tboundary="==eb 42=="\n\nThis is a MIME message.\n\n'
	printf -- '--==eb 42==\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
	printf 'R\xc3\xa9sum\xc3\xa9: tout va bien.\n'
	printf -- '--==eb 42==\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n'
	printf 'Content-Disposition: attachment; filename="data.bin"\n\n'
	head -c 3000 /dev/urandom >"$EB/data.bin"
	base64 "$EB/data.bin"
	printf -- '--==eb 42==--\n'
} >"$EB/multi.msg"
eb_serve
run_postern "$EB/multi.msg" -C "$EB_RC" -t
eb_stop
expect_rc 0 "a multipart with an 8-bit text part and a base64 attachment"
got="$EB_DIR/1.msg"
check "the multipart arrived 7-bit" eb_seven "$got"
check "its text part decodes to the original" test "$(eb_decoded "$got" 0)" = "$(printf 'R\xc3\xa9sum\xc3\xa9: tout va bien.')"
check "its attachment is the same bytes" cmp -s <(eb_decoded "$got" 1) "$EB/data.bin"
check "the attachment stays base64, as it was" test "$(grep -c '^Content-Transfer-Encoding: base64' "$got")" = 1

# a binary part cannot be converted: 65, and kept in dead_letter
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: bin\nMIME-Version: 1.0\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n\xff\xfe\x01binary\n' >"$EB/binary.msg"
eb_serve "dead_letter $EB/dead"
run_postern "$EB/binary.msg" -C "$EB_RC" -t
eb_stop
expect_rc 65 "a binary part for a server without 8BITMIME"
expect_err "Content-Transfer-Encoding: binary.*kept in $EB/dead/new/" "the error says why, and where it was kept"
expect_one_line "one line on stderr"
check "nothing reached the server" test ! -e "$EB_DIR/1.msg"
kept=$(grep -l 'Subject: bin' "$EB"/dead/new/* 2>/dev/null | head -n 1)
check "the binary message is kept byte for byte" cmp -s "$kept" "$EB/binary.msg"

# an 8-bit byte in a structured header field cannot be encoded: 65
printf 'From: J\xc3\xb6rg <alice@postern.test>\nTo: bob@postern.test\nSubject: x\n\nbody\n' >"$EB/from8.msg"
eb_serve
run_postern "$EB/from8.msg" -C "$EB_RC" -t
eb_stop
expect_rc 65 "an 8-bit From for a server without 8BITMIME or SMTPUTF8"
expect_err "header field From holds 8-bit" "the error names the field"

# cron output with NUL bytes, through the Postfix smarthost (it offers
# 8BITMIME: a NUL goes encoded all the same)
RC_EB=$(config eightbit)
fresh
printf 'From: root (Cron Daemon)\nTo: bob@postern.test\nSubject: Cron <root@host> job\n\n' >"$EB/cron.msg"
printf 'a\0b\nend\n' >>"$EB/cron.msg"
run_postern_pipe "$EB/cron.msg" -C "$RC_EB" -FCronDaemon -i -B8BITMIME -oem bob@postern.test
expect_rc 0 "cron output with a NUL byte is delivered"
f=$(wait_mail bob)
check "the NUL arrived as =00" body_has "$f" '^a=00b$'
check "the delivered message has no NUL and no 8-bit byte" eb_seven "$f"
check "it decodes to the original output" cmp -s <(eb_decoded "$f" 0) <(printf 'a\0b\nend\n')

# with 8BITMIME, 8-bit header fields stay as they were sent
fresh
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: r\xc3\xa9sum\xc3\xa9\n\nligne \xc3\xa9\0x\n' >"$EB/nul8.msg"
run_postern "$EB/nul8.msg" -C "$RC_EB" -t
expect_rc 0 "a NUL and 8-bit text to a server with 8BITMIME"
f=$(wait_mail bob)
check "the UTF-8 Subject arrived as it was" has "^Subject: $(printf 'r\xc3\xa9sum\xc3\xa9')\$" "$f"
check "the body arrived quoted-printable" body_has "$f" '^ligne =C3=A9=00x$'

# through a pipe, no final line end, as printf 'x\0y' | sendmail gives it
fresh
printf 'Subject: nul\n\nx\0y' >"$EB/printf.msg"
run_postern_pipe "$EB/printf.msg" -C "$RC_EB" bob@postern.test
expect_rc 0 "printf 'x\\0y' | sendmail"
f=$(wait_mail bob)
check "it arrived with =00" body_has "$f" '^x=00y$'

# a NUL in the header block: 65, kept in dead_letter
RC_EBD=$(config eightbitdl "dead_letter $EB/dead2")
printf 'Subject: nul\0here\nTo: bob@postern.test\n\nbody\n' >"$EB/nulhead.msg"
run_postern "$EB/nulhead.msg" -C "$RC_EBD" bob@postern.test
expect_rc 65 "a NUL in the header block"
expect_err "header block contains a NUL byte.*kept in $EB/dead2/new/" "the error says so and where it was kept"
kept=$(find "$EB/dead2/new" -type f 2>/dev/null | head -n 1)
check "the message is kept byte for byte" cmp -s "$kept" "$EB/nulhead.msg"
