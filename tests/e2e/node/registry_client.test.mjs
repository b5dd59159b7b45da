// End-to-end test: the published Aegis gRPC API (proto/aegis/v1) used from Node.js with
// @grpc/grpc-js and @grpc/proto-loader, against a real aegisd.
//
// Environment:
//   AEGISD           path of the aegisd binary (required)
//   AEGIS_PROTO_DIR  the repository's proto/ directory (default: ../../../proto from this file)
//   AEGIS_E2E_KEEP   when set, the daemon's temporary data directory is kept
//
// Run: AEGISD=build/backend/aegisd node --test registry_client.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as grpc from '@grpc/grpc-js';

import {
  CALL_TIMEOUT_MS,
  AEGISD,
  Daemon,
  assertGrpcCode,
  bearer,
  checkEnvironment,
  loadAegisV1,
  pollUntil,
  sleep,
  unary,
} from './aegisd_support.mjs';

const SERVICE = 'e2e-node';
const LEASE_TTL_SECONDS = 2;
const RENEW_EVERY_MS = 600;
const RENEW_FOR_MS = 5_000; // longer than the TTL: only the renewals keep the instance alive
const EXPIRY_DEADLINE_MS = 10_000; // TTL + sweep interval + generous slack

const v1 = loadAegisV1(['aegis/v1/registry.proto', 'aegis/v1/auth.proto', 'aegis/v1/system.proto']);

// ---------------------------------------------------------------------------------------------
// WatchInstances: collects every event and lets the test wait for one.

class InstanceWatch {
  constructor(client, token, request) {
    this.events = [];
    this.messages = 0;
    this.startRevision = undefined;
    this.status = undefined;
    this.error = undefined;
    this.waiters = new Set();
    this.call = client.WatchInstances(request, bearer(token));
    this.call.on('data', (response) => {
      this.messages += 1;
      if (this.startRevision === undefined) {
        this.startRevision = response.header.revision;
      }
      this.events.push(...response.events);
      this.wake();
    });
    this.call.on('error', (error) => {
      this.error = error;
      this.wake();
    });
    this.call.on('status', (status) => {
      this.status = status;
      this.wake();
    });
  }

  wake() {
    for (const waiter of [...this.waiters]) {
      waiter();
    }
  }

  describe() {
    const seen = this.events.map(
      (e) => `${e.type}(${e.instance?.id}${e.reason ? `, ${e.reason}` : ''})@${e.revision}`,
    );
    return `events so far: [${seen.join(', ')}]`;
  }

  // Resolves with the first event matching `predicate` (already received or still to come).
  waitFor(what, predicate, timeoutMs = CALL_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        const found = this.events.find(predicate);
        if (found) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        } else if (this.error) {
          this.waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`watch failed while waiting for ${what}: ${this.error.message}`));
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

  // Resolves once the first (event-less) message has arrived: the watch is established.
  async established() {
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    while (this.startRevision === undefined) {
      if (this.error) {
        throw new Error(`watch failed: ${this.error.message}`);
      }
      if (Date.now() > deadline) {
        throw new Error('timed out waiting for the first WatchInstances message');
      }
      await new Promise((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 100);
        this.waiters.add(wake);
      });
    }
    return this.startRevision;
  }

  cancel() {
    this.call.cancel(); // reported as a CANCELLED 'error', which is expected here
  }
}

// ---------------------------------------------------------------------------------------------
// KeepAlive: one bidi stream; each request gets one response.

class KeepAliveStream {
  constructor(client, token) {
    this.responses = [];
    this.pending = [];
    this.ended = false;
    this.status = undefined;
    this.error = undefined;
    this.call = client.KeepAlive(bearer(token));
    this.call.on('data', (response) => {
      this.responses.push(response);
      const waiter = this.pending.shift();
      if (waiter) {
        waiter.resolve(response);
      }
    });
    this.call.on('error', (error) => {
      this.error = error;
      for (const waiter of this.pending.splice(0)) {
        waiter.reject(error);
      }
    });
    this.call.on('status', (status) => {
      this.status = status;
    });
    this.call.on('end', () => {
      this.ended = true;
    });
  }

  // Sends one renewal and resolves with its response.
  renew(leaseId) {
    return new Promise((resolve, reject) => {
      if (this.error) {
        reject(this.error);
        return;
      }
      const timer = setTimeout(
        () => reject(new Error(`no KeepAlive response within ${CALL_TIMEOUT_MS} ms`)),
        CALL_TIMEOUT_MS,
      );
      this.pending.push({
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.call.write({ lease_id: leaseId });
    });
  }

  // Half-closes the stream; the daemon then finishes it with OK.
  async close() {
    this.call.end();
    await pollUntil('the KeepAlive stream to finish', CALL_TIMEOUT_MS, () =>
      this.status !== undefined || this.error !== undefined ? true : undefined,
    );
  }
}

// ---------------------------------------------------------------------------------------------

describe('aegisd from Node.js (grpc-js + proto-loader)', () => {
  let daemon;
  let system;
  let auth;
  let registry;
  let serviceToken;
  const streams = [];

  before(async () => {
    checkEnvironment();
    daemon = new Daemon(AEGISD);
    await daemon.waitReady();
    const credentials = grpc.credentials.createInsecure();
    system = new v1.SystemService(daemon.ready.grpc, credentials);
    auth = new v1.AuthService(daemon.ready.grpc, credentials);
    registry = new v1.RegistryService(daemon.ready.grpc, credentials);
  });

  after(async () => {
    for (const stream of streams) {
      stream.call.cancel();
    }
    for (const client of [system, auth, registry]) {
      client?.close();
    }
    if (daemon) {
      if (!daemon.exit) {
        await daemon.stop().catch(() => {});
      }
      daemon.cleanup();
    }
  });

  it('GetStatus works with the admin token', async () => {
    const status = await unary(system, 'GetStatus', {}, daemon.adminToken);
    assert.match(status.version, /^\d+\.\d+\.\d+/);
    assert.ok(['sqlite', 'etcd'].includes(status.store_kind), `store_kind ${status.store_kind}`);
    assert.equal(typeof status.header.revision, 'string', 'int64 arrives as a string');
    assert.match(status.header.revision, /^\d+$/);
    assert.ok(status.start_time, 'start_time is set');
  });

  it('a call without a token, or with a wrong one, is UNAUTHENTICATED', async () => {
    await assertGrpcCode(unary(system, 'GetStatus', {}), grpc.status.UNAUTHENTICATED, 'no token');
    assert.equal(grpc.status.UNAUTHENTICATED, 16);
    await assertGrpcCode(
      unary(system, 'GetStatus', {}, 'not-a-token'),
      grpc.status.UNAUTHENTICATED,
      'wrong token',
    );
  });

  it('the admin creates a service-role token', async () => {
    const created = await unary(
      auth,
      'CreateToken',
      {
        name: 'e2e-node-service',
        role: 'ROLE_SERVICE',
        description: 'Node.js e2e test',
        services: [SERVICE],
      },
      daemon.adminToken,
    );
    assert.equal(created.token.name, 'e2e-node-service');
    assert.equal(created.token.role, 'ROLE_SERVICE');
    assert.ok(created.secret.length > 0, 'the secret is returned');
    serviceToken = created.secret;

    const me = await unary(auth, 'WhoAmI', {}, serviceToken);
    assert.equal(me.token.name, 'e2e-node-service');
    assert.equal(me.token.role, 'ROLE_SERVICE');
    // A service token may not manage tokens.
    await assertGrpcCode(
      unary(auth, 'CreateToken', { name: 'nope', role: 'ROLE_ADMIN' }, serviceToken),
      grpc.status.PERMISSION_DENIED,
      'CreateToken with a service token',
    );
    const status = await unary(system, 'GetStatus', {}, serviceToken);
    assert.match(status.version, /^\d+\.\d+\.\d+/);
  });

  it('registers, keeps alive, watches, deregisters and expires instances', async () => {
    assert.ok(serviceToken, 'needs the service token from the previous test');

    // Watch the service from "now" (start_revision 0) before anything is registered.
    const watch = new InstanceWatch(registry, serviceToken, { service: SERVICE, start_revision: '0' });
    streams.push(watch);
    const watchStart = BigInt(await watch.established());

    // --- first instance, on a 2 s lease
    const first = await unary(
      registry,
      'RegisterInstance',
      {
        instance: {
          id: 'node-1',
          service: SERVICE,
          address: '127.0.0.1:9001',
          labels: { version: '1.4.2', color: 'blue' },
        },
        ttl_seconds: String(LEASE_TTL_SECONDS),
      },
      serviceToken,
    );
    const leaseId = first.lease_id;
    assert.equal(typeof leaseId, 'string', 'int64 lease_id arrives as a string (longs: String)');
    assert.match(leaseId, /^[1-9]\d*$/, `lease_id ${leaseId}`);
    assert.equal(first.ttl_seconds, String(LEASE_TTL_SECONDS));
    assert.equal(first.instance.id, 'node-1');
    assert.equal(first.instance.lease_id, leaseId, 'instance.lease_id matches, digit for digit');
    assert.deepEqual({ ...first.instance.labels }, { version: '1.4.2', color: 'blue' });
    assert.equal(first.instance.state, 'INSTANCE_STATE_SERVING');
    assert.ok(BigInt(first.header.revision) > watchStart);

    const addedFirst = await watch.waitFor(
      'ADDED node-1',
      (e) => e.type === 'INSTANCE_EVENT_TYPE_ADDED' && e.instance.id === 'node-1',
    );
    assert.equal(addedFirst.instance.lease_id, leaseId);
    assert.equal(addedFirst.revision, first.header.revision);

    // --- keep the lease alive for longer than its TTL, every ~600 ms
    const keepAlive = new KeepAliveStream(registry, serviceToken);
    streams.push(keepAlive);
    const renewals = (async () => {
      const answers = [];
      const until = Date.now() + RENEW_FOR_MS;
      while (Date.now() < until) {
        const response = await keepAlive.renew(leaseId);
        assert.equal(response.lease_id, leaseId, 'KeepAlive echoes the lease id exactly');
        assert.equal(response.ttl_seconds, String(LEASE_TTL_SECONDS), 'renewed TTL');
        answers.push(response);
        await sleep(RENEW_EVERY_MS);
      }
      return answers;
    })();
    // If the assertions below throw, the renewal loop must not leave an unhandled rejection.
    renewals.catch(() => {});

    // --- meanwhile: a second instance appears on the watch, then deregisters itself
    const second = await unary(
      registry,
      'RegisterInstance',
      {
        instance: {
          id: 'node-2',
          service: SERVICE,
          address: '127.0.0.1:9002',
          labels: { version: '1.5.0', color: 'green' },
        },
        ttl_seconds: '60',
      },
      serviceToken,
    );
    assert.notEqual(second.lease_id, leaseId, 'a new lease');
    const addedSecond = await watch.waitFor(
      'ADDED node-2',
      (e) => e.type === 'INSTANCE_EVENT_TYPE_ADDED' && e.instance.id === 'node-2',
    );
    assert.deepEqual({ ...addedSecond.instance.labels }, { version: '1.5.0', color: 'green' });
    assert.equal(addedSecond.instance.lease_id, second.lease_id);

    // Label selectors work from here too.
    const green = await unary(
      registry,
      'ListInstances',
      { service: SERVICE, selector: 'color=green' },
      serviceToken,
    );
    assert.deepEqual(green.instances.map((i) => i.id), ['node-2']);

    // SetInstanceState is an operator action: refused to the service token, done by the admin.
    await assertGrpcCode(
      unary(
        registry,
        'SetInstanceState',
        { service: SERVICE, instance_id: 'node-2', state: 'INSTANCE_STATE_DRAINING' },
        serviceToken,
      ),
      grpc.status.PERMISSION_DENIED,
      'SetInstanceState with a service token',
    );
    const drained = await unary(
      registry,
      'SetInstanceState',
      { service: SERVICE, instance_id: 'node-2', state: 'INSTANCE_STATE_DRAINING' },
      daemon.adminToken,
    );
    assert.equal(drained.instance.state, 'INSTANCE_STATE_DRAINING');
    const updated = await watch.waitFor(
      'UPDATED node-2',
      (e) => e.type === 'INSTANCE_EVENT_TYPE_UPDATED' && e.instance.id === 'node-2',
    );
    assert.equal(updated.instance.state, 'INSTANCE_STATE_DRAINING');
    assert.equal(updated.reason, 'operator');

    await unary(
      registry,
      'DeregisterInstance',
      { service: SERVICE, instance_id: 'node-2' },
      serviceToken,
    );
    const removedSecond = await watch.waitFor(
      'REMOVED node-2',
      (e) => e.type === 'INSTANCE_EVENT_TYPE_REMOVED' && e.instance.id === 'node-2',
    );
    assert.equal(removedSecond.reason, 'deregistered');
    await assertGrpcCode(
      unary(registry, 'DeregisterInstance', { service: SERVICE, instance_id: 'node-2' }, serviceToken),
      grpc.status.NOT_FOUND,
      'deregistering twice',
    );

    // --- the renewals outlived the TTL and kept the first instance registered
    const answers = await renewals;
    assert.ok(
      answers.length >= Math.floor(RENEW_FOR_MS / (RENEW_EVERY_MS * 2)),
      `only ${answers.length} KeepAlive responses`,
    );
    const listed = await unary(registry, 'ListInstances', { service: SERVICE }, serviceToken);
    assert.deepEqual(listed.instances.map((i) => i.id), ['node-1']);
    assert.equal(listed.instances[0].lease_id, leaseId);
    assert.ok(
      !watch.events.some((e) => e.type === 'INSTANCE_EVENT_TYPE_REMOVED' && e.instance.id === 'node-1'),
      `node-1 was removed while its lease was being renewed; ${watch.describe()}`,
    );

    // --- stop renewing: the lease expires and the instance leaves discovery
    await keepAlive.close();
    assert.equal(keepAlive.error, undefined, 'KeepAlive finished without an error');
    assert.equal(keepAlive.status.code, grpc.status.OK);
    const stoppedAt = Date.now();
    const expired = await watch.waitFor(
      'REMOVED node-1 (lease_expired)',
      (e) => e.type === 'INSTANCE_EVENT_TYPE_REMOVED' && e.instance.id === 'node-1',
      EXPIRY_DEADLINE_MS,
    );
    assert.equal(expired.reason, 'lease_expired');
    assert.equal(expired.instance.lease_id, leaseId);
    const elapsed = Date.now() - stoppedAt;
    assert.ok(elapsed < EXPIRY_DEADLINE_MS, `expired after ${elapsed} ms`);

    // The lease is gone: a renewal answers ttl_seconds 0 for the same int64 id.
    const late = new KeepAliveStream(registry, serviceToken);
    streams.push(late);
    const gone = await late.renew(leaseId);
    assert.equal(gone.lease_id, leaseId);
    assert.equal(gone.ttl_seconds, '0');
    await late.close();

    const empty = await unary(registry, 'ListInstances', { service: SERVICE }, serviceToken);
    assert.deepEqual(empty.instances, []);

    // Events arrive in revision order.
    const revisions = watch.events.map((e) => BigInt(e.revision));
    for (let i = 1; i < revisions.length; i += 1) {
      assert.ok(revisions[i] > revisions[i - 1], `revisions not increasing: ${watch.describe()}`);
    }
    assert.deepEqual(
      watch.events.map((e) => `${e.type.replace('INSTANCE_EVENT_TYPE_', '')} ${e.instance.id}`),
      ['ADDED node-1', 'ADDED node-2', 'UPDATED node-2', 'REMOVED node-2', 'REMOVED node-1'],
    );

    watch.cancel();
  });

  it('a KeepAlive stream without a token is UNAUTHENTICATED', async () => {
    const stream = new KeepAliveStream(registry, undefined);
    streams.push(stream);
    await assert.rejects(stream.renew('1'), (error) => {
      assert.equal(error.code, grpc.status.UNAUTHENTICATED);
      return true;
    });
  });

  it('SIGTERM stops the daemon with exit code 0', async () => {
    for (const stream of streams) {
      stream.call.cancel();
    }
    const exit = await daemon.stop();
    assert.deepEqual(
      { code: exit.code, signal: exit.signal },
      { code: 0, signal: null },
      `aegisd exit ${JSON.stringify(exit)}:\n${daemon.logTail()}`,
    );
  });
});
