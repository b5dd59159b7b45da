// Shared by the Node.js end-to-end tests: a real aegisd on free loopback ports, the Aegis protos
// loaded with @grpc/proto-loader, and call helpers with deadlines.
//
// Environment:
//   AEGISD           path of the aegisd binary (required)
//   AEGIS_PROTO_DIR  the repository's proto/ directory (default: ../../../proto from this file)
//   AEGIS_E2E_KEEP   when set, the daemon's temporary data directory is kept

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
export const AEGISD = process.env.AEGISD;
export const PROTO_DIR = process.env.AEGIS_PROTO_DIR || path.resolve(here, '../../../proto');

export const CALL_TIMEOUT_MS = 10_000;
const STARTUP_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 20_000;

// Fails at once, with what to set, when the environment does not name aegisd and the protos.
export function checkEnvironment() {
  assert.ok(AEGISD, 'set AEGISD to the path of the aegisd binary');
  assert.ok(existsSync(AEGISD), `AEGISD=${AEGISD} does not exist`);
  assert.ok(
    existsSync(path.join(PROTO_DIR, 'aegis/v1/registry.proto')),
    `AEGIS_PROTO_DIR=${PROTO_DIR} does not hold aegis/v1/registry.proto`,
  );
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`.
export async function pollUntil(what, timeoutMs, probe, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Protos and clients

// Loads the Aegis protos a test uses and returns the aegis.v1 package. keepCase: field names as
// in the .proto (lease_id, ttl_seconds). longs: String, so int64 values (lease ids, revisions,
// versions) never lose precision; int64 request fields are sent as strings.
export function loadAegisV1(protoFiles) {
  const packageDefinition = protoLoader.loadSync(protoFiles, {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(packageDefinition).aegis.v1;
}

export function bearer(token) {
  const metadata = new grpc.Metadata();
  if (token !== undefined) {
    metadata.add('authorization', `Bearer ${token}`);
  }
  return metadata;
}

export function callOptions() {
  return { deadline: Date.now() + CALL_TIMEOUT_MS };
}

// Calls a unary method; resolves with the response, rejects with the grpc error (err.code).
export function unary(client, method, request, token) {
  return new Promise((resolve, reject) => {
    client[method](request, bearer(token), callOptions(), (error, response) => {
      if (error) {
        reject(error);
      } else {
        resolve(response);
      }
    });
  });
}

// Asserts that a promise rejects with the given gRPC status code.
export async function assertGrpcCode(promise, code, message) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.code, code, `${message}: got ${error.code} (${error.details})`);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// The daemon

export class Daemon {
  // `extraArgs`: further aegisd flags, e.g. ['--xds-listen', '127.0.0.1:0'].
  constructor(binary, extraArgs = []) {
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'aegis-e2e-node-'));
    this.readyFile = path.join(this.dataDir, 'ready.json');
    this.log = '';
    this.exit = undefined; // { code, signal } once exited
    this.child = spawn(
      binary,
      [
        '--data-dir', path.join(this.dataDir, 'data'),
        '--listen', '127.0.0.1:0',
        '--http-listen', '127.0.0.1:0',
        '--otlp-listen', '127.0.0.1:0',
        '--ready-file', this.readyFile,
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk) => {
      this.log += chunk.toString();
      if (this.log.length > 200_000) {
        this.log = this.log.slice(-100_000);
      }
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.on('error', (error) => {
        this.log += `\nspawn failed: ${error.message}\n`;
        this.exit = { code: null, signal: null, error };
        resolve(this.exit);
      });
    });
  }

  logTail() {
    return this.log.split('\n').slice(-40).join('\n');
  }

  async waitReady() {
    this.ready = await pollUntil('the ready file', STARTUP_TIMEOUT_MS, () => {
      if (this.exit) {
        throw new Error(
          `aegisd exited before it was ready (${JSON.stringify(this.exit)}):\n${this.logTail()}`,
        );
      }
      if (!existsSync(this.readyFile)) {
        return undefined;
      }
      // Written to a temporary name and renamed into place, so it is complete when it exists.
      return JSON.parse(readFileSync(this.readyFile, 'utf8'));
    });
    assert.match(this.ready.grpc, /^127\.0\.0\.1:\d+$/, 'ready file: grpc address');
    assert.match(this.ready.http, /^127\.0\.0\.1:\d+$/, 'ready file: http address');
    assert.equal(this.ready.pid, this.child.pid, 'ready file: pid');
    const tokenFile = path.join(this.dataDir, 'data', 'admin.token');
    this.adminToken = readFileSync(tokenFile, 'utf8').trim();
    assert.ok(this.adminToken.length > 0, 'admin.token is empty');
  }

  async stop() {
    if (!this.exit) {
      this.child.kill('SIGTERM');
    }
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`aegisd did not exit within ${SHUTDOWN_TIMEOUT_MS} ms of SIGTERM`)),
        SHUTDOWN_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  cleanup() {
    if (!this.exit) {
      this.child.kill('SIGKILL');
    }
    if (process.env.AEGIS_E2E_KEEP) {
      console.log(`# kept ${this.dataDir}`);
    } else {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}
