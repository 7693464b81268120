#!/usr/bin/env bash
# Brings up IdentityIssuer locally on embedded defaults: the issuer (SQLite and disk keys under
# ./.data, trust domain example.org) and one node agent attested with a join token, then registers
# an entry for your uid and fetches its SVID through the agent's Workload API.
#   ./run.sh              build, start both in the background, print what to try next
#   ./run.sh stop         stop both
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
data=.data
bin="$(pwd)/.local/bin"
issuer_pid="$data/issuer.pid"
agent_pid="$data/agent.pid"
socket="/tmp/identity-agent-$(id -u)/public/api.sock"
export SPIFFE_ENDPOINT_SOCKET="unix://$socket"
workload_id="spiffe://example.org/demo/workload"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop() {
  if running "$1"; then
    kill "$(cat "$1")"
    for _ in $(seq 1 40); do running "$1" || break; sleep 0.25; done
    echo "$2 stopped"
  else
    echo "$2 is not running"
  fi
  rm -f "$1"
}
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

if [ "${1:-}" = "stop" ]; then
  stop "$agent_pid" agent
  stop "$issuer_pid" issuer
  exit 0
fi

echo "Building identity-issuer and identity-agent into $bin ..."
dotnet publish src/Issuer/IdentityIssuer.Issuer.csproj -c Release -o "$bin" -nologo -v q >/dev/null
dotnet publish src/Agent/IdentityIssuer.Agent.csproj -c Release -o "$bin" -nologo -v q >/dev/null
export PATH="$bin:$PATH"
mkdir -p "$data" && chmod 700 "$data"

if running "$issuer_pid"; then
  echo "The issuer is already running (pid $(cat "$issuer_pid"))."
else
  nohup identity-issuer run >"$data/issuer.log" 2>&1 &
  echo $! >"$issuer_pid"
  for _ in $(seq 1 60); do
    identity-issuer healthcheck >/dev/null 2>&1 && break
    running "$issuer_pid" || { echo "The issuer stopped while starting:"; tail -n 20 "$data/issuer.log"; exit 1; }
    sleep 0.5
  done
fi
identity-issuer healthcheck || { tail -n 20 "$data/issuer.log"; exit 1; }

if running "$agent_pid"; then
  echo "The agent is already running (pid $(cat "$agent_pid"))."
else
  token_args=()
  if [ ! -f "$data/agent/agent-svid.pem" ]; then
    # First start: a single-use join token, and the issuer's bundle to authenticate it.
    token_json=$(identity-issuer token generate --ttl 10m --output json)
    token_args=(--join-token "$(echo "$token_json" | json '["token"]')")
    echo "$token_json" | json '["agentId"]' >"$data/agent-id"
    identity-issuer bundle show >"$data/bootstrap-bundle.pem"
  fi
  nohup identity-agent run --Agent:TrustBundleFile="$data/bootstrap-bundle.pem" --Agent:DataDirectory="$data/agent" \
    --WorkloadApi:SocketPath="$socket" "${token_args[@]}" >"$data/agent.log" 2>&1 &
  echo $! >"$agent_pid"
  for _ in $(seq 1 60); do
    identity-agent healthcheck >/dev/null 2>&1 && break
    running "$agent_pid" || { echo "The agent stopped while starting:"; tail -n 20 "$data/agent.log"; exit 1; }
    sleep 0.5
  done
fi
agent_id=$(cat "$data/agent-id")
echo "Agent is running as $agent_id"

if [ -z "$(identity-issuer entry list --spiffe-id "$workload_id" --output json | json '["entries"]' | tr -d '[]')" ]; then
  identity-issuer entry create --spiffe-id "$workload_id" --parent-id "$agent_id" --selector "unix:uid:$(id -u)" >/dev/null
  echo "Registered $workload_id for processes of uid $(id -u)"
fi

echo "Fetching this shell's SVID through the agent's Workload API ($socket) ..."
for _ in $(seq 1 40); do
  if out=$(identity-agent api fetch x509 2>/dev/null); then break; fi
  sleep 0.5
done
echo "${out:-no SVID yet; see $data/agent.log}" | grep -E "SPIFFE ID|Expires at" || true

cat <<TRY

Issuer and agent are running (logs: $data/issuer.log, $data/agent.log; stop: ./run.sh stop).
Trust domain example.org; admin socket $data/admin.sock; Workload API $socket;
bundle endpoint https://127.0.0.1:8443/; agent API https://127.0.0.1:8081; health http://127.0.0.1:8088/health/ready.

Try it:
  export PATH="$bin:\$PATH" SPIFFE_ENDPOINT_SOCKET=unix://$socket
  identity-agent api fetch x509 --write out/
  openssl verify -CAfile out/bundle.0.pem out/svid.0.pem
  identity-agent api fetch jwt --audience inventory-api
  identity-agent api watch
  identity-issuer entry list
  identity-issuer svid mint x509 --spiffe-id spiffe://example.org/demo/web --write out/minted/
TRY
