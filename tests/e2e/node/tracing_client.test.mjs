// End-to-end test: the real OpenTelemetry JS SDK exports spans to aegisd with its OTLP/gRPC
// exporter and with its OTLP/HTTP protobuf exporter; the test reads each trace back with
// aegis.v1.TraceService GetTrace (view FULL) and compares it field by field with what the SDK
// recorded: ids and parent, name, kind, times, attributes of every type, events, links, status,
// the resource (service.name, service.version) and the instrumentation scope.
//
// Environment: see aegisd_support.mjs.
// Run: AEGISD=build/backend/aegisd node --test tracing_client.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';

import { AEGISD, Daemon, checkEnvironment, loadAegisV1, unary } from './aegisd_support.mjs';
import * as grpc from '@grpc/grpc-js';

const v1 = loadAegisV1(['aegis/v1/tracing.proto']);

const KINDS = ['SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER'];

const nanos = ([seconds, fraction]) => (BigInt(seconds) * 1_000_000_000n + BigInt(fraction)).toString();
const hex = (bytes) => Buffer.from(bytes).toString('hex');

// An OTLP AnyValue as loaded by proto-loader (oneofs: the `value` field names the member), as
// the JS value the SDK was given.
function fromAnyValue(value) {
  switch (value.value) {
    case 'string_value':
      return value.string_value;
    case 'bool_value':
      return value.bool_value;
    case 'int_value':
      return Number(value.int_value);
    case 'double_value':
      return value.double_value;
    case 'array_value':
      return value.array_value.values.map(fromAnyValue);
    default:
      throw new Error(`unexpected AnyValue ${JSON.stringify(value)}`);
  }
}

function attributesOf(keyValues) {
  return Object.fromEntries(keyValues.map((kv) => [kv.key, fromAnyValue(kv.value)]));
}

// Records one trace with the given exporter: a server span with attributes of every type, two
// events, a link and an error status; a client child; an internal grandchild that is OK.
async function recordTrace(exporter, service) {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.4.1' }),
    spanProcessors: [new SimpleSpanProcessor(memory), new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('aegis-e2e-scope', '1.2.3');

  const linked = tracer.startSpan('linked-origin');
  linked.end();
  const root = tracer.startSpan('POST /checkout', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.method': 'POST',
      'http.status_code': 500,
      'retry.ratio': 0.75,
      'cache.hit': false,
      'tags': ['a', 'b', 'ü'],
      'sizes': [1, 2, 3],
      'weights': [0.5, 1.5],
      'flags': [true, false],
    },
    links: [{ context: linked.spanContext(), attributes: { 'link.reason': 'follows', 'link.n': 7 } }],
  });
  root.addEvent('cart.loaded', { items: 3, 'cart.id': 'c-17' });
  root.addEvent('payment.declined', { code: 'insufficient_funds', retryable: true });
  const child = tracer.startSpan(
    'GET inventory',
    { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'inventory' } },
    trace.setSpan(context.active(), root),
  );
  const grandchild = tracer.startSpan(
    'reserve',
    { kind: SpanKind.INTERNAL },
    trace.setSpan(context.active(), child),
  );
  grandchild.setStatus({ code: SpanStatusCode.OK });
  grandchild.end();
  child.end();
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  root.end();
  // Resolves once the exporter's export was answered, i.e. aegisd has the spans durably.
  await provider.forceFlush();
  // Read before shutdown, which empties the in-memory exporter.
  const recorded = memory.getFinishedSpans().filter(
    (span) => span.spanContext().traceId === root.spanContext().traceId,
  );
  await provider.shutdown();
  assert.equal(recorded.length, 3, 'the SDK recorded the trace');
  return { traceId: root.spanContext().traceId, recorded };
}

// Reads the trace back and compares each span with what the SDK recorded.
async function assertStored(client, token, { traceId, recorded }, service) {
  const response = await unary(client, 'GetTrace', { trace_id: traceId, view: 'TRACE_VIEW_FULL' }, token);
  const stored = new Map();
  for (const resourceSpans of response.spans.resource_spans) {
    const resource = attributesOf(resourceSpans.resource.attributes);
    assert.equal(resource['service.name'], service, 'resource service.name');
    assert.equal(resource['service.version'], '2.4.1', 'resource service.version');
    assert.deepEqual(resource, recorded[0].resource.attributes, 'resource attributes');
    for (const scopeSpans of resourceSpans.scope_spans) {
      assert.equal(scopeSpans.scope.name, 'aegis-e2e-scope', 'scope name');
      assert.equal(scopeSpans.scope.version, '1.2.3', 'scope version');
      for (const span of scopeSpans.spans) {
        stored.set(hex(span.span_id), span);
      }
    }
  }
  assert.equal(stored.size, recorded.length, `every span stored: ${[...stored.keys()]}`);
  for (const sent of recorded) {
    const id = sent.spanContext().spanId;
    const span = stored.get(id);
    assert.ok(span, `span ${id} (${sent.name}) stored`);
    const what = `span '${sent.name}'`;
    assert.equal(hex(span.trace_id), traceId, `${what}: trace_id`);
    assert.equal(hex(span.parent_span_id), sent.parentSpanContext?.spanId ?? '', `${what}: parent`);
    assert.equal(span.name, sent.name, `${what}: name`);
    assert.equal(span.kind, KINDS[sent.kind], `${what}: kind`);
    assert.equal(span.start_time_unix_nano, nanos(sent.startTime), `${what}: start`);
    assert.equal(span.end_time_unix_nano, nanos(sent.endTime), `${what}: end`);
    assert.deepEqual(attributesOf(span.attributes), sent.attributes, `${what}: attributes`);
    assert.equal(span.status?.code ?? 'STATUS_CODE_UNSET',
      ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'][sent.status.code],
      `${what}: status code`);
    assert.equal(span.status?.message ?? '', sent.status.message ?? '', `${what}: status message`);
    assert.equal(span.events.length, sent.events.length, `${what}: events`);
    sent.events.forEach((event, i) => {
      assert.equal(span.events[i].name, event.name, `${what}: event ${i} name`);
      assert.equal(span.events[i].time_unix_nano, nanos(event.time), `${what}: event ${i} time`);
      assert.deepEqual(attributesOf(span.events[i].attributes), event.attributes ?? {},
        `${what}: event ${i} attributes`);
    });
    assert.equal(span.links.length, sent.links.length, `${what}: links`);
    sent.links.forEach((link, i) => {
      assert.equal(hex(span.links[i].trace_id), link.context.traceId, `${what}: link ${i} trace`);
      assert.equal(hex(span.links[i].span_id), link.context.spanId, `${what}: link ${i} span`);
      assert.deepEqual(attributesOf(span.links[i].attributes), link.attributes ?? {},
        `${what}: link ${i} attributes`);
    });
  }
  assert.equal(response.summary.root_service, service, 'summary: root service');
}

describe('OpenTelemetry JS SDK -> aegisd', () => {
  let daemon;
  let client;

  before(async () => {
    checkEnvironment();
    daemon = new Daemon(AEGISD);
    await daemon.waitReady();
    assert.match(daemon.ready.otlp ?? '', /^127\.0\.0\.1:\d+$/, 'ready file: otlp address');
    client = new v1.TraceService(daemon.ready.grpc, grpc.credentials.createInsecure());
  });

  after(async () => {
    client?.close();
    if (daemon) {
      await daemon.stop();
      daemon.cleanup();
    }
  });

  it('stores what the OTLP/gRPC exporter sends, field by field', async () => {
    const exporter = new GrpcTraceExporter({ url: `http://${daemon.ready.otlp}` });
    const sent = await recordTrace(exporter, 'checkout-grpc');
    await assertStored(client, daemon.adminToken, sent, 'checkout-grpc');
  });

  it('stores what the OTLP/HTTP protobuf exporter sends, field by field', async () => {
    const exporter = new ProtoTraceExporter({ url: `http://${daemon.ready.http}/v1/traces` });
    const sent = await recordTrace(exporter, 'checkout-http');
    await assertStored(client, daemon.adminToken, sent, 'checkout-http');
  });
});
