#!/usr/bin/env bash
# Loopback load test of the server with wrk (see docs/performance.md).
#
#   benchmarks/load/run.sh            # 15 s per phase, 32 connections, 2 wrk threads
#   DURATION=30s benchmarks/load/run.sh
#   PHASES=create benchmarks/load/run.sh   # only some phases
#   AUTH=rbac|admin|off benchmarks/load/run.sh
#        rbac (default): requests carry the token of a user whose rights come from a RoleBinding to "edit" in the
#                        namespaces used, so every request pays authentication and a real RBAC decision;
#        admin:          the admin token (system:masters: authenticated, RBAC short-circuits);
#        off:            Authentication:Enabled=false (loopback only), the cost floor without identity.
#
# Builds the server in Release, starts it on a free 127.0.0.1 port with a fresh temp database and
# Warning-level logs, defines the CronTab CRD from samples/, then measures:
# After a 9 s warm-up (not reported):
#   healthz  GET /healthz (Kestrel + routing only: the floor for every other phase)
#   create   POST .../namespaces/default/crontabs, a valid object with a unique name per request
#   get      GET of one existing object
#   list     GET .../namespaces/bench-list/crontabs (no limit) on a namespace holding exactly 100 objects
#   hooked   the latency a sync hook adds to a write: creates over ONE connection (create-c1), then one validating
#            admission webhook (benchmarks/load/webhook.py on loopback, always allowing) is registered for CronTab
#            creates and the same runs again (hooked-c1). One connection, so the Python receiver's own throughput
#            does not dominate.
# Traffic goes to 127.0.0.1 only; every loop is bounded; the server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"

DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
LIST_OBJECTS="${LIST_OBJECTS:-100}"
PHASES="${PHASES:-healthz create get list hooked}"   # a subset, e.g. PHASES=create, for quick A/B comparisons
RESULTS_DIR="${RESULTS_DIR:-}"
AUTH="${AUTH:-rbac}"
case "$AUTH" in rbac|admin|off) ;; *) echo "AUTH must be rbac, admin or off (got $AUTH)" >&2; exit 2 ;; esac

case "$DURATION" in
  [1-9]s|[1-5][0-9]s|60s) ;;
  *) echo "DURATION must be 1s..60s (got $DURATION)" >&2; exit 2 ;;
esac
seconds="${DURATION%s}"

if ! command -v wrk >/dev/null; then
  echo "== installing wrk"
  if [ "$(id -u)" -ne 0 ]; then echo "wrk is missing; install it (apt-get install wrk)" >&2; exit 1; fi
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

work="$(mktemp -d)"
results="${RESULTS_DIR:-$work/results}"
mkdir -p "$results"
server_pid=""
webhook_pid=""
cleanup() {
  [ -n "$webhook_pid" ] && kill "$webhook_pid" 2>/dev/null || true
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work/db"
  [ -z "$RESULTS_DIR" ] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building the server (Release)"
dotnet build -c Release "$repo/src/CustomResources.Server" -nologo -v q -clp:ErrorsOnly >/dev/null
server_dll="$repo/src/CustomResources.Server/bin/Release/net10.0/CustomResources.Server.dll"

# A free port: try at most 50 random ones; a port is free when nothing answers a connect.
free_port() {
  local candidate
  for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}
port="$(free_port)" || { echo "no free port found" >&2; exit 1; }
base="http://127.0.0.1:$port"

echo "== starting the server on $base"
mkdir -p "$work/db"
Storage__Path="$work/db/customresources.db" \
Authentication__Enabled="$([ "$AUTH" = off ] && echo false || echo true)" \
Logging__LogLevel__Default=Warning \
Outbound__AllowedHosts__0=127.0.0.1 \
ASPNETCORE_ENVIRONMENT=Production \
  dotnet "$server_dll" --urls "$base" >"$results/server.log" 2>&1 &
server_pid=$!

for i in $(seq 1 120); do
  if curl -fsS -m 2 "$base/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "server exited:"; cat "$results/server.log"; exit 1; }
  [ "$i" -eq 120 ] && { echo "server not ready after 60 s" >&2; exit 1; }
  sleep 0.5
done

# Set-up runs as the admin (the kubeconfig the server wrote beside its store); the phases as $AUTH says.
admin_token=""
if [ "$AUTH" != off ]; then
  admin_token=$(sed -n 's/^ *token: "\(.*\)"$/\1/p' "$work/db/admin.kubeconfig")
fi
auth_header() { [ -n "$1" ] && echo "Authorization: Bearer $1" || echo "X-No-Auth: 1"; }

post() { # post URL CONTENT-TYPE DATA-ARG -> prints the HTTP status
  curl -sS -m 10 -o "$results/last-response.json" -w '%{http_code}' -X POST "$1" -H "Content-Type: $2" -H "$(auth_header "$admin_token")" --data-binary "$3"
}
expect_201() { local status="$1" what="$2"; [ "$status" = 201 ] || { echo "$what: HTTP $status"; cat "$results/last-response.json"; echo; exit 1; }; }

echo "== defining the CronTab CRD (samples/crontab-crd.yaml as application/yaml)"
expect_201 "$(post "$base/apis/apiextensions.k8s.io/v1/customresourcedefinitions" application/yaml @samples/crontab-crd.yaml)" "CRD create"

crontabs="$base/apis/stable.example.com/v1/namespaces"
object() { printf '{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"%s"},"spec":{"cronSpec":"*/5 * * * *","image":"registry.example.com/backup:1.2.3"}}' "$1"; }

expect_201 "$(post "$crontabs/default/crontabs" application/json "$(object bench-get)")" "object create"
expect_201 "$(post "$base/api/v1/namespaces" application/json '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench-list"}}')" "namespace create"
for i in $(seq 1 "$LIST_OBJECTS"); do
  expect_201 "$(post "$crontabs/bench-list/crontabs" application/json "$(object "item-$i")")" "list object $i"
done
load_token="$admin_token"
if [ "$AUTH" = rbac ]; then
  load_token=$(dotnet "$server_dll" token create --subject bench-user --store "$work/db/customresources.db" 2>/dev/null | tail -n 1)
  for ns in default bench-list; do
    binding='{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"bench-edit"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},"subjects":[{"kind":"User","name":"bench-user","apiGroup":"rbac.authorization.k8s.io"}]}'
    expect_201 "$(post "$base/apis/rbac.authorization.k8s.io/v1/namespaces/$ns/rolebindings" application/json "$binding")" "role binding in $ns"
  done
fi
load_header="$(auth_header "$load_token")"
listed=$(curl -fsS -m 10 -H "$load_header" "$crontabs/bench-list/crontabs" | grep -o '"kind":"CronTab"' | wc -l)
[ "$listed" -eq "$LIST_OBJECTS" ] || { echo "expected $LIST_OBJECTS objects in bench-list, listed $listed" >&2; exit 1; }

run_wrk() { # run_wrk NAME [wrk args...]
  local name="$1"; shift
  echo "== $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $*   (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  timeout $((seconds + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency -H "$load_header" "$@" | tee "$results/$name.txt"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/$name.txt"
}

# Warm-up (not reported): JIT, tiered compilation and connection pools settle before anything is measured.
echo "== warm-up: 3 s each of create, get and list (not reported)"
for url in "$crontabs/default/crontabs/bench-get" "$crontabs/bench-list/crontabs"; do
  timeout 60 wrk -t"$THREADS" -c"$CONNECTIONS" -d3s --timeout 10s -H "$load_header" "$url" >/dev/null
done
timeout 60 wrk -t"$THREADS" -c"$CONNECTIONS" -d3s --timeout 10s -H "$load_header" -s benchmarks/load/create.lua "$crontabs/default/crontabs" -- "warm$$" >/dev/null

for phase in $PHASES; do
  case "$phase" in
    healthz) run_wrk healthz "$base/healthz" ;;
    create) run_wrk create -s benchmarks/load/create.lua "$crontabs/default/crontabs" -- "load$$" ;;
    get) run_wrk get "$crontabs/default/crontabs/bench-get" ;;
    list) run_wrk list "$crontabs/bench-list/crontabs" ;;
    hooked)
      THREADS=1 CONNECTIONS=1 run_wrk create-c1 -s benchmarks/load/create.lua "$crontabs/default/crontabs" -- "plain$$"
      hook_port="$(free_port)" || { echo "no free port for the webhook" >&2; exit 1; }
      python3 benchmarks/load/webhook.py "$hook_port" & webhook_pid=$!
      for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$hook_port") 2>/dev/null && break; sleep 0.1; done
      hook='{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"bench-allow"},"webhooks":[{"name":"allow.bench.example.com","clientConfig":{"url":"http://127.0.0.1:'"$hook_port"'/validate"},"rules":[{"operations":["CREATE"],"apiGroups":["stable.example.com"],"apiVersions":["v1"],"resources":["crontabs"]}],"failurePolicy":"Fail","sideEffects":"None","admissionReviewVersions":["v1"]}]}'
      expect_201 "$(post "$base/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations" application/json "$hook")" "webhook registration"
      timeout 30 wrk -t1 -c1 -d3s --timeout 10s -H "$load_header" -s benchmarks/load/create.lua "$crontabs/default/crontabs" -- "hookwarm$$" >/dev/null
      THREADS=1 CONNECTIONS=1 run_wrk hooked-c1 -s benchmarks/load/create.lua "$crontabs/default/crontabs" -- "hook$$" ;;
    *) echo "unknown phase $phase (healthz, create, get, list, hooked)" >&2; exit 2 ;;
  esac
done

kill -0 "$server_pid" 2>/dev/null || { echo "the server died during the run:"; tail -50 "$results/server.log"; exit 1; }
if grep -qiE 'fail|exception' "$results/server.log"; then
  echo "== server log has errors (first lines):"; grep -iE -m 10 'fail|exception' "$results/server.log"
fi

field() { # field FILE PATTERN -> the value after the pattern
  awk -v p="$2" '$1 == p { print $2; exit }' "$1"
}
echo
echo "== summary ($CONNECTIONS connections, $THREADS threads, $DURATION each; list = $LIST_OBJECTS objects, no limit; AUTH=$AUTH)"
printf '%-10s %10s %10s %10s %10s %10s %10s\n' phase 'req/s' p50 p90 p99 errors non-2xx
for name in healthz create get list create-c1 hooked-c1; do
  f="$results/$name.txt"
  [ -f "$f" ] || continue
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
  errors=$(awk '/Socket errors:/ { s = 0; for (i = 3; i <= NF; i += 2) s += $(i + 1) + 0; print s }' "$f")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
  printf '%-10s %10s %10s %10s %10s %10s %10s\n' "$name" "$rps" "$(field "$f" 50%)" "$(field "$f" 90%)" "$(field "$f" 99%)" "${errors:-0}" "${non2xx:-0}"
done
[ -f "$results/create.txt" ] && grep -h 'non-201 responses' "$results/create.txt"
[ -f "$results/hooked-c1.txt" ] && grep -h 'non-201 responses' "$results/create-c1.txt" "$results/hooked-c1.txt"
[ -n "$RESULTS_DIR" ] && echo "raw wrk output: $results"
exit 0
