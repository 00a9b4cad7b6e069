#!/usr/bin/env bash
# Smoke test of the Debian packages (packaging/deb/target/*.deb, built by mvn install) on this machine, as root:
#   install hybridfog-gateway and hybridfog-cloud with dpkg; start both as their systemd units say (systemctl where
#   systemd runs, otherwise the unit's ExecStart as its User with its Environment, READY=1 checked on a NOTIFY_SOCKET);
#   a Mosquitto on a free loopback port; classify Fashion-MNIST PNGs sent with mosquitto_pub (results read with
#   mosquitto_sub); stop the cloud worker with a sample offloaded and unanswered (in the gateway's journal); upgrade to
#   the same packages rebuilt with Debian revision 2; start again: the pending sample is answered by the cloud; then
#   remove (configuration and state stay) and purge (everything gone, user included).
# Refuses to run where HybridFog packages are installed; cleans up after itself, also on failure (trap).
#   packaging/smoke-test.sh            (from ./run-tests, or alone after mvn install)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
START=$(date +%s.%N)
UNIT_DIR=/lib/systemd/system
ROLES="cloud gateway"
TIMEOUT_S=90

fail() { echo "smoke-test: FAILED: $*" >&2; exit 1; }
since() { awk -v t0="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - t0 }'; }
step() { echo "smoke-test: [$(since "$START") s] $*"; }

[ "$(id -u)" -eq 0 ] || fail "run as root (dpkg -i, the hybridfog user)"
for p in hybridfog-gateway hybridfog-cloud; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
    fail "$p is installed on this machine (dpkg -l $p); the smoke test installs and purges its own copy: purge it first"
  fi
done
getent passwd hybridfog >/dev/null && fail "a user hybridfog exists already; the smoke test checks that purge removes it"
missing=$(for p in mosquitto mosquitto-clients; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "smoke-test: installing $missing"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
shopt -s nullglob
V1=("$HERE"/packaging/deb/target/hybridfog-{gateway,cloud}_*-1_all.deb)
[ ${#V1[@]} -eq 2 ] || fail "packages not built: expected packaging/deb/target/hybridfog-{gateway,cloud}_*-1_all.deb (mvn install)"

WORK=$(mktemp -d /tmp/hybridfog-smoke.XXXXXX)
chmod 755 "$WORK"
SYSTEMD=false
[ -d /run/systemd/system ] && SYSTEMD=true
declare -A PIDS=()
BROKER_PID=""; SUB_PID=""; NOTIFY_PID=""

cleanup() {
  rc=$?
  set +e
  for role in "${!PIDS[@]}"; do kill -TERM "${PIDS[$role]}" 2>/dev/null; done
  for role in "${!PIDS[@]}"; do wait "${PIDS[$role]}" 2>/dev/null; done
  $SYSTEMD && systemctl stop hybridfog-gateway hybridfog-cloud 2>/dev/null
  for pid in $SUB_PID $BROKER_PID $NOTIFY_PID; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  # only this test's packages can be installed here (checked at the start)
  for p in hybridfog-gateway hybridfog-cloud; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed' && dpkg --purge "$p" >/dev/null 2>&1
  done
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log; do echo "---- $f (last 30 lines)"; tail -30 "$f"; done >&2
  fi
  rm -rf "$WORK"
  echo "smoke-test: $([ $rc -eq 0 ] && echo PASSED || echo FAILED) after $(since "$START") s"
  exit $rc
}
trap cleanup EXIT
trap 'echo "smoke-test: FAILED: line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

step "building the upgrade: the same packages with Debian revision 2 (mvn -o package -pl packaging/deb -Ddeb.revision=2)"
mkdir -p "$WORK/v1" "$WORK/v2"
cp "${V1[@]}" "$WORK/v1/"
(cd "$HERE" && mvn -B -ntp -q -o package -pl packaging/deb -Ddeb.revision=2) >"$WORK/mvn.log" 2>&1 || fail "rebuild failed (see $WORK/mvn.log)"
mv "$HERE"/packaging/deb/target/hybridfog-{gateway,cloud}_*-2_all.deb "$WORK/v2/"

installed_version() { dpkg-query -W -f='${Version}' "$1"; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds
  local seconds=$1 what=$2 deadline=$(( $(date +%s) + $1 )); shift 2
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after $seconds s waiting for: $what"
    sleep 0.2
  done
}

step "dpkg -i ${V1[*]##*/}"
DEBIAN_FRONTEND=noninteractive dpkg -i "$WORK"/v1/*.deb >"$WORK/dpkg-install.log" 2>&1 || fail "dpkg -i failed: $(tail -5 "$WORK/dpkg-install.log")"
for role in $ROLES; do
  p=hybridfog-$role
  [ "$(dpkg-query -W -f='${Status}' $p)" = "install ok installed" ] || fail "$p not installed"
  [ -f /usr/lib/hybridfog/$role/hybridfog-$role.jar ] || fail "/usr/lib/hybridfog/$role/hybridfog-$role.jar missing"
  # every configuration file is a conffile (kept on upgrade, asked about when both sides changed)
  for f in /etc/hybridfog/$role/*.cfg; do
    dpkg-query -W -f='${Conffiles}\n' $p | grep -q " $f " || fail "$f is not a conffile of $p"
  done
  [ "$(stat -c '%U:%G %a' /etc/hybridfog/$role)" = "root:hybridfog 750" ] || fail "/etc/hybridfog/$role: $(stat -c '%U:%G %a' /etc/hybridfog/$role), expected root:hybridfog 750"
  for d in work tmp; do
    [ "$(stat -c %U /var/lib/hybridfog/$role/$d)" = hybridfog ] || fail "/var/lib/hybridfog/$role/$d not owned by hybridfog"
  done
  [ -L /etc/systemd/system/multi-user.target.wants/$p.service ] || fail "$p.service not enabled"
  if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$UNIT_DIR/$p.service" >"$WORK/verify-$role.log" 2>&1 || fail "systemd-analyze verify $p.service: $(cat "$WORK/verify-$role.log")"
  fi
  # one package for amd64 and arm64: the ONNX Runtime bundle carries both Linux natives
  /usr/bin/python3 - /usr/lib/hybridfog/$role/bundles/hybridfog-onnxruntime-osgi-*.jar <<'EOF' || fail "ONNX Runtime natives missing in $role"
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for arch in ("linux-x64", "linux-aarch64"):
    for lib in ("libonnxruntime.so", "libonnxruntime4j_jni.so"):
        assert f"ai/onnxruntime/native/{arch}/{lib}" in names, f"{arch}/{lib}"
EOF
done
getent passwd hybridfog | grep -q ':/usr/sbin/nologin$' || fail "user hybridfog: $(getent passwd hybridfog)"
[ "$(id -u hybridfog)" -lt 1000 ] || fail "user hybridfog is not a system user (uid $(id -u hybridfog))"

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
set_tcp_nodelay true
max_topic_alias 0
persistence false
log_dest stderr
EOF
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
BROKER_PID=$!
wait_for 10 "Mosquitto on port $PORT" bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
step "Mosquitto on 127.0.0.1:$PORT; pointing /etc/hybridfog/{gateway,cloud}/io.hybridfog.mqtt.cfg at it"
for role in $ROLES; do
  sed -i "s#^broker.url=.*#broker.url=tcp://127.0.0.1:$PORT#" /etc/hybridfog/$role/io.hybridfog.mqtt.cfg
done
# long enough that a sample offloaded while the cloud worker is away stays unanswered until the upgrade is done
sed -i 's#^offload.timeout.ms=.*#offload.timeout.ms=300000#' /etc/hybridfog/gateway/io.hybridfog.edge.cfg
mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$PORT" -q 1 -t 'hybridfog/results/#' -F '%p' >"$WORK/results.log" 2>&1 &
SUB_PID=$!

# READY=1 notifications where systemd does not run: the service script calls systemd-notify on NOTIFY_SOCKET
if ! $SYSTEMD; then
  /usr/bin/python3 - "$WORK/notify.sock" "$WORK/notify.log" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg, fds, _, _ = socket.recv_fds(s, 4096, 8)
        for fd in fds:
            os.close(fd)  # systemd-notify's barrier: closing the fd tells it the message was taken
        log.write(msg.decode().replace("\n", " ") + "\n")
EOF
  NOTIFY_PID=$!
  wait_for 5 "notify socket" test -S "$WORK/notify.sock"
fi

ready_count() { grep -c "^READY=1 STATUS=hybridfog-$1 " "$WORK/notify.log" || true; }
ready_or_exited() { # ready_or_exited ROLE N: true once ROLE sent its N-th READY=1; fails the test if it exited before
  [ "$(ready_count "$1")" -ge "$2" ] && return 0
  kill -0 "${PIDS[$1]}" 2>/dev/null || { wait "${PIDS[$1]}"; fail "hybridfog-$1 exited with $? before it was ready"; }
  return 1
}
unit_value() { sed -n "s/^$2=//p" "$UNIT_DIR/hybridfog-$1.service"; }
start_role() { # start_role ROLE: as hybridfog-ROLE.service says, then waits for READY=1 (or systemctl's start job)
  local role=$1 unit=hybridfog-$1.service t0
  t0=$(date +%s.%N)
  if $SYSTEMD; then
    systemctl start "$unit" || fail "systemctl start $unit"
  else
    local user group wd exec_start
    user=$(unit_value "$role" User); group=$(unit_value "$role" Group); wd=$(unit_value "$role" WorkingDirectory)
    exec_start=$(unit_value "$role" ExecStart)
    local -a envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "NOTIFY_SOCKET=$WORK/notify.sock")
    while IFS= read -r e; do
      e=${e#\"}; envs+=("${e%\"}")
    done < <(unit_value "$role" Environment)
    # shellcheck disable=SC2086  # ExecStart is a command line
    (cd "$wd" && exec setpriv --reuid="$user" --regid="$group" --init-groups env -i "${envs[@]}" $exec_start) \
      >>"$WORK/$role.log" 2>&1 &
    PIDS[$role]=$!
    local readies; readies=$(ready_count "$role")
    wait_for $TIMEOUT_S "READY=1 from $unit" ready_or_exited "$role" $((readies + 1))
    [ "$(grep -c "^ready: hybridfog-$role" "$WORK/$role.log" || true)" -eq $((readies + 1)) ] \
      || fail "READY=1 came before the launcher's ready line"
  fi
  step "$unit ready after $(since "$t0") s"
}
stop_role() {
  local role=$1
  if $SYSTEMD; then
    systemctl stop "hybridfog-$role.service"
  else
    kill -TERM "${PIDS[$role]}"
    local rc=0; wait "${PIDS[$role]}" || rc=$?
    unset "PIDS[$role]"
    # 0, or 143 (SIGTERM, shutdown hooks ran: SuccessExitStatus of the unit)
    [ $rc -eq 0 ] || [ $rc -eq 143 ] || fail "hybridfog-$role exited with $rc after SIGTERM"
  fi
  step "hybridfog-$role stopped"
}
send() { # send SAMPLE_ID PNG
  mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$PORT" -q 1 -t hybridfog/samples/smoke-1 \
    -f "$HERE/models/fashion-mnist/png/$2" -D publish correlation-data "$1" || fail "mosquitto_pub $1"
}
result() { grep "\"sampleId\":\"$1\"" "$WORK/results.log"; }
expect_result() { # expect_result SAMPLE_ID EXIT CLASS
  wait_for 30 "the result of $1" grep -q "\"sampleId\":\"$1\"" "$WORK/results.log"
  local r; r=$(result "$1")
  [ "$(echo "$r" | wc -l)" -eq 1 ] || fail "$1 answered more than once: $r"
  echo "$r" | grep -q "\"exit\":\"$2\"" && echo "$r" | grep -q "\"predictedClass\":$3," || fail "$1: expected exit $2 class $3, got $r"
  step "$1 answered: exit $2, class $3"
}

for role in $ROLES; do start_role "$role"; done
# reference-predictions.csv: test image 0 exits at the edge (class 9), image 4 is offloaded (entropy 0.91 nats, class 6)
send s1 test-00000.png; expect_result s1 EDGE 9
send s2 test-00004.png; expect_result s2 CLOUD 6

stop_role cloud
send s3 test-00004.png
sleep 2 # taken and committed to the journal within ~10 ms, offloaded, no cloud worker to answer
stop_role gateway
result s3 >/dev/null && fail "s3 was answered without a cloud worker: $(result s3)"
step "s3 offloaded and unanswered in the gateway's journal"

step "upgrade: dpkg -i $(cd "$WORK/v2" && echo *.deb)"
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$WORK"/v2/*.deb >"$WORK/dpkg-upgrade.log" 2>&1 || fail "upgrade failed: $(tail -5 "$WORK/dpkg-upgrade.log")"
for role in $ROLES; do
  case $(installed_version hybridfog-$role) in *-2) ;; *) fail "hybridfog-$role not upgraded: $(installed_version hybridfog-$role)";; esac
  grep -q "^broker.url=tcp://127.0.0.1:$PORT$" /etc/hybridfog/$role/io.hybridfog.mqtt.cfg || fail "upgrade lost the edited /etc/hybridfog/$role/io.hybridfog.mqtt.cfg"
done
start_role cloud
start_role gateway
# (with systemd the log is in the journal: journalctl -u hybridfog-gateway)
$SYSTEMD || grep -q "answering 1 samples the last run took and did not answer" "$WORK/gateway.log" \
  || fail "the upgraded gateway did not find s3 in its journal"
expect_result s3 CLOUD 6
send s4 test-00000.png; expect_result s4 EDGE 9
stop_role gateway
stop_role cloud

step "dpkg --remove: configuration and state stay"
dpkg --remove hybridfog-gateway hybridfog-cloud >"$WORK/dpkg-remove.log" 2>&1 || fail "dpkg --remove: $(tail -5 "$WORK/dpkg-remove.log")"
for role in $ROLES; do
  [ ! -e /usr/lib/hybridfog/$role ] || fail "/usr/lib/hybridfog/$role left after remove"
  [ ! -e "$UNIT_DIR/hybridfog-$role.service" ] || fail "unit file left after remove"
  [ -f /etc/hybridfog/$role/io.hybridfog.mqtt.cfg ] || fail "remove deleted /etc/hybridfog/$role"
  [ -d /var/lib/hybridfog/$role/work ] || fail "remove deleted /var/lib/hybridfog/$role/work"
done
[ -f /var/lib/hybridfog/gateway/work/state/journal/gateway-1/journal.mv.db ] || fail "remove deleted the gateway's journal"
getent passwd hybridfog >/dev/null || fail "remove deleted the user hybridfog"

step "dpkg --purge: everything gone"
dpkg --purge hybridfog-gateway hybridfog-cloud >"$WORK/dpkg-purge.log" 2>&1 || fail "dpkg --purge: $(tail -5 "$WORK/dpkg-purge.log")"
for path in /etc/hybridfog /var/lib/hybridfog /usr/lib/hybridfog /etc/systemd/system/multi-user.target.wants/hybridfog-gateway.service \
    /etc/systemd/system/multi-user.target.wants/hybridfog-cloud.service; do
  [ ! -e "$path" ] && [ ! -L "$path" ] || fail "$path left after purge"
done
! getent passwd hybridfog >/dev/null || fail "user hybridfog left after purge"
! getent group hybridfog >/dev/null || fail "group hybridfog left after purge"
dpkg-query -W -f='${Status}\n' hybridfog-gateway hybridfog-cloud 2>/dev/null | grep -qv 'not-installed' && fail "dpkg still knows the packages"
step "all checks passed"
