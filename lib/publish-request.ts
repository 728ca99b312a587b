/**
 * Building publish requests: validation at the call site, nothing sent.
 * {@link LiftbridgeClient.getPublishRequest} uses this; publish and
 * publishBulk send what it builds.
 */
import { invalidArgument } from './errors.js';
import { AckPolicy } from './message.js';
import { checkPartitioner, type Partitioner } from './partitioners.js';
import { checkId, checkIndex, checkInt64, checkStreamName, toBytes } from './validate.js';

/**
 * Headers given as a Map or a plain object; values as bytes or strings
 * (UTF-8). Names must be non-empty.
 *
 * @example
 * ```ts
 * const headers: HeadersInit = { 'content-type': 'application/json', trace: new Uint8Array([1, 2]) };
 * await lastValueFrom(client.publish('{"id":1}', { stream: 'orders', headers }));
 * ```
 */
export type HeadersInit =
  | ReadonlyMap<string, Uint8Array | string>
  | Record<string, Uint8Array | string>;

/**
 * Options of one publish request ({@link LiftbridgeClient.getPublishRequest};
 * {@link SinglePublishOptions} adds an ack wait for
 * {@link LiftbridgeClient.publish}). Bad values throw `INVALID_ARGUMENT` at
 * the call site.
 *
 * @example
 * ```ts
 * const options: PublishOptions = {
 *   stream: 'orders',
 *   key: 'customer-7',
 *   partitioner: 'key',
 *   headers: { source: 'web' },
 *   ackPolicy: AckPolicy.ALL,
 * };
 * const request = client.getPublishRequest('order #1', options);
 * ```
 */
export interface PublishOptions {
  /** Stream to publish to (required). */
  stream: string;
  /**
   * Partition number. Excludes `partitioner`.
   * @defaultValue chosen by the partitioner (this request's, else the client's), else 0
   */
  partition?: number;
  /**
   * How to choose the partition from the stream's partition count (see
   * {@link Partitioner}). Excludes `partition`.
   * @defaultValue the client's {@link ClientOptions.partitioner}
   */
  partitioner?: Partitioner;
  /**
   * Message key (strings as UTF-8).
   * @defaultValue none (empty)
   */
  key?: Uint8Array | string;
  /**
   * Message headers.
   * @defaultValue none
   */
  headers?: HeadersInit;
  /**
   * How the server acknowledges (see {@link AckPolicy}).
   * @defaultValue `'LEADER'`
   */
  ackPolicy?: AckPolicy;
  /**
   * Correlation id, returned in the Ack; must be unique among requests in flight.
   * @defaultValue a unique id made by the client
   */
  correlationId?: string;
  /**
   * Optimistic concurrency: the offset the partition must be at (0 or
   * more; the stream needs `optimisticConcurrencyControl`); otherwise
   * `INCORRECT_OFFSET`.
   * @defaultValue none (sent as -1)
   */
  expectedOffset?: bigint | number;
  /**
   * Compress the value with the client's `compression` option (when it is
   * at least `compressionThreshold` bytes); without that option, sent as given.
   * @defaultValue false
   */
  compress?: boolean;
}

/**
 * A validated request, ready for {@link LiftbridgeClient.publishRequest}
 * and the bulk operators. Build it with
 * {@link LiftbridgeClient.getPublishRequest}: the operators refuse objects
 * made otherwise.
 *
 * @example
 * ```ts
 * const request: PublishRequest = client.getPublishRequest('hello', { stream: 'orders' });
 * console.log(request.stream, request.partition, request.value.byteLength);
 * const ack = await lastValueFrom(client.publishRequest(request));
 * ```
 */
export interface PublishRequest {
  /** Stream to publish to. */
  readonly stream: string;
  /** The partition given (0 when a partitioner will choose at send time). */
  readonly partition: number;
  /** Chooses the partition when the request is sent; undefined: `partition` as given. */
  readonly partitioner: Partitioner | undefined;
  /** Message key (empty when none). */
  readonly key: Uint8Array;
  /** Message value (not yet compressed); sent without a copy, so leave it unchanged until the request settles. */
  readonly value: Uint8Array;
  /** Message headers. */
  readonly headers: ReadonlyMap<string, Uint8Array>;
  /** How the server acknowledges. */
  readonly ackPolicy: AckPolicy;
  /** The correlation id given; undefined: the client makes one when sending. */
  readonly correlationId: string | undefined;
  /** Optimistic concurrency: the offset the partition must be at; -1n: no expectation. */
  readonly expectedOffset: bigint;
  /** Whether to compress the value with the client's `compression` option. */
  readonly compress: boolean;
}

const POLICIES = new Set<string>(Object.values(AckPolicy));

/** Shared by requests without a key or headers (requests are read-only). */
const NO_KEY = new Uint8Array(0);
const NO_HEADERS: ReadonlyMap<string, Uint8Array> = new Map();

/** The last stream name that passed checkStreamName (bulk requests repeat it). */
let lastStream: string | undefined;

function streamName(name: unknown): string {
  if (lastStream === undefined || name !== lastStream) lastStream = checkStreamName(name);
  return lastStream;
}

function toHeaderMap(headers: unknown): ReadonlyMap<string, Uint8Array> {
  if (headers === undefined) return NO_HEADERS;
  const map = new Map<string, Uint8Array>();
  let entries: Iterable<[unknown, unknown]>;
  if (headers instanceof Map) entries = headers.entries();
  else if (headers !== null && typeof headers === 'object') entries = Object.entries(headers);
  else throw invalidArgument('headers', 'expected a Map or an object of header values');
  for (const [name, value] of entries) {
    if (typeof name !== 'string' || name === '')
      throw invalidArgument('headers', 'header names must be non-empty strings');
    map.set(name, toBytes(value, `headers["${name}"]`));
  }
  return map;
}

/**
 * Checks a message and its publish options into a {@link PublishRequest},
 * as {@link LiftbridgeClient.getPublishRequest} (and publish) do before
 * anything is sent; the testing kit's fake calls it too.
 *
 * @param value - the message value; a string becomes UTF-8 bytes.
 * @param options - see {@link PublishOptions}; `stream` is required.
 * @param defaultPartitioner - applies when the options name neither a
 *   partition nor a partitioner (the client passes its `partitioner` option).
 * @returns the request (the partition is chosen at send time when it has a partitioner).
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input.
 * @example
 * ```ts
 * const request = planPublish('order 1', { stream: 'orders', key: 'customer-7' });
 * console.log(request.stream, request.partition); // orders 0
 * ```
 */
export function planPublish(
  value: unknown,
  options: PublishOptions,
  defaultPartitioner?: Partitioner,
): PublishRequest {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object with a stream');
  const partitioner = checkPartitioner(options.partitioner, 'partitioner');
  if (partitioner !== undefined && options.partition !== undefined)
    throw invalidArgument('partitioner', 'give a partition or a partitioner, not both');
  const ackPolicy = options.ackPolicy ?? AckPolicy.LEADER;
  if (!POLICIES.has(ackPolicy))
    throw invalidArgument('ackPolicy', `expected LEADER, ALL or NONE, got ${String(ackPolicy)}`);
  return {
    stream: streamName(options.stream),
    partition: options.partition === undefined ? 0 : checkIndex(options.partition, 'partition'),
    partitioner: partitioner ?? (options.partition === undefined ? defaultPartitioner : undefined),
    key: options.key === undefined ? NO_KEY : toBytes(options.key, 'key'),
    value: toBytes(value, 'value'),
    headers: toHeaderMap(options.headers),
    ackPolicy,
    correlationId:
      options.correlationId === undefined
        ? undefined
        : checkId(options.correlationId, 'correlationId'),
    expectedOffset:
      options.expectedOffset === undefined
        ? -1n
        : checkInt64(options.expectedOffset, 'expectedOffset'),
    compress: options.compress === undefined ? false : Boolean(options.compress),
  };
}

/** Rough encoded size of a request: enough to refuse what gRPC would refuse. */
export function approximateSize(request: PublishRequest): number {
  let size = request.value.byteLength + request.key.byteLength + request.stream.length + 64;
  // No iterator for the usual empty headers (an object per request otherwise).
  if (request.headers.size > 0)
    for (const [name, value] of request.headers) size += name.length + value.byteLength + 8;
  return size + (request.correlationId?.length ?? 32);
}

/** Whether `value` looks like a request built by getPublishRequest. */
export function isPublishRequest(value: unknown): value is PublishRequest {
  const r = value as Partial<PublishRequest> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.stream === 'string' &&
    r.value instanceof Uint8Array &&
    r.key instanceof Uint8Array &&
    r.headers instanceof Map &&
    typeof r.expectedOffset === 'bigint'
  );
}
