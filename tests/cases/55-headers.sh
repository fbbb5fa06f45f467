# 55-headers.sh - envelope sender rules, header commands, Resent-, -bv, IDN.

printf 'From: someone@postern.test\nTo: bob@postern.test\nCc: carol@postern.test\nBcc: dave@postern.test\nSubject: headers\n\nbody\n' >"$WORK/h"

fresh
run_postern "$WORK/h" -C "$(config sfh "set_from_header on")" -t
expect_rc 0 "set_from_header on"
f=$(wait_mail bob)
check "set_from_header on replaces From with the envelope sender" has '^From: alice@postern.test$' "$f"
check "the caller's From is gone" lacks '^From: someone' "$f"

fresh
run_postern "$WORK/h" -C "$(config nodate "set_date_header off
set_msgid_header off
remove_bcc_headers off")" -t
expect_rc 0 "set_date_header off, set_msgid_header off, remove_bcc_headers off"
f=$(wait_mail bob)
check "no Date is added with set_date_header off" lacks '^Date:' "$f"
check "no Message-ID is added with set_msgid_header off" lacks '^Message-ID:' "$f"
check "Bcc is transmitted with remove_bcc_headers off" has '^Bcc: dave@postern.test$' "$f"

fresh
run_postern "$WORK/h" -C "$(config undis "undisclosed_recipients on")" -t
expect_rc 0 "undisclosed_recipients on"
f=$(wait_mail carol)
check "To becomes undisclosed-recipients:;" has '^To: undisclosed-recipients:;$' "$f"
check "Cc and Bcc are gone" lacks '^(Cc|Bcc):' "$f"
check "every recipient still receives it" test -n "$(wait_mail dave)" -a -n "$(wait_mail bob)"

# envelope sender: as given, not overridable, qualified, replaced, substituted
fresh
run_postern "$WORK/h" -C "$(config noover "allow_from_override off")" -f other@postern.test bob@postern.test
expect_rc 0 "allow_from_override off"
check "allow_from_override off ignores -f" has '^Return-Path: <alice@postern.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/h" -C "$(config qual "local_senders qualify
maildomain postern.test")" -f root@vm bob@postern.test
expect_rc 0 "local_senders qualify (mailutils passes -f root@vm)"
check "root@vm is qualified with maildomain" has '^Return-Path: <root@postern.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/h" -C "$(config repl "local_senders replace")" -f www-data bob@postern.test
expect_rc 0 "local_senders replace"
check "a local sender is replaced by the account's from" has '^Return-Path: <alice@postern.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/h" -C "$(config keep)" -f root@vm bob@postern.test
expect_rc 0 "local_senders keep (the default)"
check "by default -f is used as given" has '^Return-Path: <root@vm>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/h" -C "$(config subst "from %U@postern.test")" bob@postern.test
expect_rc 0 "from with %U"
check "%U is the caller's login name" has "^Return-Path: <$(id -un)@postern.test>\$" "$(wait_mail bob)"
fresh
run_postern "$WORK/h" -C "$(config autofrom "auto_from on
maildomain postern.test")" bob@postern.test
expect_rc 0 "auto_from on with maildomain"
check "auto_from gives login@maildomain" has "^Return-Path: <$(id -un)@postern.test>\$" "$(wait_mail bob)"

# unqualified recipients: qualified with maildomain, else sent as written
# (as msmtp does); the smarthost here qualifies "bob" with its own name,
# which it does not relay to, so the refusal comes from the server and
# says how to map the name
fresh
run_postern "$WORK/h" -C "$(config unq)" bob
check "a recipient without a domain and no alias goes to the server (exit $RC)" test "$RC" != 0 -a "$RC" != 65
expect_err "recipients refused, nothing was sent: bob \(554 5\.7\.1 " "the server's refusal names the bare recipient"
expect_err "map a recipient without a domain to an address in the aliases file, or set maildomain" \
	"the refusal of a bare recipient says how to map it"
check "RCPT TO:<bob> reached the smarthost" grep -q 'RCPT from .*<bob>' "$POSTFIX_LOG"
run_postern "$WORK/h" -C "$(config unq)" bob@nowhere.example
expect_err "recipients refused" "a refused recipient with a domain ..."
check "... gets no hint about mapping names" test -z "$(printf '%s' "$ERR" | grep 'without a domain')"
run_postern "$WORK/h" -C "$(config unq)" 'not an address'
expect_rc 65 "a command-line word of several bare words is refused"
expect_err "'not an address' is not one address" "the refusal shows the word"
run_postern "$WORK/h" -C "$(config unq)" 'bob@postern.test carol'
expect_rc 65 "white space splits a word only when every part has a domain"
run_postern "$WORK/h" -C "$(config unq)" 'a@b@postern.test'
expect_rc 65 "a recipient with two '@' is refused before connecting"
expect_err "invalid recipient address a@b@postern.test: it has more than one '@'" "the refusal names it"
printf 'From: alice@postern.test\nTo: bob@x@postern.test\nSubject: two\n\nbody\n' >"$WORK/twoat"
run_postern "$WORK/twoat" -C "$(config unq)" -t
expect_rc 65 "-t: a To address with two '@' is refused"
run_postern "$WORK/h" -C "$(config unq)" -f 'a@b@postern.test' bob@postern.test
expect_rc 65 "a sender with two '@' is refused"
fresh
run_postern "$WORK/h" -C "$(config unqmd "maildomain postern.test")" bob
expect_rc 0 "maildomain qualifies a bare recipient"
check "bob@postern.test receives it" test -n "$(wait_mail bob)"

# Resent- headers: the Resent- recipients, as sendmail does
fresh
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: resent\nResent-From: alice@postern.test\nResent-To: carol@postern.test\nResent-Bcc: erin@postern.test\n\nbody\n' >"$WORK/resent"
run_postern "$WORK/resent" -C "$(config resent)" -t
expect_rc 0 "-t with Resent- headers"
check "Resent-To and Resent-Bcc receive it" test -n "$(wait_mail carol)" -a -n "$(wait_mail erin)"
check "the original To does not" no_mail bob
check "Resent-Bcc is removed" lacks '^Resent-Bcc:' "$(wait_mail carol)"

# -bv asks the smarthost and sends nothing
fresh
run_postern /dev/null -C "$(config bv)" -bv bob@postern.test ghost@postern.test
expect_rc 67 "-bv with one unknown recipient"
check "-bv reports the deliverable one" grep -q '^bob@postern.test: deliverable (250' "$WORK/out"
check "-bv reports the refused one" grep -q '^ghost@postern.test: refused (550 5.1.1' "$WORK/out"
check "-bv sends no message" no_mail bob
run_postern /dev/null -C "$(config bv2)" -bv bob@postern.test carol@postern.test
expect_rc 0 "-bv with deliverable recipients"
run_postern /dev/null -C "$(config bd)" -bd
expect_rc 64 "-bd: no daemon"
expect_err "no daemon" "-bd says there is no daemon"
run_postern /dev/null -C "$(config q)" -q
expect_rc 0 "-q: no queue to run"

# international addresses: A-labels, or SMTPUTF8 for a non-ASCII local part
run_postern "$WORK/h" -C "$(config idn)" -v 'bob@bücher.postern.test'
check "a non-ASCII domain goes out as A-labels" has '^--> RCPT TO:<bob@xn--bcher-kva.postern.test>$' "$WORK/err"
run_postern "$WORK/h" -C "$(config utf8)" -v 'jösé@postern.test'
check "a non-ASCII local part uses SMTPUTF8" has '^--> MAIL FROM:<alice@postern.test> SMTPUTF8 ' "$WORK/err"
check "and goes out in UTF-8" has '^--> RCPT TO:<jösé@postern.test>$' "$WORK/err"
expect_rc 67 "the unknown UTF-8 recipient is refused as unknown"

# the null sender of bounces
fresh
run_postern "$WORK/h" -C "$(config nullsender)" -f '<>' bob@postern.test
expect_rc 0 "-f '<>' (the null sender)"
check "MAIL FROM:<> reaches the server" has '^Return-Path: <>$' "$(wait_mail bob)"

# a user file cannot inherit from another file's account (the password
# of a system account must not follow a host the user chooses)
printf 'account mine : sub\nhost example.invalid\n' >"$WORK/inherit.rc"
chmod 600 "$WORK/inherit.rc"
run_postern "$WORK/h" -C "$WORK/inherit.rc" bob@postern.test
expect_rc 78 "a parent account from another file"
expect_err "no account named 'sub' was defined before in this file" "inheritance across files is refused"

# issue 12 7i: in a header field white space separates no addresses (that
# is for argv words): "Carol Dave bob@..." is refused, not sent to Carol@
# and Dave@ of maildomain
fresh
printf 'From: alice@postern.test\nTo: Carol Dave bob@postern.test\nSubject: words\n\nbody\n' >"$WORK/words"
run_postern "$WORK/words" -C "$(config words "maildomain postern.test")" -t
expect_rc 65 "-t: a display name without angle brackets in To"
expect_err "'Carol Dave bob@postern.test' is not one address.*\(in the To field\)" "the refusal names the field and shows the words"
check "nothing is sent to bob or carol" eval 'no_mail bob && no_mail carol'
fresh
printf 'From: alice@postern.test\nTo: Carol Dave <bob@postern.test>\nSubject: words\n\nbody\n' >"$WORK/words"
run_postern "$WORK/words" -C "$(config words2 "maildomain postern.test")" -t
expect_rc 0 "-t: the same display name in angle brackets"
check "only the address in angle brackets receives it" eval 'test -n "$(wait_mail bob)" && no_mail carol'

# issue 12 7j: obsolete field names (RFC 5322 4.5, blanks before the colon)
# are fields: "Bcc :" is read with -t and removed, the fields after it stay
# in the header block
head_block() { [ -s "$1" ] && awk '/^$/ { exit } { print }' "$1"; }
fresh
printf 'From: alice@postern.test\nTo : bob@postern.test\nBcc : carol@postern.test\nSubject: obsolete\n\nbody\n' >"$WORK/obs"
run_postern "$WORK/obs" -C "$(config obs)" -t
expect_rc 0 "-t with 'To :' and 'Bcc :'"
f=$(wait_mail bob)
check "the 'Bcc :' recipient receives it" test -n "$(wait_mail carol)"
check "the Subject after 'Bcc :' is still in the header block" eval 'head_block "$f" | grep -q "^Subject: obsolete$"'
check "'Bcc :' is removed" eval 'head_block "$f" >/dev/null && ! grep -qi "^bcc" "$f"'
check "the body is the body" eval '[ "$(delivered_body "$f" | sed -n "/^$/,\$p" | sed 1d)" = body ]'
fresh
printf 'From: alice@postern.test\nTo: bob@postern.test\nBcc carol@postern.test\nSubject: stray\n\nbody\n' >"$WORK/stray"
run_postern "$WORK/stray" -C "$(config stray)" -t
expect_rc 65 "a line in the header block that is no field, fields after it"
expect_err "line 3 of the header block is neither a header field" "the refusal names the line"
check "nothing is sent" no_mail bob

# msmtp 1.8.33's header commands (issue 13): from_full_name, set_to_header,
# RFC 2047 names, msmtp's Message-ID domain, %H in domain, %F in from and
# --read-envelope-from.  Debian's msmtp runs beside postern where it has
# the option (1.8.23 has neither from_full_name nor set_to_header).
UE=$(printf 'Test \303\234ser')
printf 'To: bob@postern.test\nCc: carol@postern.test\nBcc: dave@postern.test\nSubject: names\n\nbody\n' >"$WORK/nf"
fresh
run_postern "$WORK/nf" -C "$(config ffn "from_full_name $UE")" -t
expect_rc 0 "from_full_name with a non-ASCII name"
check "the added From carries it RFC 2047-encoded, as msmtp writes it" \
	has '^From: =\?utf-8\?B\?VGVzdCDDnHNlcg==\?= <alice@postern\.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/nf" -C "$(config ffn2 "from_full_name $UE")" -t -F 'Cron Daemon'
expect_rc 0 "-F beside from_full_name"
check "-F wins over from_full_name" has '^From: Cron Daemon <alice@postern\.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/nf" -C "$(config ffn3 "from_full_name \"Doe, John\"")" -t
check "from_full_name with a comma is quoted" has '^From: "Doe, John" <alice@postern\.test>$' "$(wait_mail bob)"
printf 'From: alice@postern.test\nTo: root\nSubject: cron\n\nbody\n' >"$WORK/cron"
fresh
run_postern "$WORK/cron" -C "$(config sth "set_to_header on")" bob@postern.test carol@postern.test
expect_rc 0 "set_to_header on"
f=$(wait_mail bob)
check "set_to_header on: To lists the recipients instead of cron's To: root" \
	has '^To: bob@postern\.test, carol@postern\.test$' "$f"
check "... and the old To is gone" lacks '^To: root' "$f"
fresh
run_postern "$WORK/nf" -C "$(config sth2 "set_to_header on")" -t
f=$(wait_mail bob)
check "set_to_header on with -t: every recipient in one To, no Cc or Bcc" \
	eval 'has "^To: bob@postern\.test, carol@postern\.test, dave@postern\.test$" "$f" && lacks "^(Cc|Bcc):" "$f"'
fresh
run_postern "$WORK/cron" -C "$(config sthu "set_to_header undisclosed_recipients")" bob@postern.test
f=$(wait_mail bob)
check "set_to_header undisclosed_recipients" eval 'has "^To: undisclosed-recipients:;$" "$f" && lacks "^To: root" "$f"'
fresh
run_postern "$WORK/cron" -C "$(config msgid1)" bob@postern.test
check "without domain the Message-ID takes the sender's domain (msmtp), not this machine's name" \
	has '^Message-ID: <[^@]*@postern\.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/cron" -C "$(config msgid2 "domain mail.example.org")" bob@postern.test
check "domain mail.example.org: the Message-ID takes it" has '^Message-ID: <[^@]*@mail\.example\.org>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/cron" -C "$(config msgid3 "domain localhost")" bob@postern.test
check "domain localhost: the Message-ID takes the sender's domain" has '^Message-ID: <[^@]*@postern\.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/cron" -C "$(config helo "domain %H")" bob@postern.test
expect_rc 0 "domain %H"
check "domain %H: EHLO names this machine (the smarthost's Received says so)" \
	has "^Received: from $(hostname) " "$(wait_mail bob)"
printf 'From: Carol C <carol@postern.test>\nTo: bob@postern.test\nSubject: ref\n\nbody\n' >"$WORK/ref"
fresh
run_postern "$WORK/ref" -C "$(config pctf "from %F")" bob@postern.test
expect_rc 0 "from %F"
check "from %F: the envelope sender is the From header's address" has '^Return-Path: <carol@postern\.test>$' "$(wait_mail bob)"
run_postern "$WORK/nf" -C "$(config pctf2 "from %F")" bob@postern.test
expect_rc 65 "from %F without a From header"
expect_err "no From header with an address for %F" "the refusal says why"
fresh
run_postern "$WORK/ref" -C "$(config ref "set_from_header on")" --read-envelope-from -t
expect_rc 0 "--read-envelope-from -t (msmtp's upstream test)"
f=$(wait_mail bob)
check "--read-envelope-from: the envelope sender is the From header's address" has '^Return-Path: <carol@postern\.test>$' "$f"
check "... and set_from_header on writes it as the From" has '^From: carol@postern\.test$' "$f"
run_postern "$WORK/nf" -C "$(config ref2)" --read-envelope-from -t
expect_rc 64 "--read-envelope-from without a From header"
# first_lines FILE [NAMES] - its Return-Path and From lines (or the fields
# NAMES, a regex), "" when it is missing
first_lines() { [ -s "$1" ] && grep -E "^(${2:-Return-Path|From}):" "$1" || true; }
msgid_domain() { [ -s "$1" ] && grep -m1 '^Message-ID:' "$1" | sed 's/.*@//; s/>.*//' || true; }
if command -v msmtp >/dev/null; then
	MS=$(config msbeside "tls on
set_from_header on")
	# Debian's 1.8.23 writes a non-ASCII -F name raw (1.8.33 encodes it,
	# tested above): with -F only the sender and Message-ID are compared
	for args in "-F|$UE|Return-Path" "--read-envelope-from|-t|Return-Path|From"; do
		IFS='|' read -r a1 a2 fields <<<"$args"
		fresh
		run_postern "$WORK/ref" -C "$MS" "$a1" "$a2" bob@postern.test
		pf=$(wait_mail bob)
		p_lines=$(first_lines "$pf" "$fields")
		p_dom=$(msgid_domain "$pf")
		fresh
		set +e
		LC_ALL=C.UTF-8 timeout 60 msmtp -C "$MS" "$a1" "$a2" bob@postern.test <"$WORK/ref" >"$WORK/out" 2>&1
		set -e
		mf=$(wait_mail bob)
		m_lines=$(first_lines "$mf" "$fields")
		check "msmtp beside postern ($a1): the same $fields: $(echo $p_lines)" \
			test -n "$p_lines" -a "$p_lines" = "$m_lines"
		check "msmtp beside postern ($a1): the same Message-ID domain ($p_dom)" test -n "$p_dom" -a "$p_dom" = "$(msgid_domain "$mf")"
	done
	# a bare recipient: both hand it to the server, which refuses it
	run_postern "$WORK/ref" -C "$MS" bob
	set +e
	timeout 60 msmtp -C "$MS" bob <"$WORK/ref" >"$WORK/out" 2>&1
	MS_BARE=$?
	set -e
	check "msmtp beside postern: RCPT TO:<bob> is sent as written, the server refuses it (554 5.7.1) in both" \
		eval 'printf "%s" "$ERR" | grep -q "bob (554 5\.7\.1 " && grep -q "5\.7\.1" "$WORK/out" && [ "$MS_BARE" != 0 ]'
else
	ok "# SKIP msmtp beside postern: msmtp is not installed"
fi
