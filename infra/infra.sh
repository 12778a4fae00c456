#!/usr/bin/env bash
# Real Kafka (KRaft, one node) and a MongoDB-wire server as plain local processes, for integration
# tests and CI on machines without Docker. Jars, data, logs and pid files live under .infra/.
#
#   infra.sh up                     fetch jars if missing, start both, wait until they serve clients
#   infra.sh down                   stop both (SIGTERM, then SIGKILL after a grace period)
#   infra.sh env                    print the exports for the running servers
#   infra.sh running                exit 0 when both servers run
#   infra.sh start-kafka|start-mongo
#   infra.sh stop-kafka|stop-mongo [--kill]   --kill: SIGKILL at once, as a crash would
#
# Ports: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), MONGO_PORT (27018). Progress goes to
# stderr and the exports to stdout, so `eval "$(bash infra/infra.sh up)"` works.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA="$ROOT/infra"
STATE="$ROOT/.infra"
PORTS_FILE="$STATE/ports.env"
READY_TIMEOUT="${INFRA_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${INFRA_STOP_TIMEOUT:-30}"

log() { echo "infra: $*" >&2; }
die() {
  log "$*"
  exit 1
}

load_ports() {
  local saved_kafka='' saved_controller='' saved_mongo=''
  # Ports of the last successful start beat the defaults, so restarts and `env` match what runs.
  if [[ -f $PORTS_FILE ]]; then
    # shellcheck source=/dev/null
    source "$PORTS_FILE"
  fi
  KAFKA_PORT="${KAFKA_PORT:-${saved_kafka:-19092}}"
  KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-${saved_controller:-19093}}"
  MONGO_PORT="${MONGO_PORT:-${saved_mongo:-27018}}"
  if { server_pid kafka || server_pid mongo-wire; } >/dev/null &&
    [[ $KAFKA_PORT:$KAFKA_CONTROLLER_PORT:$MONGO_PORT != "$saved_kafka:$saved_controller:$saved_mongo" ]]; then
    die "servers are running on the ports in $PORTS_FILE; run 'infra.sh down' before changing ports"
  fi
}

save_ports() {
  mkdir -p "$STATE"
  printf 'saved_kafka=%s\nsaved_controller=%s\nsaved_mongo=%s\n' \
    "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$MONGO_PORT" >"$PORTS_FILE"
}

print_env() {
  echo "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "export MONGODB_URL=mongodb://127.0.0.1:$MONGO_PORT/ledgerline"
}

alive() {
  local stat
  stat="$(ps -p "$1" -o stat= 2>/dev/null)" && [[ $stat != Z* ]]
}

# Prints the pid of this checkout's server, if it runs. A stale pid file may name an unrelated
# process by now; ours is recognised by the jar directory on its command line.
server_pid() {
  local pidfile="$STATE/$1/$1.pid" pid
  [[ -f $pidfile ]] || return 1
  pid="$(<"$pidfile")"
  alive "$pid" && ps -p "$pid" -o args= | grep -qF "$STATE/$1/libs" && echo "$pid"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

fetch_jars() {
  local libs="$STATE/$1/libs"
  [[ -d $libs ]] && return 0
  mkdir -p "$STATE"
  log "fetching $1 jars with Maven into $libs"
  rm -rf "$libs.partial"
  # Debian's Maven defaults to an old dependency plugin, hence the pinned version.
  if ! mvn -B -q -f "$INFRA/$1/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs.partial" >"$STATE/maven.log" 2>&1; then
    cat "$STATE/maven.log" >&2
    die "fetching $1 jars failed"
  fi
  # Renamed only once complete, so an interrupted fetch is redone rather than half used.
  mv "$libs.partial" "$libs"
}

# Runs a server in its own session, so that Ctrl-C in the shell or test run that started it does
# not reach it; the process writes its own pid before becoming the server.
launch() {
  local name=$1 dir="$STATE/$1"
  shift
  rm -f "$dir/$name.pid"
  echo "--- $(date -u +%FT%TZ) start" >>"$dir/$name.log"
  setsid bash -c 'echo $$ >"$0" && exec "$@"' "$dir/$name.pid" "$@" \
    >>"$dir/$name.log" 2>&1 </dev/null &
  for _ in $(seq 50); do
    [[ -s $dir/$name.pid ]] && return 0
    sleep 0.1
  done
  die "$name did not start; see $dir/$name.log"
}

start_kafka() {
  local dir="$STATE/kafka" pid port
  if pid="$(server_pid kafka)"; then
    log "kafka already running (pid $pid)"
    return 0
  fi
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    ! port_in_use "$port" || die "port $port is taken by another process"
  done
  fetch_jars kafka
  mkdir -p "$dir/data"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@KAFKA_LOG_DIR@|$dir/data|g" \
    "$INFRA/kafka/server.properties.template" >"$dir/server.properties"
  local java_opts=(-Dlog4j.configuration="file:$INFRA/kafka/log4j.properties" -cp "$dir/libs/*")
  if [[ ! -f $dir/data/meta.properties ]]; then
    log "formatting kafka storage"
    # A base64url id starts with '-' one time in 64: as a separate argument the tool took it
    # for an option and refused to format, so the id is bound with '=' and drawn without one,
    # as Kafka's own random ids are.
    local cluster_id
    cluster_id="$(node -e "
      const { randomBytes } = require('node:crypto');
      let id;
      do id = randomBytes(16).toString('base64url'); while (id.startsWith('-'));
      process.stdout.write(id);
    ")"
    java "${java_opts[@]}" kafka.tools.StorageTool format -g -c "$dir/server.properties" \
      --cluster-id="$cluster_id" \
      >>"$dir/kafka.log" 2>&1 || die "formatting kafka storage failed; see $dir/kafka.log"
  fi
  launch kafka java -Xms512m -Xmx512m -XX:+UseG1GC "${java_opts[@]}" kafka.Kafka "$dir/server.properties"
  log "kafka started (pid $(<"$dir/kafka.pid")) on 127.0.0.1:$KAFKA_PORT"
}

start_mongo() {
  local dir="$STATE/mongo-wire" pid
  if pid="$(server_pid mongo-wire)"; then
    log "mongo-wire already running (pid $pid)"
    return 0
  fi
  ! port_in_use "$MONGO_PORT" || die "port $MONGO_PORT is taken by another process"
  fetch_jars mongo-wire
  mkdir -p "$dir/data"
  # Every client connection would log a line at INFO.
  launch mongo-wire java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.MongoServer=info \
    -cp "$dir/libs/*" "$INFRA/mongo-wire/MongoWire.java" \
    "$dir/data/ledgerline.mv.db" "$MONGO_PORT"
  log "mongo-wire started (pid $(<"$dir/mongo-wire.pid")) on 127.0.0.1:$MONGO_PORT"
}

# An open port is not readiness: the probes do what clients do and fail fast if the process dies.
wait_ready() {
  local name=$1 probe=$2 address=$3 pid
  if ! pid="$(server_pid "$name")"; then
    log "$name is not running"
    return 1
  fi
  if ! node "$INFRA/$probe" "$address" "$READY_TIMEOUT" "$pid"; then
    log "$name is not ready; last lines of $STATE/$name/$name.log:"
    tail -n 40 "$STATE/$name/$name.log" >&2
    return 1
  fi
  log "$name ready"
}

wait_kafka() { wait_ready kafka wait-for-kafka.js "127.0.0.1:$KAFKA_PORT"; }
wait_mongo() { wait_ready mongo-wire wait-for-mongo.js "mongodb://127.0.0.1:$MONGO_PORT/ledgerline"; }

stop_server() {
  local name=$1 signal=TERM pid
  [[ ${2:-} == --kill ]] && signal=KILL
  if ! pid="$(server_pid "$name")"; then
    rm -f "$STATE/$name/$name.pid"
    log "$name is not running"
    return 0
  fi
  kill "-$signal" "$pid"
  for _ in $(seq $((STOP_TIMEOUT * 10))); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$name still running ${STOP_TIMEOUT}s after SIG$signal; sending SIGKILL"
    kill -KILL "$pid"
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$STATE/$name/$name.pid"
  log "$name stopped (SIG$signal)"
}

usage() {
  # The header comment is the usage text.
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

main() {
  [[ $# -ge 1 ]] || usage
  load_ports
  case $1 in
    up)
      start_kafka
      start_mongo
      local failed=0
      wait_kafka &
      local kafka_wait=$!
      wait_mongo || failed=1
      wait "$kafka_wait" || failed=1
      [[ $failed == 0 ]] || die "not ready; 'bash infra/infra.sh down' stops what did start"
      save_ports
      print_env
      ;;
    down)
      stop_server kafka
      stop_server mongo-wire
      ;;
    env) print_env ;;
    running) server_pid kafka >/dev/null && server_pid mongo-wire >/dev/null ;;
    start-kafka)
      start_kafka
      wait_kafka
      save_ports
      ;;
    start-mongo)
      start_mongo
      wait_mongo
      save_ports
      ;;
    stop-kafka) stop_server kafka "${2:-}" ;;
    stop-mongo) stop_server mongo-wire "${2:-}" ;;
    *) usage ;;
  esac
}

main "$@"
