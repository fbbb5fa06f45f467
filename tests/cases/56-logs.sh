# 56-logs.sh - log_format json: real sends to the smarthost, delivered and
# refused, each log line parsed back with python3's json module and checked
# field by field; and with syslog, the entry as the systemd journal gets it
# (its native protocol, parsed by a fake journal in a private mount
# namespace: a tmpfs on /run/systemd holding the test's socket at
# /run/systemd/journal/socket, so the machine's /run is never changed), or,
# without a journal, the JSON line through syslog(3) to a test /dev/log.

LG="$WORK/logs"
mkdir -p "$LG"
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: json log\n\nbody\n' >"$LG/msg"

# lg_field FILE N KEY - member KEY of line N of FILE as JSON ("(absent)"
# when missing, "(not JSON)" when the line is not one JSON object)
lg_field() {
	python3 - "$@" <<'PY'
import json, sys
path, n, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    lines = open(path, "rb").read().split(b"\n")
    obj = json.loads(lines[n - 1].decode("utf-8"))
    assert isinstance(obj, dict)
except Exception:
    print("(not JSON)")
    sys.exit(0)
print(json.dumps(obj[key], ensure_ascii=False) if key in obj else "(absent)")
PY
}

# lg_is FILE N KEY WANT - check that member KEY of line N is WANT (as JSON)
lg_is() {
	local got
	got=$(lg_field "$1" "$2" "$3")
	if [ "$got" = "$4" ]; then ok "json line $2: $3 is $4"; else not_ok "json line $2: $3 is $4" "got: $got" "line: $(sed -n "$2p" "$1")"; fi
}

RC_LG=$(config lg "account lgsub : sub
logfile $LG/json.log
log_format json

account lgbad : lgsub
password wrong

account lgtext : sub
logfile $LG/text.log
logfile_time_format none")

# a delivered message
fresh
run_postern "$LG/msg" -C "$RC_LG" -a lgsub bob@postern.test carol@postern.test
expect_rc 0 "log_format json: a delivered message"
check "one line in the log" test "$(wc -l <"$LG/json.log")" = 1
check "the line is a JSON object and nothing before it" has '^\{"timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z",' "$LG/json.log"
lg_is "$LG/json.log" 1 host "\"$SMARTHOST_HOST\""
lg_is "$LG/json.log" 1 tls true
lg_is "$LG/json.log" 1 auth true
lg_is "$LG/json.log" 1 user "\"$SASL_USER\""
lg_is "$LG/json.log" 1 from '"alice@postern.test"'
lg_is "$LG/json.log" 1 recipients '["bob@postern.test", "carol@postern.test"]'
lg_is "$LG/json.log" 1 smtpstatus 250
lg_is "$LG/json.log" 1 exitcode '"EX_OK"'
lg_is "$LG/json.log" 1 errormsg '(absent)'
check "mailsize is a number, the message's size" test "$(lg_field "$LG/json.log" 1 mailsize)" -gt 50
check "smtpmsg is the smarthost's acceptance" has '"smtpmsg":"250 2\.0\.0 Ok: ([0-9]+ bytes )?queued as [0-9A-Z]+"' "$LG/json.log"

# the text line of the same send has the same keys, in the same order
run_postern "$LG/msg" -C "$RC_LG" -a lgtext bob@postern.test carol@postern.test
json_keys=$(python3 -c 'import json,sys; print(" ".join(k for k in json.loads(open(sys.argv[1]).readline()) if k != "timestamp"))' "$LG/json.log")
text_keys=$(grep -Eo "(^| )[a-z]+=" "$LG/text.log" | tr -d ' =' | tr '\n' ' ' | sed 's/ $//')
check "the JSON keys are the text line's, in its order ($json_keys)" test "$json_keys" = "$text_keys"

# refusals: a wrong password; a hostile sender refused before the network
run_postern "$LG/msg" -C "$RC_LG" -a lgbad bob@postern.test
expect_rc 77 "log_format json: a wrong password"
lg_is "$LG/json.log" 2 exitcode '"EX_NOPERM"'
lg_is "$LG/json.log" 2 smtpstatus 535
lg_is "$LG/json.log" 2 mailsize '(absent)'
check "errormsg says what failed" test "$(lg_field "$LG/json.log" 2 errormsg | grep -c 'authentication failed')" = 1
run_postern "$LG/msg" -C "$RC_LG" -a lgsub -f "$(printf 'a"b\\c\001\033[31m\377@x\ny')" bob@postern.test
expect_rc 65 "log_format json: a sender with a quote, control bytes, a byte not UTF-8 and a line feed"
check "still one line per message" test "$(wc -l <"$LG/json.log")" = 3
check "no raw control byte in the log" lacks "$(printf '[\001\033\377]')" "$LG/json.log"
lg_is "$LG/json.log" 3 from "$(printf '"a\\"b\\\\c\\u0001\\u001b[31m\357\277\275@x\\ny"')"
lg_is "$LG/json.log" 3 exitcode '"EX_DATAERR"'

# syslog and the journal, in a private mount namespace
cat >"$LG/journal.py" <<'PY'
# a fake journal: the first datagram at argv[1], read as journald reads the
# native protocol, its fields as a JSON object into argv[2]
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(float(sys.argv[3]))
try:
    d = s.recv(1 << 20)
except socket.timeout:
    d = b""
fields, i = {}, 0
while i < len(d):
    nl = d.index(b"\n", i)
    line = d[i:nl]
    if b"=" in line:
        k, v = line.split(b"=", 1)
        i = nl + 1
    else:
        k = line
        (n,) = struct.unpack("<Q", d[nl + 1:nl + 9])
        v = d[nl + 9:nl + 9 + n]
        assert d[nl + 9 + n:nl + 10 + n] == b"\n", "binary field not ended by a line feed"
        i = nl + 10 + n
        fields.setdefault("_binary", []).append(k.decode())
    fields[k.decode()] = v.decode("utf-8", "replace")
json.dump(fields, open(sys.argv[2], "w"))
PY
cat >"$LG/listen.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(float(sys.argv[3]))
try:
    data = s.recv(1 << 20)
except socket.timeout:
    data = b""
open(sys.argv[2], "wb").write(data)
PY
cat >"$LG/ns.sh" <<'NS'
#!/bin/bash
# ns.sh DIR JOURNAL WAIT CMD... - run by "unshare -m": a tmpfs on
# /run/systemd; with JOURNAL=yes a fake journal at its socket (its first
# entry into DIR/journal.json), else a test /dev/log (its first datagram
# into DIR/syslog)
set -eu
dir=$1 journal=$2 wait=$3
shift 3
mount -t tmpfs lg-run "/run/systemd"
listener=
if [ "$journal" = yes ]; then
	mkdir -p /run/systemd/journal
	python3 "$dir/../journal.py" /run/systemd/journal/socket "$dir/journal.json" "$wait" &
	listener=/run/systemd/journal/socket
else
	mkdir -p "$dir/realdev" "$dir/dev"
	mount --bind /dev "$dir/realdev"
	for n in /dev/*; do ln -sfn "$dir/realdev/${n#/dev/}" "$dir/dev/${n#/dev/}"; done
	rm -f "$dir/dev/log"
	mount --bind "$dir/dev" /dev
	python3 "$dir/../listen.py" /dev/log "$dir/syslog" "$wait" &
	listener=/dev/log
fi
end=$((SECONDS + wait))
until [ -S "$listener" ]; do [ "$SECONDS" -le "$end" ] || exit 99; sleep 0.05; done
set +e
"$@"
rc=$?
wait
exit "$rc"
NS
chmod 755 "$LG/ns.sh"

# lg_ns NAME JOURNAL ARGS... - postern ARGS in the namespace, stdin the
# message; what the listener caught in $LG/ns-NAME/
lg_ns() {
	local name=$1 journal=$2
	shift 2
	mkdir -p "$LG/ns-$name"
	set +e
	timeout 120 unshare -m --propagation private "$LG/ns.sh" "$LG/ns-$name" "$journal" "$WAIT_S" \
		"$POSTERN" "$@" <"$LG/msg" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
}

# jf NAME KEY - field KEY of the journal entry caught by lg_ns NAME
jf() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2], "(absent)"))' \
		"$LG/ns-$1/journal.json" "$2" 2>/dev/null || echo "(no entry)"
}

# jf_is NAME KEY WANT
jf_is() {
	local got
	got=$(jf "$1" "$2")
	local what
	what="journal ($1): $2=$(printf '%s' "$3" | sed -n '1h; 1!H; ${x; s/\n/\\n/g; p}')"
	if [ "$got" = "$3" ]; then ok "$what"; else not_ok "$what" "got: $got"; fi
}

RC_SL=$(config lgsys "account lgj : sub
syslog LOG_MAIL
log_format json
logfile $LG/j.log")
if ! command -v unshare >/dev/null || ! unshare -m --propagation private true 2>/dev/null || [ ! -d /run/systemd ]; then
	for i in $(seq 1 18); do
		if [ "${CI:-}" = true ]; then not_ok "journal: no private mount namespace or /run/systemd"; else
			ok "# SKIP journal: no private mount namespace (unshare -m) or no /run/systemd"; fi
	done
else
	fresh
	lg_ns ok yes -C "$RC_SL" -a lgj bob@postern.test
	expect_rc 0 "log_format json with syslog, a journal listening: delivered"
	check "MESSAGE is the text line" test "$(jf ok MESSAGE | grep -cE "^host=$SMARTHOST_HOST tls=on auth=on user=$SASL_USER from=alice@postern.test recipients=bob@postern.test mailsize=[0-9]+ smtpstatus=250 smtpmsg='250 [^']+' exitcode=EX_OK\$")" = 1
	jf_is ok PRIORITY 6
	jf_is ok SYSLOG_FACILITY 2
	jf_is ok SYSLOG_IDENTIFIER postern
	jf_is ok POSTERN_HOST "$SMARTHOST_HOST"
	jf_is ok POSTERN_TLS on
	jf_is ok POSTERN_USER "$SASL_USER"
	jf_is ok POSTERN_RECIPIENTS bob@postern.test
	jf_is ok POSTERN_EXITCODE EX_OK
	jf_is ok POSTERN_SMTPSTATUS 250
	check "POSTERN_SMTPMSG is the smarthost's acceptance" test "$(jf ok POSTERN_SMTPMSG | grep -cE '^250 2\.0\.0 Ok: ([0-9]+ bytes )?queued as [0-9A-Z]+$')" = 1
	check "the JSON line still went to the logfile" test "$(lg_field "$LG/j.log" 1 exitcode)" = '"EX_OK"'
	lg_ns nl yes -C "$RC_SL" -a lgj -f "$(printf 'a@b\nexitcode=EX_OK')" bob@postern.test
	expect_rc 65 "a sender with a line feed, logged to the journal"
	jf_is nl POSTERN_FROM "$(printf 'a@b\nexitcode=EX_OK')"
	check "... sent in the binary-safe form, and the other values plainly" \
		test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["_binary"])' "$LG/ns-nl/journal.json")" = "['POSTERN_FROM']"
	jf_is nl PRIORITY 3
	# no journal: the JSON line through syslog(3)
	lg_ns sl no -C "$RC_SL" -a lgj bob@postern.test
	check "no journal: the JSON line goes to syslog" has '^<22>.{15} postern\[[0-9]+\]: \{"timestamp":"[^"]+","host":".*"exitcode":"EX_OK"\}$' "$LG/ns-sl/syslog"
fi
