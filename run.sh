#!/usr/bin/env bash
# Brings up IdentityIssuer locally on embedded defaults: SQLite and disk keys under ./.data,
# trust domain example.org, admin socket ./.data/admin.sock, bundle endpoint https://127.0.0.1:8443,
# health on http://127.0.0.1:8088. The issuer runs in the background; './run.sh stop' stops it.
#   ./run.sh              build, start, wait until healthy, print what to try next
#   ./run.sh --foreground build and run in this terminal (Ctrl-C stops)
#   ./run.sh stop         stop the background issuer
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
data=.data
bin="$(pwd)/.local/bin"
pidfile="$data/issuer.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if [ "${1:-}" = "stop" ]; then
  if running; then kill "$(cat "$pidfile")"; echo "issuer stopped"; else echo "issuer is not running"; fi
  rm -f "$pidfile"
  exit 0
fi

echo "Building identity-issuer into $bin ..."
dotnet publish src/Issuer/IdentityIssuer.Issuer.csproj -c Release -o "$bin" -nologo -v q >/dev/null
mkdir -p "$data" && chmod 700 "$data"

if [ "${1:-}" = "--foreground" ]; then
  exec "$bin/identity-issuer" run
fi

if running; then
  echo "An issuer is already running (pid $(cat "$pidfile")); './run.sh stop' stops it."
else
  nohup "$bin/identity-issuer" run >"$data/issuer.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do
    "$bin/identity-issuer" healthcheck >/dev/null 2>&1 && break
    running || { echo "The issuer stopped while starting:"; tail -n 20 "$data/issuer.log"; exit 1; }
    sleep 0.5
  done
  "$bin/identity-issuer" healthcheck || { tail -n 20 "$data/issuer.log"; exit 1; }
fi

cat <<TRY

identity-issuer is running (log: $data/issuer.log, stop: ./run.sh stop).
Trust domain example.org; admin socket $data/admin.sock; bundle endpoint https://127.0.0.1:8443/;
health http://127.0.0.1:8088/health/ready.

Try it:
  export PATH="$bin:\$PATH"
  identity-issuer entry create \\
      --spiffe-id spiffe://example.org/demo/web \\
      --parent-id spiffe://example.org/identity-issuer/server \\
      --selector unix:uid:$(id -u)
  identity-issuer svid mint x509 --spiffe-id spiffe://example.org/demo/web --write out/
  openssl verify -CAfile out/bundle.pem out/svid.pem
  openssl x509 -in out/svid.pem -noout -text | grep -A1 'Subject Alternative Name'
  identity-issuer svid mint jwt --spiffe-id spiffe://example.org/demo/web --audience inventory-api
  identity-issuer bundle show --format spiffe
  identity-issuer entry list
TRY
