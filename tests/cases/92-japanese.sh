# 92-japanese.sh - postern in Japanese (LANGUAGE=ja): one failure of each
# kind says what failed in Japanese, and the server's own words, the file
# names and the values to paste (a fingerprint) stay exactly as they were.
# The binary under test is the build tree's: its catalogue is made here
# from po/ja.po and found through POSTERN_LOCALEDIR (src/i18n.c), which a
# set-group-ID postern must ignore (checked last).

JA=$WORK/ja
mkdir -p "$JA/locale/ja/LC_MESSAGES"
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: ja\n\nnihongo\n' >"$JA/msg"
check "ja: po/ja.po compiles (msgfmt -c)" msgfmt -c -o "$JA/locale/ja/LC_MESSAGES/postern.mo" "$top_srcdir/po/ja.po"

# ja_run ARGS... - a send of the test message in Japanese (C.UTF-8: glibc
# takes LANGUAGE only in a locale other than C, and ja_JP need not exist)
ja_run() {
	local saved=$POSTERN
	POSTERN=$JA/run
	run_postern "$JA/msg" "$@"
	POSTERN=$saved
}
cat >"$JA/run" <<SH
#!/bin/sh
exec env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 LANGUAGE=ja POSTERN_LOCALEDIR="$JA/locale" "\$JA_BIN" "\$@"
SH
chmod 755 "$JA/run"
export JA_BIN=$POSTERN

# ja_line N REGEX DESC - line N of stderr matches REGEX
ja_line() {
	local line
	line=$(printf '%s\n' "$ERR" | sed -n "$1p")
	if printf '%s\n' "$line" | grep -Eq -- "$2"; then ok "ja: $3"; else not_ok "ja: $3" "line $1 does not match: $2" "stderr: $ERR"; fi
}

# usage (64): the option named as given, and the pointer to --help
ja_run --no-such-option bob@postern.test
expect_rc 64 "ja: an unknown option"
ja_line 1 "^postern: 不明なオプション --no-such-option\$" "an unknown option, in Japanese"
ja_line 2 "^詳しくは 'postern --help' を実行してください。\$" "the pointer to --help, in Japanese"
ja_run --help
check "ja: --help in Japanese, option names as they are" has '^  -t, --read-recipients  To、Cc、Bcc からも宛先を取る$' <(printf '%s\n' "$OUT")

# configuration (78): the file name as given
ja_run -C "$JA/no-such.rc" bob@postern.test
expect_rc 78 "ja: a missing configuration file"
ja_line 1 "^postern: 設定ファイル $JA/no-such.rc を読めません: " "a missing configuration file, in Japanese"
expect_one_line "ja: a missing configuration file: one line"

# connection refused (75)
JA_DOWN=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
JA_RC=$(config ja "account down : sub
port $JA_DOWN

account wrong : sub
password \"not the password\"

account untrusted : sub
port $PORT_UNTRUSTED")
ja_run -C "$JA_RC" -a down bob@postern.test
expect_rc 75 "ja: connection refused"
ja_line 1 "^postern: $SMARTHOST_HOST:$JA_DOWN に接続できません: " "connection refused, in Japanese"

# the certificate (69): the failure, then the hint with the fingerprint
# in tls_fingerprint's form, unchanged
JA_FPR=$(openssl x509 -noout -fingerprint -sha256 -in "$(dirname "$SMARTHOST_UNTRUSTED_CA")/untrusted-server.pem" | sed 's/^[^=]*=//')
ja_run -C "$JA_RC" -a untrusted bob@postern.test
expect_rc 69 "ja: a certificate from an unknown issuer"
ja_line 1 "^postern: $SMARTHOST_HOST:$PORT_UNTRUSTED: TLS 証明書の検証に失敗しました: " "the certificate failure, in Japanese"
ja_line 2 "^postern: ヒント: サーバー証明書の発行者は信頼された認証局ではありません: .*tls_fingerprint $JA_FPR で固定してください\$" "the certificate hint, in Japanese, with the fingerprint as it is"

# authentication refused (77): Postfix's 535 line as it sent it
ja_run -C "$JA_RC" -a wrong bob@postern.test
expect_rc 77 "ja: a wrong password"
ja_line 1 "^postern: $SMARTHOST_HOST:$PORT_SUBMISSION: 認証に失敗しました: 535 5\.7\.8 Error: authentication failed" "the 535 refusal, in Japanese, the server's words in English"
expect_one_line "ja: a wrong password: one line"

# a provider's refusal after the message (Amazon SES's 554), replayed by
# the scripted server: the reply quoted whole, and the hint in Japanese
JA_SES="554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: root@web1.postern.test"
python3 "$top_srcdir/tests/faultsmtp.py" --port-file "$JA/port" --log "$JA/ses.log" --max-seconds 120 \
	"{\"dot\": \"$JA_SES\"}" >"$JA/ses.out" 2>"$JA/ses.err" &
JA_PID=$!
# ja_listening - the scripted server wrote its port, or died
ja_listening() {
	[ -s "$JA/port" ] || ! kill -0 "$JA_PID" 2>/dev/null
}
wait_until "$WAIT_S" ja_listening || true
printf 'account ses\nhost 127.0.0.1\nport %s\ntls off\nauth off\nfrom root@web1.postern.test\n' "$(cat "$JA/port" 2>/dev/null || echo 9)" >"$JA/ses.rc"
chmod 600 "$JA/ses.rc"
ja_run -C "$JA/ses.rc" -a ses bob@postern.test
kill "$JA_PID" 2>/dev/null || true
wait "$JA_PID" 2>/dev/null || true
check "ja: the scripted server ran without an error" test ! -s "$JA/ses.err"
expect_rc 69 "ja: the SES refusal after the message"
check "ja: the SES reply is quoted as the server sent it" has "$(printf '%s' "$JA_SES" | sed 's/[].[]/\\&/g')" <(printf '%s\n' "$ERR" | sed -n 1p)
ja_line 1 "^postern: 127\.0\.0\.1:[0-9]+: メッセージが拒否されました" "the refusal's own words, in Japanese"
ja_line 2 "^postern: ヒント: Amazon SES は、接続先ホストのリージョンで検証済みの ID からしか送信しません: .*-f を指定してください\$" "the SES hint, in Japanese"

# a Japanese LANG alone, without LANGUAGE: the ja_JP.UTF-8 locale is
# compiled here (LOCPATH), as this machine need not have it
mkdir -p "$JA/locpath"
if command -v localedef >/dev/null && [ -e /usr/share/i18n/locales/ja_JP ] &&
	localedef -i ja_JP -f UTF-8 "$JA/locpath/ja_JP.UTF-8" >"$JA/localedef.out" 2>&1; then
	cat >"$JA/run-lang" <<SH
#!/bin/sh
exec env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LOCPATH="$JA/locpath" LANG=ja_JP.UTF-8 POSTERN_LOCALEDIR="$JA/locale" "$POSTERN" "\$@"
SH
	chmod 755 "$JA/run-lang"
	JA_SAVED=$POSTERN
	POSTERN=$JA/run-lang
	run_postern "$JA/msg" -C "$JA/no-such.rc" bob@postern.test
	POSTERN=$JA_SAVED
	expect_rc 78 "ja: LANG=ja_JP.UTF-8: a missing configuration file"
	ja_line 1 "^postern: 設定ファイル $JA/no-such.rc を読めません: " "LANG=ja_JP.UTF-8 alone speaks Japanese"
else
	ok "ja: LANG=ja_JP.UTF-8 # SKIP the ja_JP locale cannot be compiled here"
fi

# a set-group-ID postern ignores POSTERN_LOCALEDIR: a catalogue of the
# caller's choosing would give it format strings (its own, from the
# installed localedir, may be absent: the message is then English, never
# this test's Japanese)
mkdir -p "$JA/sgid"
chmod 755 "$JA/sgid"
cp "$POSTERN" "$JA/sgid/postern"
chgrp nogroup "$JA/sgid/postern"
chmod 2755 "$JA/sgid/postern"
JA_BIN=$JA/sgid/postern
ja_run -C "$JA/no-such.rc" bob@postern.test
JA_BIN=$POSTERN
expect_rc 78 "ja: set-group-ID: a missing configuration file"
ja_line 1 "^postern: cannot read configuration file $JA/no-such.rc" "set-group-ID: POSTERN_LOCALEDIR is not taken"

# the catalogue translates every message of the sources as they are now
# ja_po - tests/translations.sh passes (its TAP lines kept out of this one's)
ja_po() {
	sh "$top_srcdir/tests/translations.sh" >"$JA/po.tap" 2>&1 || { sed 's/^/# /' "$JA/po.tap"; return 1; }
}
check "ja: every message is translated, none fuzzy (tests/translations.sh)" ja_po
