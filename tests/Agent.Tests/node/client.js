'use strict';
// A Workload API client built on grpc-js, independent of the server's own code. It loads the same
// workload.proto and prints one JSON object per line:
//   {"type":"message","method":"...","body":{...}}   every response (bytes as base64)
//   {"type":"status","code":N,"name":"...","details":"..."}   how the call ended (code 0 = OK)
//
// usage: node client.js <socket-path> <method> [options] [args]
//   FetchX509SVID | FetchX509Bundles | FetchJWTBundles   server streams; --count N ends after N messages
//   FetchJWTSVID <audience> [spiffe-id]   (--audience A, repeatable, sends several audiences instead;
//                                          --audience-bytes N sends one audience of N bytes,
//                                          starting with --audience-prefix P if given)
//   ValidateJWTSVID <audience> <token>
//   HealthCheck [service]                 grpc.health.v1.Health/Check (health.proto beside this file)
//   ListServices [v1|v1alpha]             server reflection list_services (reflection.proto beside this file)
//   DescribeSymbol <symbol> [v1|v1alpha]  server reflection file_containing_symbol: prints the files' names
//   any other name is called as a unary method on SpiffeWorkloadAPI (to see UNIMPLEMENTED)
// options: --no-header (leave out workload.spiffe.io), --count N, --deadline-ms N (the call's deadline)
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const args = process.argv.slice(2);
let sendHeader = true;
let count = 0;
let deadlineMs = 0;
let audienceBytes = 0;
let audiencePrefix = '';
const audiences = [];
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-header') {
    sendHeader = false;
  } else if (args[i] === '--count') {
    count = parseInt(args[++i], 10);
  } else if (args[i] === '--deadline-ms') {
    deadlineMs = parseInt(args[++i], 10);
  } else if (args[i] === '--audience') {
    audiences.push(args[++i]);
  } else if (args[i] === '--audience-bytes') {
    audienceBytes = parseInt(args[++i], 10);
  } else if (args[i] === '--audience-prefix') {
    audiencePrefix = args[++i];
  } else {
    positional.push(args[i]);
  }
}
const [socketPath, method, ...rest] = positional;
if (!socketPath || !method) {
  process.stderr.write('usage: node client.js <socket-path> <method> [--no-header] [--count N] [--deadline-ms N] [args]\n');
  process.exit(2);
}

const protoPath = path.resolve(__dirname, '../../../src/Spiffe/WorkloadApi/Proto/workload.proto');
const definition = protoLoader.loadSync(protoPath, {
  keepCase: true, longs: String, enums: String, bytes: String, defaults: true, oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition);
const client = new proto.SpiffeWorkloadAPI('unix://' + socketPath, grpc.credentials.createInsecure());
function loadPackage(file) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(path.resolve(__dirname, file), {
    keepCase: true, longs: String, enums: String, bytes: String, defaults: true, oneofs: true,
  }));
}
const metadata = new grpc.Metadata();
if (sendHeader) {
  metadata.set('workload.spiffe.io', 'true');
}

function callOptions() {
  return deadlineMs > 0 ? { deadline: new Date(Date.now() + deadlineMs) } : {};
}

const codeNames = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
function print(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
let done = false;
function finish(code, details) {
  if (done) return;
  done = true;
  print({ type: 'status', code, name: codeNames[code] || String(code), details: details || '' });
  client.close();
}

function stream(name) {
  let received = 0;
  const call = client[name]({}, metadata, callOptions());
  call.on('data', (body) => {
    print({ type: 'message', method: name, body });
    received++;
    if (count > 0 && received >= count) {
      finish(0, 'client stopped after ' + received + ' messages');
      call.cancel();
    }
  });
  call.on('error', (err) => finish(err.code, err.details));
  call.on('status', (st) => finish(st.code, st.details));
}

// google.protobuf.Struct as plain JSON (field names differ between proto-loader's built-in
// well-known types and keepCase, so accept both spellings).
function valueToJson(v) {
  if (v === null || v === undefined) return null;
  const pick = (a, b) => (v[a] !== undefined && v[a] !== null ? v[a] : v[b]);
  const kind = v.kind;
  if (kind === 'structValue' || kind === 'struct_value') return structToJson(pick('structValue', 'struct_value'));
  if (kind === 'listValue' || kind === 'list_value') return (pick('listValue', 'list_value').values || []).map(valueToJson);
  if (kind === 'stringValue' || kind === 'string_value') return pick('stringValue', 'string_value');
  if (kind === 'numberValue' || kind === 'number_value') return pick('numberValue', 'number_value');
  if (kind === 'boolValue' || kind === 'bool_value') return pick('boolValue', 'bool_value');
  return null;
}
function structToJson(s) {
  const out = {};
  for (const [k, v] of Object.entries((s && s.fields) || {})) out[k] = valueToJson(v);
  return out;
}

function healthCheck(service) {
  const health = new (loadPackage('health.proto').grpc.health.v1.Health)('unix://' + socketPath, grpc.credentials.createInsecure());
  health.Check({ service }, metadata, callOptions(), (err, body) => {
    if (err) {
      finish(err.code, err.details);
    } else {
      print({ type: 'message', method: 'HealthCheck', body });
      finish(0, '');
    }
    health.close();
  });
}

// One server reflection request on a bidirectional stream. v1alpha is called with the v1 messages:
// both versions have the same messages on the wire.
function reflect(version, request, onResponse) {
  const service = loadPackage('reflection.proto').grpc.reflection.v1.ServerReflection.service.ServerReflectionInfo;
  const call = client.makeBidiStreamRequest(
    '/grpc.reflection.' + version + '.ServerReflection/ServerReflectionInfo',
    service.requestSerialize, service.responseDeserialize, metadata, callOptions());
  call.on('data', (body) => {
    if (body.error_response) {
      finish(body.error_response.error_code, body.error_response.error_message);
    } else {
      print({ type: 'message', method: 'ServerReflectionInfo', body: onResponse(body) });
      finish(0, '');
    }
    call.end();
  });
  call.on('error', (err) => finish(err.code, err.details));
  call.write(request);
}

function unary(name, request) {
  client[name](request, metadata, callOptions(), (err, body) => {
    if (err) {
      finish(err.code, err.details);
      return;
    }
    if (body && body.claims) {
      body.claims = structToJson(body.claims);
    }
    print({ type: 'message', method: name, body });
    finish(0, '');
  });
}

switch (method) {
  case 'FetchX509SVID':
  case 'FetchX509Bundles':
  case 'FetchJWTBundles':
    stream(method);
    break;
  case 'FetchJWTSVID':
    if (audienceBytes > 0) {
      audiences.push(audiencePrefix + 'a'.repeat(Math.max(0, audienceBytes - audiencePrefix.length)));
    }
    unary(method, {
      audience: audiences.length > 0 ? audiences : rest[0] ? [rest[0]] : [],
      spiffe_id: (audiences.length > 0 ? rest[0] : rest[1]) || '',
    });
    break;
  case 'ValidateJWTSVID':
    unary(method, { audience: rest[0] || '', svid: rest[1] || '' });
    break;
  case 'HealthCheck':
    healthCheck(rest[0] || '');
    break;
  case 'ListServices':
    reflect(rest[0] || 'v1', { list_services: '' },
      (body) => ({ services: body.list_services_response.service.map((s) => s.name) }));
    break;
  case 'DescribeSymbol': {
    const descriptor = require('protobufjs/ext/descriptor');
    reflect(rest[1] || 'v1', { file_containing_symbol: rest[0] || '' }, (body) => ({
      files: body.file_descriptor_response.file_descriptor_proto.map(
        (b) => descriptor.FileDescriptorProto.decode(Buffer.from(b, 'base64')).name),
    }));
    break;
  }
  default: {
    // Not in the service definition: a raw unary call on the same service path.
    const serialize = () => Buffer.alloc(0);
    const deserialize = (b) => ({ length: b.length });
    client.makeUnaryRequest('/SpiffeWorkloadAPI/' + method, serialize, deserialize, {}, metadata, callOptions(), (err, body) => {
      if (err) {
        finish(err.code, err.details);
        return;
      }
      print({ type: 'message', method, body });
      finish(0, '');
    });
  }
}
