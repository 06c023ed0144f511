#!/usr/bin/env bash
# desk-server benchmarks: closed-loop load (customer lookup against the bare handler), the
# policy push fan-out, and the SCIM provisioning check's cost on lookups, against a release build
# on this machine with the test identity provider.
#
#   scripts/bench-server.sh OUT_DIR
#
# Builds desk-server and desk-bench (release), starts the test provider and a server over
# generated demo data in a temporary folder, runs `desk-bench load` then `desk-bench fanout`,
# prints their tables on stdout and writes OUT_DIR/server-load.json and OUT_DIR/fanout.json.
# Then the provisioning check: agent1 is provisioned (an active SCIM user, member of a group, so
# the check finds a user and its groups) and customer lookups are measured in short rounds on two
# servers over the same data, one at a time: one where the check runs (its one query per request)
# and one started with DESK_SERVER_SCIM_USER_CLAIM=no_such_claim (the token lacks that claim: no
# query). Each round measures both, in turns (with first in odd rounds, without first in even
# ones), each on a freshly started server, so the machine's drift falls on both alike;
# `desk-bench provisioning summary` compares the medians and writes
# OUT_DIR/provisioning-check.json (the rounds themselves: OUT_DIR/provisioning-rounds.jsonl).
# Then PostgreSQL: a throwaway cluster (scripts/lib.sh start_postgres: the test cluster, fsync
# off), demo data in it, customer lookups on one replica and on two (the connections spread over
# both; OUT_DIR/postgres-1/ and OUT_DIR/postgres-2/server-load.json), and the push to
# BENCH_PG_CLIENTS clients spread over the two, published on the first (OUT_DIR/postgres-2/fanout.json).
# Everything it starts is stopped on exit. Knobs (environment):
#   BENCH_SERVER_PARTS="load fanout provisioning postgres"
#                               which parts to run (space- or comma-separated); e.g.
#                               BENCH_SERVER_PARTS=provisioning for the provisioning check alone
#   BENCH_CUSTOMERS=10000       demo customers (lookups draw ids from all of them)
#   BENCH_DURATION_SECS=10      measured seconds per load case (after a 2 s warm-up)
#   BENCH_CONNECTIONS=50,200    load concurrencies
#   BENCH_SLICES=5              alternating slices per concurrency (desk-bench load --slices; 1:
#                               one window per case, lookups first, e.g. to profile them alone)
#   BENCH_CLIENTS=1000          event-stream clients of the fan-out
#   BENCH_PG_CLIENTS=10000      event-stream clients of the fan-out across two PostgreSQL replicas
#   BENCH_SERVER_BIN=PATH       a desk-server binary to measure instead of this tree's release
#                               build (an older build, to compare; desk-bench is still this tree's)
#   BENCH_PERF=1                record the server with `perf` during the load (flat profile) into
#                               OUT_DIR/server-load.perf.data; `perf report -i` it afterwards
#   BENCH_PERF_ARGS=            more `perf record` options, e.g. "--call-graph dwarf" for callers
#   BENCH_ROUNDS=4              rounds of the provisioning check (each: one server with the check,
#                               one without)
#   BENCH_ROUND_SECS=5          measured seconds per server and round (after a 2 s warm-up)
#   BENCH_ROUND_CONNECTIONS=50  connections of the provisioning check's lookups
# CARGO_TARGET_DIR, when set, is the build folder (otherwise ~/.cache/support-desk/target).
# Exit status: 0 when all ran cleanly, 2 when any had failed requests or clients not reached
# (the tables then say so), 1 when something could not run. Missed targets are results, not
# failures: they are in the JSON (`met`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

out=${1:?usage: scripts/bench-server.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
customers=${BENCH_CUSTOMERS:-10000}
parts=" ${BENCH_SERVER_PARTS:-load fanout provisioning postgres} "
parts=${parts//,/ }
for part in $parts; do
  case "$part" in load|fanout|provisioning|postgres) ;; *) die "unknown part $part in BENCH_SERVER_PARTS (load, fanout, provisioning, postgres)" ;; esac
done
wants() { [[ "$parts" == *" $1 "* ]]; }

use_persistent_target_dir
command -v node >/dev/null || die "Node.js is needed for the test identity provider"

run_dir=$(mktemp -d)
pids=()
serve_pid=
cleanup() {
  local pid
  for pid in "${pids[@]}" $serve_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}" $serve_pid; do wait "$pid" 2>/dev/null || true; done
  stop_postgres
  rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Shows a log and stops; for the steps whose output is kept quiet.
fail_with_log() { # LOG MESSAGE
  tail -n 40 "$1" >&2 || true
  die "$2"
}

packages=(-p desk-bench)
[ -n "${BENCH_SERVER_BIN:-}" ] || packages+=(-p desk-server)
if ! cargo build --release --locked --quiet "${packages[@]}" >"$run_dir/build.log" 2>&1; then
  fail_with_log "$run_dir/build.log" "the release build failed"
fi
server_bin="${BENCH_SERVER_BIN:-$CARGO_TARGET_DIR/release/desk-server}"
[ -x "$server_bin" ] || die "no desk-server binary at $server_bin"
bench_bin="$CARGO_TARGET_DIR/release/desk-bench"

if [ ! -d tests/idp/node_modules ]; then
  (cd tests/idp && npm ci --no-audit --no-fund --loglevel=error) >"$run_dir/npm.log" 2>&1 ||
    fail_with_log "$run_dir/npm.log" "npm ci in tests/idp failed"
fi

# A thousand event streams are a thousand sockets on each side: the server and desk-bench both
# inherit this (desk-bench raises its own soft limit too; desk-server does not).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# KEY of the JSON line a background service prints first, once it has printed it.
first_json_value() { # FILE KEY
  local _
  for _ in $(seq 300); do
    if [ -s "$1" ]; then
      head -n1 "$1" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const v = JSON.parse(s)[process.argv[1]]; if (!v) process.exit(1); console.log(v); })' "$2"
      return
    fi
    sleep 0.1
  done
  fail_with_log "${1%.out}.err" "a service did not start (see above)"
}

# A fresh access token (valid 600 s) of a test user, never shown.
access_token() { # USER
  node tests/idp/tokens.mjs --issuer "$issuer" --user "$1" 2>"$run_dir/tokens.err" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const t = JSON.parse(s).access_token; if (!t) process.exit(1); process.stdout.write(t); })' ||
    fail_with_log "$run_dir/tokens.err" "could not get a token for $1"
}

(cd tests/idp && exec node server.mjs) >"$run_dir/idp.out" 2>"$run_dir/idp.err" &
pids+=($!)
issuer=$(first_json_value "$run_dir/idp.out" issuer)
audience=$(first_json_value "$run_dir/idp.out" api_audience)

export DESK_SERVER_ISSUER="$issuer"
export DESK_SERVER_AUDIENCES="[\"$audience\"]"
export DESK_SERVER_DATA_DIR="$run_dir/server"
# One agent's token drives the whole load, far past any person's read budget (a first-line agent
# reads 60 a minute): the shipped role definitions with every role's budget at its highest, so
# the benchmark measures the server, the budget's bookkeeping included, not the budget. A build
# from before read budgets (BENCH_SERVER_BIN) has none to lift and would refuse the member.
if grep -qa bulk_customers_per_hour "$server_bin"; then
  node -e 'const fs = require("fs");
    const roles = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const role of roles) role.read_budget = { reads_per_minute: 10000000, burst: 10000000,
      bulk_customers_per_hour: 100000, block_bulk: false };
    fs.writeFileSync(process.argv[2], JSON.stringify(roles));' \
    crates/desk-server/defaults/roles.json "$run_dir/bench-roles.json"
  export DESK_SERVER_ROLES_FILE="$run_dir/bench-roles.json"
fi
# The fan-out's thousand event streams are one agent's, from one address: past the per-agent
# stream limit (10) and near the per-address connection limit (1,024) that hold a real agent back.
# A build from before those limits ignores nothing: it refuses unknown settings, so they are set
# only for a build that knows them.
if grep -qa max_event_streams_per_agent "$server_bin"; then
  export DESK_SERVER_MAX_EVENT_STREAMS_PER_AGENT=100000
  export DESK_SERVER_MAX_CONNECTIONS_PER_ADDRESS=100000
  export DESK_SERVER_MAX_CONNECTIONS=200000
  export DESK_SERVER_MAX_EVENT_STREAMS=200000
fi
"$server_bin" demo-data --customers "$customers" >"$run_dir/demo.out" 2>"$run_dir/demo.err" ||
  fail_with_log "$run_dir/demo.err" "desk-server demo-data failed"

status=0
# Keeps the first failure's status (2: failed requests; 1: could not run).
failed() { [ "$status" -ne 0 ] || status=$1; }

if wants load || wants fanout; then
  # Warnings only: an info line per request refused would be a benchmark of the log.
  RUST_LOG=desk_server=warn "$server_bin" serve --listen 127.0.0.1:0 >"$run_dir/server.out" 2>"$run_dir/server.err" &
  pids+=($!)
  server_pid=${pids[-1]}
  server=$(first_json_value "$run_dir/server.out" listening)

  if wants load; then
    DESK_BENCH_AGENT_TOKEN=$(access_token agent1)
    export DESK_BENCH_AGENT_TOKEN
    perf_pid=
    if [ -n "${BENCH_PERF:-}" ]; then
      command -v perf >/dev/null || die "BENCH_PERF needs perf (Debian: linux-perf)"
      perf record -F 999 ${BENCH_PERF_ARGS:-} -p "$server_pid" -o "$out/server-load.perf.data" \
        >"$run_dir/perf.log" 2>&1 &
      perf_pid=$!
      pids+=("$perf_pid")
    fi
    # With the server's process id, each case also says who used the cores (desk-bench, the
    # server, everything else) and the server's CPU time per request.
    "$bench_bin" load --server "$server" --server-pid "$server_pid" --customers "$customers" \
      --duration-secs "${BENCH_DURATION_SECS:-10}" --connections "${BENCH_CONNECTIONS:-50,200}" --ticket-views \
      --slices "${BENCH_SLICES:-5}" --out "$out" || failed $?
    if [ -n "$perf_pid" ]; then
      kill -INT "$perf_pid" 2>/dev/null || true
      wait "$perf_pid" 2>/dev/null || true
      echo "perf recording: $out/server-load.perf.data (perf report -i it)"
    fi
    echo
  fi

  if wants fanout; then
    # Fresh tokens: a stream ends when its token expires.
    DESK_BENCH_AGENT_TOKEN=$(access_token agent1)
    DESK_BENCH_ADMIN_TOKEN=$(access_token admin)
    export DESK_BENCH_AGENT_TOKEN DESK_BENCH_ADMIN_TOKEN
    "$bench_bin" fanout --server "$server" --clients "${BENCH_CLIENTS:-1000}" --role agent_l1 \
      --out "$out" || failed $?
  fi

  if ! kill -0 "$server_pid" 2>/dev/null; then
    fail_with_log "$run_dir/server.err" "desk-server exited during the benchmark"
  fi
  # The provisioning check's servers use the same data: one server at a time.
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  kept=()
  for pid in "${pids[@]}"; do [ "$pid" = "$server_pid" ] || kept+=("$pid"); done
  pids=("${kept[@]}")
fi

# The provisioning check on lookups. A server of the check's rounds, started over the run's data
# with the environment above plus ENV=VALUE…; sets $server and $serve_pid. Its output goes to
# $run_dir/LABEL.out and .err.
serve_start() { # LABEL [ENV=VALUE…]
  local label=$1
  shift
  env "$@" RUST_LOG=desk_server=warn "$server_bin" serve --listen 127.0.0.1:0 \
    >"$run_dir/$label.out" 2>"$run_dir/$label.err" &
  serve_pid=$!
  server=$(first_json_value "$run_dir/$label.out" listening)
}
# Stops it (SIGTERM: a graceful shutdown) and waits until it has exited; fails if it had exited
# before.
serve_stop() { # LABEL
  if ! kill "$serve_pid" 2>/dev/null; then
    wait "$serve_pid" 2>/dev/null || true
    serve_pid=
    fail_with_log "$run_dir/$1.err" "desk-server ($1) exited during the benchmark"
  fi
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=
}

if wants provisioning && ! grep -qa scim_user_claim "$server_bin"; then
  echo "provisioning check: skipped, $server_bin has no SCIM provisioning"
elif wants provisioning; then
  rounds=${BENCH_ROUNDS:-4}
  [[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a count of 1 or more"
  rm -f "$out/provisioning-rounds.jsonl" "$out/provisioning-check.json"
  # A provisioning client's token, made as `serve` would see it (same environment), never shown.
  scim_token=$("$server_bin" scim token create --name bench 2>"$run_dir/scim-token.err" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const t = JSON.parse(s).token; if (!t) process.exit(1); process.stdout.write(t); })') ||
    fail_with_log "$run_dir/scim-token.err" "desk-server scim token create failed"
  # agent1 as an active SCIM user, member of one group; then read back, so the check is known to
  # find a user and its groups (the access tokens of the test provider name agent1 in
  # preferred_username, the default scim_user_claim).
  serve_start provision
  DESK_BENCH_SCIM_TOKEN=$scim_token node -e '
    const base = `${process.argv[1]}/scim/v2`;
    const call = async (method, path, body) => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${process.env.DESK_BENCH_SCIM_TOKEN}`,
          "content-type": "application/scim+json" },
        body: body && JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`${method} ${path} answered ${r.status}: ${text}`);
      return JSON.parse(text);
    };
    (async () => {
      const user = await call("POST", "/Users", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "agent1", active: true });
      await call("POST", "/Groups", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "support-tier1",
        members: [{ value: user.id }] });
      const back = await call("GET", `/Users/${user.id}`);
      const groups = (back.groups ?? []).map((g) => g.display);
      if (back.active !== true || !groups.includes("support-tier1"))
        throw new Error(`agent1 reads back as ${JSON.stringify({ active: back.active, groups })}`);
      console.log(`provisioned agent1: active, member of ${groups.join(", ")}`);
    })().catch((e) => { console.error(e.message); process.exit(1); });' "$server" \
    2>"$run_dir/provision.node.err" || fail_with_log "$run_dir/provision.node.err" "provisioning agent1 failed"
  serve_stop provision
  unset scim_token

  for round in $(seq "$rounds"); do
    # One token per round, for both of its servers (a token lasts 600 s).
    DESK_BENCH_AGENT_TOKEN=$(access_token agent1)
    export DESK_BENCH_AGENT_TOKEN
    if [ $((round % 2)) -eq 1 ]; then order=(with without); else order=(without with); fi
    for variant in "${order[@]}"; do
      label="round$round-$variant"
      if [ "$variant" = with ]; then
        serve_start "$label"
      else
        serve_start "$label" DESK_SERVER_SCIM_USER_CLAIM=no_such_claim
      fi
      "$bench_bin" provisioning round --server "$server" --variant "$variant" --round "$round" \
        --customers "$customers" --connections "${BENCH_ROUND_CONNECTIONS:-50}" \
        --duration-secs "${BENCH_ROUND_SECS:-5}" --out "$out" || failed $?
      serve_stop "$label"
    done
  done
  echo
  "$bench_bin" provisioning summary --out "$out" || failed $?
fi

# PostgreSQL: one replica, then two on the same database and data folder (the shared key files).
if wants postgres; then
  start_postgres
  pg_env=(DESK_SERVER_DATABASE_URL="$DESK_TEST_POSTGRES" DESK_SERVER_DATA_DIR="$run_dir/pg-server")
  env "${pg_env[@]}" "$server_bin" demo-data --customers "$customers" >"$run_dir/pg-demo.out" 2>"$run_dir/pg-demo.err" ||
    fail_with_log "$run_dir/pg-demo.err" "desk-server demo-data on PostgreSQL failed"
  replicas=() replica_pids=()
  replica_start() { # LABEL
    env "${pg_env[@]}" RUST_LOG=desk_server=warn "$server_bin" serve --listen 127.0.0.1:0 \
      >"$run_dir/$1.out" 2>"$run_dir/$1.err" &
    pids+=($!)
    replica_pids+=($!)
    replicas+=("$(first_json_value "$run_dir/$1.out" listening)")
  }
  joined() { local IFS=,; echo "$*"; }
  DESK_BENCH_AGENT_TOKEN=$(access_token agent1)
  export DESK_BENCH_AGENT_TOKEN
  replica_start pg-a
  for count in 1 2; do
    [ "$count" -eq 1 ] || replica_start pg-b
    mkdir -p "$out/postgres-$count"
    echo "PostgreSQL, $count replica(s):"
    "$bench_bin" load --server "$(joined "${replicas[@]}")" --server-pid "$(joined "${replica_pids[@]}")" \
      --customers "$customers" --duration-secs "${BENCH_DURATION_SECS:-10}" \
      --connections "${BENCH_CONNECTIONS:-50,200}" --out "$out/postgres-$count" || failed $?
    echo
  done
  DESK_BENCH_AGENT_TOKEN=$(access_token agent1)
  DESK_BENCH_ADMIN_TOKEN=$(access_token admin)
  export DESK_BENCH_AGENT_TOKEN DESK_BENCH_ADMIN_TOKEN
  "$bench_bin" fanout --server "$(joined "${replicas[@]}")" --clients "${BENCH_PG_CLIENTS:-10000}" \
    --role agent_l1 --connect-timeout-secs 180 --out "$out/postgres-2" || failed $?
  for i in "${!replica_pids[@]}"; do
    label=(pg-a pg-b)
    kill -0 "${replica_pids[$i]}" 2>/dev/null ||
      fail_with_log "$run_dir/${label[$i]}.err" "desk-server replica ${label[$i]} exited during the benchmark"
  done
fi
exit "$status"
