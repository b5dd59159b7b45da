// End-to-end test: the configuration center (proto/aegis/v1/config.proto) used from Node.js with
// @grpc/grpc-js: a service-role client watching one key receives its current content, then every
// published update, acknowledges what it applied, and resumes a broken watch from its revision.
//
// Environment: see aegisd_support.mjs.
// Run: AEGISD=build/backend/aegisd node --test config_client.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as grpc from '@grpc/grpc-js';

import {
  AEGISD,
  CALL_TIMEOUT_MS,
  Daemon,
  bearer,
  checkEnvironment,
  loadAegisV1,
  unary,
} from './aegisd_support.mjs';

const v1 = loadAegisV1(['aegis/v1/config.proto', 'aegis/v1/auth.proto', 'aegis/v1/registry.proto']);

const REF = { namespace: 'demo', group: 'checkout', key: 'behaviour.json' };
const SERVICE = 'checkout';
const INSTANCE = 'checkout-node-1';

// WatchConfig: keeps every message and lets the test wait for one.
class ConfigWatch {
  constructor(client, token, request) {
    this.messages = [];
    this.error = undefined;
    this.waiters = new Set();
    this.call = client.WatchConfig(request, bearer(token));
    this.call.on('data', (response) => {
      this.messages.push(response);
      this.wake();
    });
    this.call.on('error', (error) => {
      this.error = error;
      this.wake();
    });
  }

  wake() {
    for (const waiter of [...this.waiters]) {
      waiter();
    }
  }

  events() {
    return this.messages.flatMap((message) => message.events);
  }

  describe() {
    return `messages so far: ${JSON.stringify(
      this.messages.map((m) => ({
        snapshot: m.snapshot,
        revision: m.header.revision,
        events: m.events.map((e) => `${e.type} ${e.ref.key} v${e.version}`),
      })),
    )}`;
  }

  // Resolves with the first message matching `predicate` (already received or still to come).
  waitFor(what, predicate, timeoutMs = CALL_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        const found = this.messages.find(predicate);
        if (found || this.error) {
          this.waiters.delete(check);
          clearTimeout(timer);
          if (found) {
            resolve(found);
          } else {
            reject(new Error(`watch failed while waiting for ${what}: ${this.error.message}`));
          }
        }
      };
      timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  // The last revision this watch has seen, as a BigInt.
  lastRevision() {
    let revision = 0n;
    for (const message of this.messages) {
      revision = [message.header.revision, ...message.events.map((e) => e.revision)]
        .map(BigInt)
        .reduce((a, b) => (a > b ? a : b), revision);
    }
    return revision;
  }

  cancel() {
    this.call.cancel(); // reported as a CANCELLED 'error', which is expected here
  }
}

function publish(client, token, content, baseVersion, comment) {
  return unary(
    client,
    'PublishConfig',
    {
      change: { ref: REF, format: 'CONFIG_FORMAT_JSON', content, base_version: baseVersion },
      comment,
    },
    token,
  );
}

function putOf(message, version) {
  return message.events.find(
    (e) => e.type === 'CONFIG_EVENT_TYPE_PUT' && e.ref.key === REF.key && e.version === version,
  );
}

describe('the configuration center from Node.js (grpc-js + proto-loader)', () => {
  let daemon;
  let auth;
  let config;
  let serviceToken;
  const watches = [];

  before(async () => {
    checkEnvironment();
    daemon = new Daemon(AEGISD);
    await daemon.waitReady();
    const credentials = grpc.credentials.createInsecure();
    auth = new v1.AuthService(daemon.ready.grpc, credentials);
    config = new v1.ConfigService(daemon.ready.grpc, credentials);
    const created = await unary(
      auth,
      'CreateToken',
      {
        name: 'checkout-node',
        role: 'ROLE_SERVICE',
        description: 'Node.js config e2e test',
        services: [SERVICE],
        namespaces: [REF.namespace],
      },
      daemon.adminToken,
    );
    serviceToken = created.secret;
    // Only a registered instance's acknowledgement is accepted.
    const registry = new v1.RegistryService(daemon.ready.grpc, credentials);
    await unary(
      registry,
      'RegisterInstance',
      { instance: { id: INSTANCE, service: SERVICE, address: '127.0.0.1:9001' }, ttl_seconds: '300' },
      daemon.adminToken,
    );
  });

  after(async () => {
    for (const watch of watches) {
      watch.call.cancel();
    }
    auth?.close();
    config?.close();
    if (daemon) {
      if (!daemon.exit) {
        await daemon.stop().catch(() => {});
      }
      daemon.cleanup();
    }
  });

  it('a client watching a key receives the published update and acknowledges it', async () => {
    const first = await publish(
      config,
      daemon.adminToken,
      '{"greeting": "hello"}',
      '0',
      'first behaviour',
    );
    assert.equal(first.item.version, '1', 'int64 version arrives as a string');

    // From revision 0: a snapshot with the current content first.
    const watch = new ConfigWatch(config, serviceToken, {
      ...REF,
      service: SERVICE,
      instance_id: INSTANCE,
      start_revision: '0',
    });
    watches.push(watch);
    const snapshot = await watch.waitFor('the snapshot', (m) => m.snapshot);
    assert.equal(snapshot, watch.messages[0], 'the snapshot is the first message');
    assert.equal(snapshot.events.length, 1, watch.describe());
    const current = snapshot.events[0];
    assert.deepEqual({ ...current.ref }, REF);
    assert.equal(current.type, 'CONFIG_EVENT_TYPE_PUT');
    assert.equal(current.format, 'CONFIG_FORMAT_JSON');
    assert.equal(current.content, '{"greeting": "hello"}');
    assert.equal(current.version, '1');
    assert.equal(current.gray, false);
    assert.match(current.content_sha256, /^[0-9a-f]{64}$/);

    // An operator publishes a new greeting: it arrives on the stream.
    const second = await publish(
      config,
      daemon.adminToken,
      '{"greeting": "hello from the config center"}',
      '1',
      'new greeting',
    );
    const update = await watch.waitFor('version 2', (m) => putOf(m, second.item.version));
    assert.equal(update.snapshot, false);
    const event = putOf(update, second.item.version);
    assert.equal(event.content, '{"greeting": "hello from the config center"}');
    assert.equal(event.revision, second.header.revision);

    // The client acknowledges what it applied; the applied status says so.
    await unary(
      config,
      'AckConfig',
      { ref: REF, service: SERVICE, instance_id: INSTANCE, version: event.version, error: '' },
      serviceToken,
    );
    const applied = await unary(config, 'GetAppliedStatus', { ref: REF }, daemon.adminToken);
    assert.equal(applied.published_version, '2');
    assert.deepEqual(
      applied.instances.map((i) => `${i.instance_id} v${i.version}`),
      [`${INSTANCE} v2`],
    );
    assert.equal(applied.summary, '1 of 1 on v2');

    // A broken watch resumes from its last revision + 1: the first message has no snapshot, and
    // only what was published since arrives.
    const resumeFrom = watch.lastRevision() + 1n;
    watch.cancel();
    const third = await publish(config, daemon.adminToken, '{"greeting": "again"}', '2', 'third');
    const resumed = new ConfigWatch(config, serviceToken, {
      ...REF,
      service: SERVICE,
      instance_id: INSTANCE,
      start_revision: String(resumeFrom),
    });
    watches.push(resumed);
    const caughtUp = await resumed.waitFor('version 3', (m) => putOf(m, third.item.version));
    assert.equal(putOf(caughtUp, third.item.version).content, '{"greeting": "again"}');
    assert.ok(!resumed.messages.some((m) => m.snapshot), resumed.describe());
    assert.ok(
      !resumed.events().some((e) => e.version === '2'),
      `version 2 was sent again; ${resumed.describe()}`,
    );
    resumed.cancel();
  });

  it('a watch naming an instance without its service is INVALID_ARGUMENT', async () => {
    const watch = new ConfigWatch(config, serviceToken, {
      ...REF,
      instance_id: INSTANCE,
      start_revision: '0',
    });
    watches.push(watch);
    await assert.rejects(
      new Promise((resolve, reject) => {
        watch.call.on('error', reject);
        watch.call.on('data', resolve);
      }),
      (error) => {
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT, error.details);
        return true;
      },
    );
  });
});
