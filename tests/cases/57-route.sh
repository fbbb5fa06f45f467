# 57-route.sh - how the server is reached: through a SOCKS5 proxy
# (proxy_host, proxy_port), over a Unix socket (socket), from a source
# address (source_ip); and local relays without TLS (a host written as
# localhost or a loopback literal, or a socket: tls off by default, AUTH
# allowed in clear), with insecure_auth_without_tls for any other host.
# The proxy and the Unix-socket relay are tests/socksproxy.py; Debian's
# msmtp runs beside postern through the same proxy where it is installed.

RT="$WORK/route"
mkdir -p "$RT"
RT_PIDS=()
SOCKS_PY="$top_srcdir/tests/socksproxy.py"
printf 'To: bob@postern.test\nSubject: route\n\nbody\n' >"$RT/m"

# start_proxy NAME [ARGS...] - a SOCKS5 proxy; its port in PROXY_PORT, its
# log in $RT/NAME.log (a bounded wait for the port file)
start_proxy() {
	local name=$1
	shift
	python3 "$SOCKS_PY" --port-file "$RT/$name.port" --log "$RT/$name.log" --max-seconds 600 "$@" \
		2>"$RT/$name.err" &
	RT_PIDS+=($!)
	wait_until "$WAIT_S" test -s "$RT/$name.port" || echo "# proxy $name did not start: $(cat "$RT/$name.err")"
	PROXY_PORT=$(cat "$RT/$name.port" 2>/dev/null || echo 0)
}

# route_rc NAME LINES - an rc file of one account "r" made of LINES, 0600
route_rc() {
	printf 'account r\nfrom alice@postern.test\ntimeout 30\n%s\n' "$2" >"$RT/$1.rc"
	chmod 600 "$RT/$1.rc"
	echo "$RT/$1.rc"
}

# the account of the smarthost's submission port: STARTTLS, AUTH (tls
# and auth written out: msmtp's defaults are off)
SUBMIT="host $SMARTHOST_HOST
port $PORT_SUBMISSION
tls on
auth on
tls_trust_file $SMARTHOST_CA
user $SASL_USER
password \"$SASL_PASS\""

# --- SOCKS5 ---------------------------------------------------------------
start_proxy socks
fresh
RC_SOCKS=$(route_rc socks "$SUBMIT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT")
run_postern "$RT/m" -C "$RC_SOCKS" -a r -t
expect_rc 0 "a send through a SOCKS5 proxy (STARTTLS and AUTH inside)"
check "the message sent through the proxy arrives" test -n "$(wait_mail bob)"
want_req=$(printf '05010003%02x%s%04x' ${#SMARTHOST_HOST} "$(printf '%s' "$SMARTHOST_HOST" | od -An -tx1 | tr -d ' \n')" "$PORT_SUBMISSION")
check "the proxy was offered method 0 (no authentication) alone" has '"greeting": "050100"' "$RT/socks.log"
check "the proxy was asked for the host by name (address type 3), as written, and the port" \
	has "\"request\": \"$want_req\", \"atyp\": 3, \"host\": \"$SMARTHOST_HOST\", \"port\": $PORT_SUBMISSION" "$RT/socks.log"
if command -v msmtp >/dev/null; then
	: >"$RT/socks.log"
	fresh
	set +e
	timeout 60 msmtp -C "$RC_SOCKS" -a r -t <"$RT/m" >"$RT/msmtp.out" 2>&1
	MS_SOCKS=$?
	set -e
	check "msmtp sends through the same proxy (exit 0)" test "$MS_SOCKS" = 0
	check "msmtp's SOCKS5 greeting and CONNECT are postern's, byte for byte" \
		has "\"greeting\": \"050100\", \"request\": \"$want_req\"" "$RT/socks.log"
else
	ok "# SKIP msmtp beside postern through the proxy: msmtp is not installed"
fi

# the proxy's refusals: temporary like a failed direct connect, or not
start_proxy unreach --reply 4
RC_UNREACH=$(route_rc unreach "$SUBMIT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT")
run_postern "$RT/m" -C "$RC_UNREACH" -a r -t
expect_rc 75 "the proxy answers 'host unreachable': temporary"
expect_err "SOCKS proxy 127\.0\.0\.1:$PROXY_PORT: cannot connect to $SMARTHOST_HOST:$PORT_SUBMISSION: host unreachable" \
	"... and the message names the proxy, the server and the reason"
expect_one_line "... in one line"
start_proxy refused --reply 5
RC_REFUSED=$(route_rc refused "$SUBMIT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT")
run_postern "$RT/m" -C "$RC_REFUSED" -a r -t
expect_rc 75 "the proxy answers 'connection refused': temporary"
expect_err "connection refused" "... named"
start_proxy ruleset --reply 2
RC_RULE=$(route_rc ruleset "$SUBMIT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT")
run_postern "$RT/m" -C "$RC_RULE" -a r -t
expect_rc 69 "the proxy answers 'not allowed by ruleset': not temporary"
expect_err "not allowed by ruleset" "... named"
start_proxy authreq --auth-required
RC_AUTHREQ=$(route_rc authreq "$SUBMIT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT")
run_postern "$RT/m" -C "$RC_AUTHREQ" -a r -t
expect_rc 69 "a proxy that wants a password"
expect_err "requires authentication" "... says so"
start_proxy garble --garble
RC_GARBLE=$(route_rc garble "$SUBMIT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT")
run_postern "$RT/m" -C "$RC_GARBLE" -a r -t
expect_rc 76 "a proxy that does not speak SOCKS5"
expect_err "not SOCKS version 5" "... says so"

# a proxy that never answers: the account's timeout bounds the handshake
start_proxy stall --stall
RC_STALL=$(route_rc stall "$SUBMIT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT
timeout 2")
t0=$SECONDS
run_postern "$RT/m" -C "$RC_STALL" -a r -t
expect_rc 75 "a proxy that never answers the greeting"
expect_err "SOCKS proxy 127\.0\.0\.1:$PROXY_PORT: timed out after 2 s during the SOCKS5 handshake" \
	"... times out after the account's timeout, during the handshake"
check "... within the timeout, not the test's bound ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -le 10

# proxy_port empty: 1080 (nothing listens there on the test machine)
if ! (exec 3<>/dev/tcp/127.0.0.1/1080) 2>/dev/null; then
	RC_1080=$(route_rc p1080 "$SUBMIT
proxy_host 127.0.0.1
proxy_port")
	run_postern "$RT/m" -C "$RC_1080" -a r -t
	expect_rc 75 "proxy_port empty: the default port, refused"
	expect_err "cannot connect to the SOCKS proxy 127\.0\.0\.1:1080" "... is 1080"
else
	ok "# SKIP proxy_port default: something listens on 127.0.0.1:1080"
fi

# --- socket -----------------------------------------------------------------
SOCK="$RT/smtp.sock"
python3 "$SOCKS_PY" --unix "$SOCK" --forward "$PORT_PLAIN" --log "$RT/unix.log" --max-seconds 600 \
	2>"$RT/unix.err" &
RT_PIDS+=($!)
wait_until "$WAIT_S" test -S "$SOCK" || echo "# the Unix relay did not start: $(cat "$RT/unix.err")"
fresh
RC_SOCK=$(route_rc sock "socket $SOCK
user $SASL_USER
password \"$SASL_PASS\"
logfile $RT/sock.log")
run_postern "$RT/m" -C "$RC_SOCK" -a r -v -t
expect_rc 0 "socket: a send over a Unix socket, no host, AUTH without TLS (a socket is local)"
check "... arrives" test -n "$(wait_mail bob)"
check "... through the socket" has '"unix": true' "$RT/unix.log"
check "... with no STARTTLS: tls is off by default for a socket" lacks '^--> STARTTLS' "$WORK/err"
check "... and AUTH in clear" has '^--> AUTH [A-Z]' "$WORK/err"
check "the log line names the socket, as msmtp's does" has "^.*socket=$SOCK tls=off auth=on " "$RT/sock.log"
fresh
RC_SOCKH=$(route_rc sockh "host $SMARTHOST_HOST
socket $SOCK
auth off")
run_postern "$RT/m" -C "$RC_SOCKH" -a r -t
expect_rc 0 "socket with a host: the host only names the server, tls is still off by default"
check "... arrives" test -n "$(wait_mail bob)"
# no host and no password: the socket names the server in the lookups
# (keyring, ~/.netrc, the prompt) and in the message, as in msmtp
RC_SOCKPW=$(route_rc sockpw "socket $SOCK
user $SASL_USER")
set +e
env -i PATH=/usr/bin:/bin HOME="$RT" timeout 30 setsid -w "$POSTERN" -C "$RC_SOCKPW" -a r -t <"$RT/m" \
	>/dev/null 2>"$WORK/err"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 78 "socket, no host, no password and no terminal"
expect_err "no password for $SASL_USER at $SOCK:" "... the socket names the server"
if command -v msmtp >/dev/null; then
	fresh
	before=$(grep -c '"unix": true' "$RT/unix.log")
	set +e
	timeout 60 msmtp -C "$RC_SOCKH" -a r -t <"$RT/m" >"$RT/msmtp.out" 2>&1
	MS_SOCK=$?
	set -e
	check "msmtp sends the same through the socket (exit 0)" test "$MS_SOCK" = 0
	check "... its message arrives" test -n "$(wait_mail bob)"
	check "... through the socket" test "$(grep -c '"unix": true' "$RT/unix.log")" = $((before + 1))
else
	ok "# SKIP msmtp beside postern over the socket: msmtp is not installed"
fi
RC_NOSOCK=$(route_rc nosock "socket $RT/nothing.sock
auth off")
run_postern "$RT/m" -C "$RC_NOSOCK" -a r -t
expect_rc 75 "a socket nobody listens on"
expect_err "cannot connect to $RT/nothing\.sock" "... is named"

# --- source_ip --------------------------------------------------------------
fresh
RC_SRC=$(route_rc src "$SUBMIT
source_ip 127.0.0.2")
run_postern "$RT/m" -C "$RC_SRC" -a r -t
expect_rc 0 "source_ip 127.0.0.2"
SRC_MAIL=$(wait_mail bob)
check "the server saw the connection come from 127.0.0.2" has '^Received: from .*\[127\.0\.0\.2\]' "$SRC_MAIL"
RC_SRCBAD=$(route_rc srcbad "$SUBMIT
source_ip not-an-address")
run_postern "$RT/m" -C "$RC_SRCBAD" -a r -t
expect_rc 78 "source_ip that is no address"
expect_err "source_ip: 'not-an-address'" "... is named"
RC_SRCNA=$(route_rc srcna "$SUBMIT
source_ip 192.0.2.1")
run_postern "$RT/m" -C "$RC_SRCNA" -a r -t
expect_rc 75 "source_ip that is not this machine's"
expect_err "from source address 192\.0\.2\.1" "... is named"

# an IPv6 source cannot be bound for an IPv4 server: the bind is named
if ! (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; then
	RC_SRC6=$(route_rc src6 "host 127.0.0.1
port 9
auth off
source_ip ::1")
	run_postern "$RT/m" -C "$RC_SRC6" -a r -t
	expect_rc 75 "source_ip ::1 for 127.0.0.1"
	expect_err "cannot connect to 127\.0\.0\.1:9 from source address ::1: " "... the bind is what failed"
	# where localhost is ::1 and 127.0.0.1, the bind fails for ::1, and the
	# failure reported is the last one: the refused connect to 127.0.0.1
	if [ "$(getent ahostsv6 localhost | awk '$1 == "::1"' | head -1)" ] &&
		getent ahostsv4 localhost | grep -q '^127\.0\.0\.1 '; then
		RC_SRCLH=$(route_rc srclh "host localhost
port 9
auth off
source_ip 127.0.0.2")
		run_postern "$RT/m" -C "$RC_SRCLH" -a r -t
		expect_rc 75 "source_ip 127.0.0.2 to localhost (::1 and 127.0.0.1) where nothing listens"
		expect_err "cannot connect to localhost:9: Connection refused" "... the last failure is named: the connect"
	else
		ok "# SKIP source_ip over two addresses: localhost is not both ::1 and 127.0.0.1 here"
	fi
else
	ok "# SKIP source_ip failures: something listens on 127.0.0.1:9"
fi

# --- local relays without TLS ------------------------------------------------
PLAIN_AUTH="port $PORT_PLAIN
auth on
user $SASL_USER
password \"$SASL_PASS\"
logfile $RT/plain.log"
for lh in 127.0.0.1 localhost; do
	fresh
	RC_LOCAL=$(route_rc "local-$lh" "host $lh
$PLAIN_AUTH")
	run_postern "$RT/m" -C "$RC_LOCAL" -a r -v -t
	expect_rc 0 "host $lh, no tls line: tls off by default, AUTH in clear to a local relay"
	check "... arrives" test -n "$(wait_mail bob)"
	check "... authenticated, without STARTTLS" has '^--> AUTH [A-Z]' "$WORK/err"
	check "... and no warning (a local relay is no lab exception)" lacks 'warning' "$WORK/err"
done
check "the log line says tls=off auth=on" has "host=localhost tls=off auth=on user=$SASL_USER " "$RT/plain.log"
check "... and holds no warning" lacks 'warning' "$RT/plain.log"
if command -v msmtp >/dev/null; then
	fresh
	set +e
	# msmtp's "auth on" picks no mechanism in clear; named, it sends it
	timeout 60 msmtp -C "$RT/local-127.0.0.1.rc" -a r --tls=off --auth=plain -d -t <"$RT/m" \
		>"$RT/msmtp.out" 2>&1
	MS_LOCAL=$?
	set -e
	check "msmtp sends the same through 127.0.0.1 (exit 0)" test "$MS_LOCAL" = 0
	check "... with AUTH PLAIN in clear too" has '^--> AUTH PLAIN' "$RT/msmtp.out"
else
	ok "# SKIP msmtp beside postern to 127.0.0.1: msmtp is not installed"
fi

# a name that is not local, however it resolves: refused before connecting
RC_REMOTE=$(route_rc remote "host $SMARTHOST_HOST
tls off
$PLAIN_AUTH")
run_postern "$RT/m" -C "$RC_REMOTE" -a r -t
expect_rc 78 "tls off and auth to $SMARTHOST_HOST (resolves to 127.0.0.1, but not local as written)"
expect_err "insecure_auth_without_tls" "... the refusal names the setting for lab servers"
RC_NOTLS=$(route_rc notls "host $SMARTHOST_HOST
$PLAIN_AUTH")
run_postern "$RT/m" -C "$RC_NOTLS" -a r -t
expect_rc 69 "no tls line for $SMARTHOST_HOST: tls stays on (the plain port offers no STARTTLS)"

# insecure_auth_without_tls: allowed, warned about on stderr and in the log
fresh
: >"$RT/plain.log"
RC_LAB=$(route_rc lab "host $SMARTHOST_HOST
tls off
insecure_auth_without_tls on
$PLAIN_AUTH")
run_postern "$RT/m" -C "$RC_LAB" -a r -t
expect_rc 0 "insecure_auth_without_tls on: AUTH in clear to a host that is not local"
check "... arrives" test -n "$(wait_mail bob)"
expect_err "^postern: warning: sending credentials to $SMARTHOST_HOST without TLS \(insecure_auth_without_tls\)$" \
	"... warned on stderr"
check "... and in the log, one line" test "$(grep -c "warning: sending credentials to $SMARTHOST_HOST without TLS (insecure_auth_without_tls)" "$RT/plain.log")" = 1
check "... the password is in neither" lacks 'correct horse' "$WORK/err" "$RT/plain.log"
run_postern "$RT/m" -C "$RC_LAB" -a r -t
check "... warned again at the next use" test "$(grep -c 'insecure_auth_without_tls' "$RT/plain.log")" = 2

for pid in "${RT_PIDS[@]}"; do
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
