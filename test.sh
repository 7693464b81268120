#!/usr/bin/env bash
# Runs every test of IdentityIssuer on a fresh Debian machine:
#   1. installs what the tests need (PostgreSQL server binaries, openssl, nginx, promtool, softhsm2, opensc) when missing,
#   2. starts a throwaway PostgreSQL cluster on a random loopback port (removed on exit),
#   3. builds the solution (warnings are errors) and runs every test project,
#   4. ends with "tests: N passed, N failed, N skipped".
# Extra arguments go to 'dotnet test' (e.g. --filter FullyQualifiedName~Datastore).
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '== %s\n' "$*"; }

# --- 1. Install what the tests need -------------------------------------------------------------
find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(readlink -f "$(command -v initdb)")" && return 0
  return 1
}

missing=()
find_pg_bin >/dev/null || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The nginx file-sink tests run the Debian package's binary at this path (they never use its service).
[ -x /usr/sbin/nginx ] || missing+=(nginx)
# promtool (from Debian's prometheus package) checks the issuer's /metrics as Prometheus would.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# A real PKCS#11 token for the pkcs11 key manager's tests: SoftHSM2 and OpenSC's pkcs11-tool.
command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || missing+=(opensc)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: ${missing[*]} missing and not running as root; install them with apt-get" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' own services (a system PostgreSQL on 5432, nginx on 80) from starting: the
  # tests start their own instances, and a service that fails to start would fail the install.
  policy_added=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_added=1
  fi
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  install_rc=$?
  [ -n "$policy_added" ] && rm -f /usr/sbin/policy-rc.d
  [ "$install_rc" -eq 0 ] || { echo "test.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi

# Node's gRPC client (an independent Workload API client for the agent tests), pinned by its lock file.
command -v npm >/dev/null 2>&1 || missing_node=1
if [ -n "${missing_node:-}" ]; then
  say "installing nodejs and npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || {
    echo "test.sh: apt-get install nodejs npm failed" >&2; exit 1; }
fi
say "installing the Node gRPC test client"
npm ci --prefix tests/Agent.Tests/node --no-audit --no-fund --loglevel=error >/dev/null || {
  echo "test.sh: npm ci --prefix tests/Agent.Tests/node failed" >&2; exit 1; }

# --- 2. A throwaway PostgreSQL cluster -------------------------------------------------------------
pg_bin=$(find_pg_bin) || { echo "test.sh: PostgreSQL binaries not found after install" >&2; exit 1; }
pg_dir=$(mktemp -d /tmp/identity-pg.XXXXXX)
pg_user=$(id -un)
as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: use the postgres account (created by the package, or here).
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$pg_dir"
  pg_user=postgres
  as_pg() { runuser -u postgres -- "$@"; }
fi
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)
stop_pg() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
say "starting PostgreSQL ($("$pg_bin/postgres" --version | awk '{print $3}')) on 127.0.0.1:$pg_port"
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log" >&2; echo "test.sh: initdb failed" >&2; exit 1; }
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
  || { cat "$pg_dir/server.log" >&2; echo "test.sh: PostgreSQL did not start" >&2; exit 1; }
export IDENTITY_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true"
export IDENTITY_TEST_PG_BIN="$pg_bin"

# --- 3. Build and test -----------------------------------------------------------------------------
say "building"
if ! dotnet build IdentityIssuer.sln -nologo -v q -clp:NoSummary >"$pg_dir/build.log" 2>&1; then
  grep -E "error|warning" "$pg_dir/build.log" | sort -u >&2
  echo "test.sh: build failed" >&2
  echo "tests: 0 passed, 1 failed, 0 skipped"
  exit 1
fi
if grep -qE ": warning " "$pg_dir/build.log"; then
  grep -E ": warning " "$pg_dir/build.log" | sort -u >&2
  echo "test.sh: the build has warnings" >&2
  echo "tests: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

results="$root/TestResults"
rm -rf "$results"
say "running tests"
dotnet test IdentityIssuer.sln --no-build -nologo -v q --results-directory "$results" \
  --logger "trx" --logger "console;verbosity=minimal" "$@"
test_rc=$?

# --- 4. Count ------------------------------------------------------------------------------------------
passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ "$files" -eq 0 ] || { [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  # The test host crashed or no result file was written: count that as a failure, never as a pass.
  failed=$((failed + 1))
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
