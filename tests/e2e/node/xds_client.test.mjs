// End-to-end test: aegisd's xDS server used by a third-party xDS client, @grpc/grpc-js with
// @grpc/grpc-js-xds, as any gRPC service in Node.js would use it: a channel to xds:///SERVICE
// reaches the service's instances registered in aegisd, split by their weights, and an instance
// deregistered stops receiving calls.
//
// Environment: as registry_client.test.mjs (AEGISD, AEGIS_PROTO_DIR, AEGIS_E2E_KEEP).
//
// Run: AEGISD=build/backend/aegisd node --test xds_client.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';

import { AEGISD, Daemon, checkEnvironment, loadAegisV1, pollUntil, unary } from './aegisd_support.mjs';

const SERVICE = 'e2e-node-xds';
const METHOD = '/test.Who/Answer';
const identity = (buffer) => buffer;
const v1 = loadAegisV1(['aegis/v1/registry.proto', 'aegis/v1/auth.proto']);

// A gRPC server answering METHOD with its instance id.
async function startBackend(id) {
  const server = new grpc.Server();
  server.addService(
    {
      Answer: {
        path: METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    { Answer: (_call, callback) => callback(null, Buffer.from(id)) },
  );
  const port = await new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return { id, server, address: `127.0.0.1:${port}` };
}

function whoAnswers(client) {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      METHOD,
      identity,
      identity,
      Buffer.alloc(0),
      new grpc.Metadata(),
      { deadline: Date.now() + 5_000, waitForReady: true },
      (error, response) => resolve(error ? `failed: ${error.code}` : response.toString()),
    );
  });
}

async function countAnswers(client, calls) {
  const counts = new Map();
  for (let i = 0; i < calls; i += 1) {
    const id = await whoAnswers(client);
    counts.set(id, (counts.get(id) || 0) + 1);
  }
  return counts;
}

// Polls (async) `probe` until it is true or `timeoutMs` passes.
async function eventually(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
  }
}

describe('aegisd as the xDS server of @grpc/grpc-js-xds', () => {
  let daemon;
  let registry;
  let client;
  const backends = [];

  before(async () => {
    checkEnvironment();
    daemon = new Daemon(AEGISD, ['--xds-listen', '127.0.0.1:0']);
    await daemon.waitReady();
    assert.match(daemon.ready.xds, /^127\.0\.0\.1:\d+$/, 'ready file: xds address');
    const credentials = grpc.credentials.createInsecure();
    registry = new v1.RegistryService(daemon.ready.grpc, credentials);
    const auth = new v1.AuthService(daemon.ready.grpc, credentials);
    const viewer = await unary(
      auth,
      'CreateToken',
      { name: 'e2e-node-xds', role: 'ROLE_VIEWER' },
      daemon.adminToken,
    );
    // gRPC's xDS bootstrap (gRFC A27), as client::xdsBootstrap() writes it for C++.
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [
        {
          server_uri: daemon.ready.xds,
          channel_creds: [{ type: 'insecure' }],
          server_features: ['xds_v3'],
        },
      ],
      node: { id: 'e2e-node-xds', locality: {}, metadata: { aegis_token: viewer.secret } },
    });
    grpcXds.register();
  });

  after(async () => {
    client?.close();
    for (const backend of backends) {
      backend.server.forceShutdown();
    }
    if (daemon) {
      await daemon.stop();
      daemon.cleanup();
    }
  });

  it('calls reach the instances by weight, and stop reaching a deregistered one', async () => {
    for (const [id, weight] of [
      ['canary', 10],
      ['stable', 90],
    ]) {
      const backend = await startBackend(id);
      backends.push(backend);
      await unary(
        registry,
        'RegisterInstance',
        {
          instance: { id, service: SERVICE, address: backend.address, weight },
          ttl_seconds: '60',
        },
        daemon.adminToken,
      );
    }
    client = new grpc.Client(`xds:///${SERVICE}`, grpc.credentials.createInsecure());
    await eventually('both instances answering', 15_000, async () => {
      const counts = await countAnswers(client, 60);
      return counts.has('canary') && counts.has('stable');
    });

    const calls = 2000;
    const counts = await countAnswers(client, calls);
    assert.equal([...counts.keys()].filter((id) => id.startsWith('failed')).length, 0);
    const share = (counts.get('canary') || 0) / calls;
    // 10 % of 2,000 calls: the standard deviation is 0.67 %; allow 4 of it.
    assert.ok(share > 0.073 && share < 0.127, `canary share ${share}`);

    await unary(
      registry,
      'DeregisterInstance',
      { service: SERVICE, instance_id: 'canary' },
      daemon.adminToken,
    );
    await eventually('only stable answering', 5_000, async () => {
      const after = await countAnswers(client, 60);
      return after.size === 1 && after.has('stable');
    });
  });
});
