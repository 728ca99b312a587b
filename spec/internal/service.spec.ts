/**
 * The grpc-js service definition: proto-loader's, built from the generated
 * descriptor, must be the shipped proto/api.proto's, carry int64 losslessly
 * and decode responses as the mappers expect (checked against the
 * protobufjs codecs the fake broker and the hot-path specs use).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSync, type MethodDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import type { ApiMethods } from '../../lib/internal/grpc/api-types.generated.js';
import { codec, fromInt64, toInt64 } from '../../lib/internal/grpc/codec.js';
import { mergeMetadata, toPartitionInfo } from '../../lib/internal/grpc/convert.js';
import { apiMethod, apiService, LOADER_OPTIONS } from '../../lib/internal/grpc/service.js';
import { projectRoot } from '../../scripts/testbed/paths.js';

const MAX = 2n ** 63n - 1n;
const MIN = -(2n ** 63n);
const UMAX = 2n ** 64n - 1n;

/** What identifies an RPC: path, streaming kinds, message type names. */
function shape(m: MethodDefinition<object, object>) {
  return {
    path: m.path,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
    request: (m.requestType.type as { name?: string }).name,
    response: (m.responseType.type as { name?: string }).name,
  };
}

/** Every RPC the generated types know, with its streaming kinds. */
const KINDS: {
  [M in keyof ApiMethods]: [ApiMethods[M]['requestStream'], ApiMethods[M]['responseStream']];
} = {
  CreateStream: [false, false],
  DeleteStream: [false, false],
  PauseStream: [false, false],
  SetStreamReadonly: [false, false],
  Subscribe: [false, true],
  FetchMetadata: [false, false],
  FetchPartitionMetadata: [false, false],
  Publish: [false, false],
  PublishAsync: [true, true],
  PublishToSubject: [false, false],
  SetCursor: [false, false],
  FetchCursor: [false, false],
  JoinConsumerGroup: [false, false],
  LeaveConsumerGroup: [false, false],
  FetchConsumerGroupAssignments: [false, false],
  ReportConsumerGroupCoordinator: [false, false],
};

describe('service', () => {
  it('service - proto-loader serves the shipped proto/api.proto: same RPCs, paths, streaming kinds and messages', () => {
    const shipped = loadSync(join(projectRoot, 'proto', 'api.proto'), LOADER_OPTIONS)[
      'proto.API'
    ] as ServiceDefinition;
    const ours = apiService();
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(shipped).sort());
    for (const [name, method] of Object.entries(shipped))
      assert.deepEqual(shape(ours[name] as MethodDefinition<object, object>), shape(method), name);
    // The generated types name the same RPCs, with the same kinds.
    assert.deepEqual(Object.keys(KINDS).sort(), Object.keys(ours).sort());
    for (const [name, [requestStream, responseStream]] of Object.entries(KINDS)) {
      const m = apiMethod(name as keyof ApiMethods);
      assert.deepEqual([m.requestStream, m.responseStream], [requestStream, responseStream], name);
      assert.equal(m.path, `/proto.API/${name}`);
    }
  });

  it('service - int64 goes out losslessly: a bigint request field at the edges of int64 and uint64', () => {
    for (const offset of [MAX, MIN, 0n, -1n, 2n ** 53n + 1n]) {
      const bytes = apiMethod('SetCursor').requestSerialize({
        stream: 's',
        partition: 2,
        cursorId: 'c',
        offset: toInt64(offset),
      });
      const back = codec<never, ApiMethods['SetCursor']['request']>('SetCursorRequest').deserialize(
        Buffer.from(bytes),
      );
      assert.equal(fromInt64(back.offset ?? 0), offset);
    }
  });

  it('service - int64 comes back losslessly (never a lossy number), uint64 too', () => {
    for (const offset of [MAX, MIN, -1n, 2n ** 53n + 1n]) {
      const bytes = codec<object, never>('FetchCursorResponse').serialize({
        offset: toInt64(offset),
      });
      const res = apiMethod('FetchCursor').responseDeserialize(bytes);
      assert.notEqual(typeof res.offset, 'number');
      assert.equal(fromInt64(res.offset), offset);
    }
    const epoch = codec<object, never>('JoinConsumerGroupResponse').serialize({
      coordinator: 'b',
      epoch: { low: -1, high: -1, unsigned: true },
    });
    const joined = apiMethod('JoinConsumerGroup').responseDeserialize(epoch);
    assert.equal(fromInt64(joined.epoch), UMAX);
  });

  it('service - a response decodes with every field present, as the mappers read it (same metadata as the protobufjs codec)', () => {
    const response = {
      brokers: [{ id: 'b1', host: '::1', port: 9292, partitionCount: 2, leaderCount: 1 }],
      streamMetadata: [
        {
          name: 'orders',
          subject: 'orders',
          creationTimestamp: toInt64(1_790_000_000_123_456_789n),
          partitions: {
            0: { id: 0, leader: 'b1', replicas: ['b1'], isr: ['b1'], highWatermark: toInt64(MAX) },
            1: {
              id: 1,
              messagesReceivedTimestamps: {
                firstTimestamp: toInt64(5n),
                latestTimestamp: toInt64(MAX),
              },
            },
          },
        },
        { name: 'gone', error: 1 },
      ],
    };
    const bytes = codec<object, never>('FetchMetadataResponse').serialize(response);
    const viaLoader = apiMethod('FetchMetadata').responseDeserialize(bytes);
    const viaProtobuf = codec<never, ApiMethods['FetchMetadata']['response']>(
      'FetchMetadataResponse',
    ).deserialize(bytes);
    const merged = mergeMetadata(undefined, viaLoader, [], 1);
    assert.deepEqual(merged, mergeMetadata(undefined, viaProtobuf, [], 1));
    const p1 = merged.streams.get('orders')?.partitions.get(1);
    assert.deepEqual(p1?.messagesReceived, { first: 5n, latest: MAX });
    assert.deepEqual([p1?.leader, p1?.replicas, p1?.highWatermark], [undefined, [], 0n]);
    assert.equal(merged.streams.get('orders')?.partitions.get(0)?.highWatermark, MAX);
    assert.equal(merged.streams.has('gone'), false);
    // An empty FetchPartitionMetadata response: metadata null, not undefined.
    const empty = apiMethod('FetchPartitionMetadata').responseDeserialize(Buffer.alloc(0));
    assert.equal(empty.metadata, null);
    const one = apiMethod('FetchPartitionMetadata').responseDeserialize(
      codec<object, never>('FetchPartitionMetadataResponse').serialize({
        metadata: { id: 3, newestOffset: toInt64(MAX) },
      }),
    );
    assert.ok(one.metadata);
    assert.equal(toPartitionInfo(one.metadata).newestOffset, MAX);
  });
});
