#!/usr/bin/env bash
# Brings up IdentityIssuer locally on embedded defaults: the issuer (SQLite and disk keys under
# ./.data, trust domain example.org) and one node agent attested with a join token, registers
# an entry for your uid and fetches its SVID through the agent's Workload API; then starts the
# sample tool API and identity-gateway in front of it, and prints curl commands to try them.
#   ./run.sh              build, start everything in the background, print what to try next
#   ./run.sh stop         stop everything
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
data=.data
bin="$(pwd)/.local/bin"
issuer_pid="$data/issuer.pid"
agent_pid="$data/agent.pid"
gateway_dir="$data/gateway"
gateway_pid="$data/gateway.pid"
tool_api_pid="$data/tool-api.pid"
socket="/tmp/identity-agent-$(id -u)/public/api.sock"
export SPIFFE_ENDPOINT_SOCKET="unix://$socket"
workload_id="spiffe://example.org/demo/workload"
intruder_id="spiffe://example.org/demo/intruder"
gateway_id="spiffe://example.org/demo/gateway"
tool_api_id="spiffe://example.org/demo/tool-api"

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
  stop "$gateway_pid" gateway
  stop "$tool_api_pid" "sample tool API"
  stop "$agent_pid" agent
  stop "$issuer_pid" issuer
  exit 0
fi

echo "Building identity-issuer, identity-agent, identity-gateway and sample-tool-api into $bin ..."
dotnet publish src/Issuer/IdentityIssuer.Issuer.csproj -c Release -o "$bin" -nologo -v q >/dev/null
dotnet publish src/Agent/IdentityIssuer.Agent.csproj -c Release -o "$bin" -nologo -v q >/dev/null
dotnet publish src/Gateway/IdentityIssuer.Gateway.csproj -c Release -o "$bin" -nologo -v q >/dev/null
dotnet publish samples/SampleToolApi/SampleToolApi.csproj -c Release -o "$bin" -nologo -v q >/dev/null
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
  if ! openssl x509 -checkend 30 -noout -in "$data/agent/agent-svid.pem" >/dev/null 2>&1; then
    # First start, or the saved agent SVID has expired since the last run: a single-use join token
    # (a new agent ID), and the issuer's bundle to authenticate it.
    token_json=$(identity-issuer token generate --ttl 10m --output json)
    # In a 0600 file, not on the command line, where every local user could read it.
    (umask 077 && echo "$token_json" | json '["token"]' >"$data/join-token")
    token_args=(--join-token-file "$data/join-token")
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

register() { # ID [extra entry flags...]: create the entry for this uid under the agent, or move it to a new agent ID
  local id="$1"; shift
  local existing
  existing=$(identity-issuer entry list --spiffe-id "$id" --output json | json '["entries"]' | python3 -c \
    "import sys,ast; e=ast.literal_eval(sys.stdin.read()); print(e[0]['id'], e[0]['parentId']) if e else None" | grep -v '^None$' || true)
  if [ -z "$existing" ]; then
    identity-issuer entry create --spiffe-id "$id" --parent-id "$agent_id" --selector "unix:uid:$(id -u)" "$@" >/dev/null
    echo "Registered $id for processes of uid $(id -u)"
  elif [ "${existing#* }" != "$agent_id" ]; then
    identity-issuer entry update --id "${existing%% *}" --parent-id "$agent_id" >/dev/null
    echo "Moved $id to agent $agent_id"
  fi
}
register "$workload_id"
register "$intruder_id"
register "$gateway_id" --dns localhost
register "$tool_api_id"

echo "Fetching this shell's SVID through the agent's Workload API ($socket) ..."
for _ in $(seq 1 40); do
  if out=$(identity-agent api fetch x509 2>/dev/null) && echo "$out" | grep -q "$tool_api_id" && echo "$out" | grep -q "$gateway_id"; then break; fi
  sleep 0.5
done
echo "${out:-no SVID yet; see $data/agent.log}" | grep -A2 "SPIFFE ID : $workload_id" | grep -E "SPIFFE ID|Expires at" || true

# The callers' certificate files for curl, named by SPIFFE ID (the Workload API returns all SVIDs of this uid).
svids="$gateway_dir/svids"
mkdir -p "$gateway_dir" && chmod 700 "$gateway_dir"
rm -rf "$svids" && identity-agent api fetch x509 --write "$svids" >/dev/null
for cert in "$svids"/svid.*.pem; do
  n="${cert##*/svid.}"; n="${n%.pem}"
  uri=$(openssl x509 -in "$cert" -noout -ext subjectAltName | grep -o 'URI:[^,]*' | cut -c5-)
  name="${uri##*/}"
  cp "$cert" "$svids/$name.pem" && cp "$svids/svid.$n.key" "$svids/$name.key" && cp "$svids/bundle.$n.pem" "$svids/bundle.pem"
done

cat >"$gateway_dir/tool-api-policy.json" <<POLICY
{ "tools": { "search": { "risk": "read" }, "deploy": { "risk": "mutate" } },
  "rules": [ { "name": "gateway", "spiffeId": "$gateway_id", "tools": ["*"], "actions": ["**"], "targets": ["**"] } ] }
POLICY
if running "$tool_api_pid"; then
  echo "The sample tool API is already running (pid $(cat "$tool_api_pid"))."
else
  nohup sample-tool-api --Port 9090 --Mode mtls --WorkloadApiSocket "unix://$socket" --SpiffeId "$tool_api_id" \
    --PolicyFile "$gateway_dir/tool-api-policy.json" >"$data/tool-api.log" 2>&1 &
  echo $! >"$tool_api_pid"
fi

if running "$gateway_pid"; then
  echo "The gateway is already running (pid $(cat "$gateway_pid"))."
else
  nohup identity-gateway run --config deploy/gateway.sample.json --Gateway:WorkloadApiSocket="unix://$socket" \
    --Gateway:PolicyFile=deploy/policy.sample.json --Gateway:AdminSocketPath="$gateway_dir/admin.sock" \
    --Audit:FilePath="$gateway_dir/audit.log" --Audit:Stdout=false >"$data/gateway.log" 2>&1 &
  echo $! >"$gateway_pid"
  for _ in $(seq 1 60); do
    identity-gateway healthcheck --socket "$gateway_dir/admin.sock" >/dev/null 2>&1 && break
    running "$gateway_pid" || { echo "The gateway stopped while starting:"; tail -n 20 "$data/gateway.log"; exit 1; }
    sleep 0.5
  done
fi
identity-gateway healthcheck --socket "$gateway_dir/admin.sock" | head -n 2 || { tail -n 20 "$data/gateway.log"; exit 1; }

url="https://localhost:9443/search?q=tls&index=docs"
tls="--cacert $svids/bundle.pem"
cat <<TRY

Issuer, agent, sample tool API and gateway are running (logs: $data/*.log; stop: ./run.sh stop).
Trust domain example.org; admin socket $data/admin.sock; Workload API $socket;
bundle endpoint https://127.0.0.1:8443/; agent API https://127.0.0.1:8081; health http://127.0.0.1:8088/health/ready;
metrics http://127.0.0.1:8088/metrics (issuer), :8089/metrics (agent), :8090/metrics (gateway);
gateway https://localhost:9443 (policy deploy/policy.sample.json, audit $gateway_dir/audit.log) in front of
the sample tool API https://127.0.0.1:9090.

Try the gateway (caller certificates in $svids, valid for an hour; ./run.sh again refreshes them):
  # allowed: $workload_id may search the docs index (200, and the tool API names the caller)
  curl $tls --cert $svids/workload.pem --key $svids/workload.key '$url'
  # no client certificate: 401 {"error":"missing workload identity"}
  curl $tls '$url'
  # another identity: 403 {"error":"access denied","workload":"$intruder_id","required":"search:query","target":"docs"}
  curl $tls --cert $svids/intruder.pem --key $svids/intruder.key '$url'
  # MCP tools/list, filtered to what the caller may call
  curl $tls --cert $svids/workload.pem --key $svids/workload.key -H 'Content-Type: application/json' \\
       -H 'Accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' https://localhost:9443/mcp
  tail -n 4 $gateway_dir/audit.log
  identity-gateway approvals list --socket $gateway_dir/admin.sock

Try the issuer and agent:
  export PATH="$bin:\$PATH" SPIFFE_ENDPOINT_SOCKET=unix://$socket
  identity-agent api fetch x509 --write out/
  openssl verify -CAfile out/bundle.0.pem out/svid.0.pem
  identity-agent api fetch jwt --audience inventory-api
  identity-agent api watch
  identity-issuer entry list
  identity-issuer svid mint x509 --spiffe-id spiffe://example.org/demo/web --write out/minted/
TRY
