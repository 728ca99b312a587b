/**
 * Client options, their defaults, and the one function that validates and
 * fills them. Internal code reads only {@link ResolvedClientOptions}.
 */

import { COMPRESSION_METHODS, type CompressionMethod } from './compression.js';
import { invalidArgument } from './errors.js';
import {
  type BrokerSelection,
  BROKER_SELECTIONS as SELECTIONS,
} from './internal/broker-selection.js';
import { type ChannelCredentials, makeCredentials } from './internal/wire.js';
import { checkLogger, type Logger } from './logger.js';
import { checkPartitioner, type Partitioner } from './partitioners.js';
import { parseBroker } from './validate.js';

/**
 * Default ack wait of publish, publishBulk and publishToSubject, in
 * milliseconds: 5000 (the {@link ClientOptions.ackTimeout} option).
 *
 * @example
 * ```ts
 * const patient = new LiftbridgeClient(BROKERS, { ackTimeout: 4 * DEFAULT_ACK_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_ACK_TIMEOUT_MS = 5_000;
/**
 * Default deadline of admin, metadata and cursor calls, in milliseconds:
 * 10000 (the {@link ClientOptions.requestTimeout} option).
 *
 * @example
 * ```ts
 * const quick = new LiftbridgeClient(BROKERS, { requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS / 2 });
 * ```
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/**
 * Default time calls keep retrying through leader changes and unreachable
 * brokers, in milliseconds: 30000 (the {@link ClientOptions.retryTimeout} option).
 *
 * @example
 * ```ts
 * const stubborn = new LiftbridgeClient(BROKERS, { retryTimeout: 2 * DEFAULT_RETRY_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_RETRY_TIMEOUT_MS = 30_000;

/**
 * How long `drain()` waits for live work to finish before it closes what
 * is left, in milliseconds: 10000 (the {@link ClientOptions.drainTimeout} option).
 *
 * @example
 * ```ts
 * const patient = new LiftbridgeClient(BROKERS, { drainTimeout: 3 * DEFAULT_DRAIN_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/**
 * Default time to reach a first broker before calls fail with `UNAVAILABLE`,
 * in milliseconds: 10000 (the {@link ClientOptions.connectTimeout} option).
 *
 * @example
 * ```ts
 * const slowStart = new LiftbridgeClient(BROKERS, { connectTimeout: 3 * DEFAULT_CONNECT_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * Default period of the background metadata refresh, in milliseconds: 30000
 * (the {@link ClientOptions.metadataRefreshInterval} option; 0 turns it off).
 *
 * @example
 * ```ts
 * const watchful = new LiftbridgeClient(BROKERS, {
 *   metadataRefreshInterval: DEFAULT_METADATA_REFRESH_MS / 3,
 * });
 * ```
 */
export const DEFAULT_METADATA_REFRESH_MS = 30_000;
/**
 * Default window of publishBulk, publishBulkSettled and publishBulkFrom:
 * 256 requests in flight (written, not yet acked); the
 * {@link PublishBulkOptions.concurrency} option.
 *
 * @example
 * ```ts
 * const requests = ['a', 'b'].map((v) => client.getPublishRequest(v, { stream: 'orders' }));
 * from(requests).pipe(publishBulk(client, { concurrency: 2 * DEFAULT_BULK_CONCURRENCY }));
 * ```
 */
export const DEFAULT_BULK_CONCURRENCY = 256;
/**
 * Default header naming the compression method of a message value:
 * `'X-Msg-Encoding'`, the one Gufo Liftbridge uses (the
 * {@link ClientOptions.encodingHeader} option).
 *
 * @example
 * ```ts
 * const msg = await firstValueFrom(client.subscribe('orders', { startPosition: 'EARLIEST' }));
 * // undefined: subscribers remove the header once they have decompressed the value
 * msg.headers.get(DEFAULT_ENCODING_HEADER);
 * ```
 */
export const DEFAULT_ENCODING_HEADER = 'X-Msg-Encoding';
/**
 * Default gRPC message size limit, both directions, in bytes: 4 MiB,
 * gRPC's own default (the {@link ClientOptions.maxMessageBytes} option).
 *
 * @example
 * ```ts
 * const roomy = new LiftbridgeClient(BROKERS, { maxMessageBytes: 4 * DEFAULT_MAX_MESSAGE_BYTES });
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * Default cap on a decompressed message value, in bytes: 64 MiB (the
 * {@link ClientOptions.maxDecompressedBytes} option). A value that would
 * decompress past it is delivered as stored, its encoding header in place.
 *
 * @example
 * ```ts
 * const roomy = new LiftbridgeClient(BROKERS, {
 *   maxDecompressedBytes: 4 * DEFAULT_MAX_DECOMPRESSED_BYTES,
 * });
 * ```
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export type { BrokerSelection } from './internal/broker-selection.js';

/**
 * PEM contents (not file paths) for TLS: the {@link ClientOptions.tls} option.
 * `cert` and `key` go together (`INVALID_ARGUMENT` otherwise).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 *
 * const tls: TlsOptions = {
 *   ca: readFileSync('ca.pem'),
 *   cert: readFileSync('client.pem'),
 *   key: readFileSync('client-key.pem'),
 * };
 * const client = new LiftbridgeClient(BROKERS, { tls });
 * ```
 */
export interface TlsOptions {
  /**
   * The CA that signed the server certificates.
   * @defaultValue the system's root certificates
   */
  ca?: string | Uint8Array;
  /**
   * Client certificate, for mutual TLS (servers with `tls.client.auth.enabled`); needs `key`.
   * @defaultValue none
   */
  cert?: string | Uint8Array;
  /**
   * Private key of `cert`.
   * @defaultValue none
   */
  key?: string | Uint8Array;
}

function pem(value: unknown, name: string): Buffer | null {
  if (value === undefined) return null;
  if (typeof value === 'string' || value instanceof Uint8Array) return Buffer.from(value);
  throw invalidArgument(`options.tls.${name}`, 'expected PEM contents (a string or bytes)');
}

function channelCredentials(options: ClientOptions): ChannelCredentials {
  const { tls, credentials } = options;
  if (tls !== undefined && credentials !== undefined)
    throw invalidArgument('options.tls', 'give tls or credentials, not both');
  if (credentials !== undefined) return credentials;
  if (tls === undefined) return makeCredentials(undefined);
  if (tls === null || typeof tls !== 'object')
    throw invalidArgument('options.tls', 'expected { ca?, cert?, key? }');
  const cert = pem(tls.cert, 'cert');
  const key = pem(tls.key, 'key');
  if ((cert === null) !== (key === null))
    throw invalidArgument(
      'options.tls',
      'a client certificate needs its key, and the other way round',
    );
  return makeCredentials({ ca: pem(tls.ca, 'ca'), cert, key });
}

/**
 * Options of the {@link LiftbridgeClient} constructor. Every field is
 * optional; each states its default. Durations are milliseconds. A bad
 * value throws `INVALID_ARGUMENT` from the constructor, naming the option.
 *
 * @example
 * ```ts
 * const options: ClientOptions = {
 *   ackTimeout: 10_000,
 *   brokerSelection: 'lowestLatency',
 *   partitioner: 'key',
 *   compression: 'zlib',
 *   compressionThreshold: 1024,
 *   signal: AbortSignal.timeout(60_000),
 * };
 * await using client = new LiftbridgeClient(BROKERS, options);
 * ```
 */
export interface ClientOptions {
  /**
   * How long publish, publishBulk and publishToSubject wait for each ack
   * (ms, above 0); then the request fails with `ACK_TIMEOUT`. Requests can
   * override it with their own `ackTimeout`.
   * @defaultValue 5000 ({@link DEFAULT_ACK_TIMEOUT_MS})
   */
  ackTimeout?: number;
  /**
   * Deadline of each admin, metadata and cursor call and of the subscribe
   * handshake (ms, above 0); a call past it fails with `TIMEOUT`, which calls
   * retry within `retryTimeout`. Also bounds how long close() waits for
   * consumer groups to checkpoint and leave.
   * @defaultValue 10000 ({@link DEFAULT_REQUEST_TIMEOUT_MS})
   */
  requestTimeout?: number;
  /**
   * How long calls retry through leader changes and unreachable brokers
   * (ms; 0: no retries).
   * @defaultValue 30000 ({@link DEFAULT_RETRY_TIMEOUT_MS})
   */
  retryTimeout?: number;
  /**
   * How long `drain()` waits for live work (publishes awaiting acks,
   * consumer groups checkpointing, flow-controlled handlers) to finish
   * (ms, above 0); then what is left is closed as close() does. A drain's
   * own `timeout` overrides it.
   * @defaultValue 10000 ({@link DEFAULT_DRAIN_TIMEOUT_MS})
   */
  drainTimeout?: number;
  /**
   * How long calls try the seed brokers before any broker has ever answered
   * (ms, above 0); then they fail with `UNAVAILABLE` naming the seeds.
   * @defaultValue 10000 ({@link DEFAULT_CONNECT_TIMEOUT_MS})
   */
  connectTimeout?: number;
  /**
   * Period of the background metadata refresh (ms; 0 turns it off). It lets
   * subscriptions notice a leader that moved away from a frozen broker. The
   * timer never keeps the process alive.
   * @defaultValue 30000 ({@link DEFAULT_METADATA_REFRESH_MS})
   */
  metadataRefreshInterval?: number;
  /**
   * Aborting it closes the client (as close() does); an already aborted
   * signal closes it at once.
   * @defaultValue none
   */
  signal?: AbortSignal;
  /**
   * Broker choice of any-broker calls (see {@link BrokerSelection}).
   * @defaultValue `'sticky'`
   */
  brokerSelection?: BrokerSelection;
  /**
   * Partitioner of publishes that name neither a partition nor a partitioner
   * (see {@link Partitioner}).
   * @defaultValue none: such publishes go to partition 0
   */
  partitioner?: Partitioner;
  /**
   * Compression of the values of requests that opt in with `compress: true`
   * (see {@link CompressionMethod}); `'lzma'` needs the optional dependency
   * `lzma-native`. Subscribers decompress whatever this is.
   * @defaultValue none: values are sent as given
   */
  compression?: CompressionMethod;
  /**
   * Values shorter than this many bytes are sent uncompressed.
   * @defaultValue 0 (every opted-in value is compressed)
   */
  compressionThreshold?: number;
  /**
   * Header that names the compression method of a value, on publish and subscribe.
   * @defaultValue `'X-Msg-Encoding'` ({@link DEFAULT_ENCODING_HEADER})
   */
  encodingHeader?: string;
  /**
   * Largest value (bytes, a positive integer) a subscriber decompresses.
   * Decompression stops once the output passes it, so a small value that
   * would inflate to gigabytes (a "zip bomb") costs at most this much memory;
   * such a value is delivered as stored, with its encoding header left in
   * place, exactly as a value that cannot be decompressed. Small zlib values
   * inflate synchronously; larger ones, and lzma, off the main thread.
   * @defaultValue 64 MiB ({@link DEFAULT_MAX_DECOMPRESSED_BYTES})
   */
  maxDecompressedBytes?: number;
  /**
   * gRPC send/receive limit (bytes); a larger request fails alone with
   * `MESSAGE_TOO_LARGE`, before it is sent.
   * @defaultValue 4 MiB ({@link DEFAULT_MAX_MESSAGE_BYTES})
   */
  maxMessageBytes?: number;
  /**
   * TLS: the CA that signed the server certificates (default: the system's),
   * and for mutual TLS a client certificate and key; PEM contents, not paths.
   * Excludes `credentials`.
   * @defaultValue none: plaintext
   */
  tls?: TlsOptions;
  /**
   * Ready gRPC channel credentials (anything grpc-js accepts). Excludes
   * `tls`, and makes `transport` `'grpc-js'`.
   * @defaultValue insecure, or made from `tls`
   */
  credentials?: ChannelCredentials;
  /**
   * How the streaming calls (the publish stream and subscriptions) travel:
   * `'http2'` speaks gRPC over node:http2 directly, far cheaper per
   * message than grpc-js; `'grpc-js'` uses grpc-js like every other call.
   * With `credentials`, always `'grpc-js'`.
   * @defaultValue `'http2'`
   */
  transport?: Transport;
  /**
   * Where the client reports connects and reconnects (info, warn), leader
   * moves (info), retries and dropped duplicate offsets (debug): `console`,
   * a pino logger, Nest's `Logger`, or anything with those methods.
   * @defaultValue none: silent
   */
  logger?: Logger;
}

/** Options with every default filled in. */
export interface ResolvedClientOptions {
  brokers: string[];
  ackTimeout: number;
  requestTimeout: number;
  retryTimeout: number;
  drainTimeout: number;
  connectTimeout: number;
  metadataRefreshInterval: number;
  signal: AbortSignal | undefined;
  partitioner: Partitioner | undefined;
  brokerSelection: BrokerSelection;
  compression: CompressionMethod | undefined;
  compressionThreshold: number;
  encodingHeader: string;
  maxDecompressedBytes: number;
  maxMessageBytes: number;
  credentials: ChannelCredentials;
  /** How streaming calls travel; see ClientOptions.transport. */
  transport: Transport;
  /** TLS for the HTTP/2 transport (PEMs); undefined: plaintext. */
  http2Tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
  logger: Logger | undefined;
}

/**
 * How streaming calls travel: see {@link ClientOptions.transport}.
 *
 * @example
 * ```ts
 * const transport: Transport = 'grpc-js';
 * const client = new LiftbridgeClient(BROKERS, { transport });
 * ```
 */
export type Transport = 'http2' | 'grpc-js';

function transport(options: ClientOptions): Transport {
  const chosen = options.transport;
  if (chosen !== undefined && chosen !== 'http2' && chosen !== 'grpc-js')
    throw invalidArgument('options.transport', "expected 'http2' or 'grpc-js'");
  // Ready-made credentials cannot be taken apart for node:http2: grpc-js carries them.
  if (options.credentials !== undefined) return 'grpc-js';
  return chosen ?? 'http2';
}

function http2Tls(options: ClientOptions): ResolvedClientOptions['http2Tls'] {
  const { tls } = options;
  if (tls === undefined || tls === null || typeof tls !== 'object') return undefined;
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  const ca = pem(tls.ca, 'ca');
  const cert = pem(tls.cert, 'cert');
  const key = pem(tls.key, 'key');
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}

function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw invalidArgument(
      `options.${name}`,
      `expected a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    );
  }
  return value;
}

function byteCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument(`options.${name}`, `expected a positive integer, got ${String(value)}`);
  }
  return value;
}

function checkSelection(value: unknown): BrokerSelection {
  if (value === undefined) return 'sticky';
  if (SELECTIONS.includes(value as BrokerSelection)) return value as BrokerSelection;
  throw invalidArgument(
    'options.brokerSelection',
    `expected one of ${SELECTIONS.join(', ')}, got ${String(value)}`,
  );
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw invalidArgument('options.signal', 'expected an AbortSignal');
}

/** Validates seeds and options; throws a typed invalid-argument error naming the culprit. */
export function resolveOptions(
  brokers: unknown,
  options: ClientOptions = {},
): ResolvedClientOptions {
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw invalidArgument('brokers', 'expected a non-empty array of "host:port" strings');
  }
  const seeds = brokers.map((seed, i) => {
    const parsed = parseBroker(seed, `brokers[${i}]`);
    return `${parsed.host}:${parsed.port}`;
  });
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options', 'expected an object');
  }
  const compression = options.compression;
  if (compression !== undefined && !COMPRESSION_METHODS.includes(compression)) {
    throw invalidArgument(
      'options.compression',
      `expected one of ${COMPRESSION_METHODS.join(', ')}, got ${String(compression)}`,
    );
  }
  const encodingHeader = options.encodingHeader ?? DEFAULT_ENCODING_HEADER;
  if (typeof encodingHeader !== 'string' || encodingHeader === '') {
    throw invalidArgument('options.encodingHeader', 'expected a non-empty string');
  }
  return {
    brokers: seeds,
    ackTimeout: positive('ackTimeout', options.ackTimeout, DEFAULT_ACK_TIMEOUT_MS),
    requestTimeout: positive('requestTimeout', options.requestTimeout, DEFAULT_REQUEST_TIMEOUT_MS),
    retryTimeout: positive('retryTimeout', options.retryTimeout, DEFAULT_RETRY_TIMEOUT_MS, true),
    drainTimeout: positive('drainTimeout', options.drainTimeout, DEFAULT_DRAIN_TIMEOUT_MS),
    connectTimeout: positive('connectTimeout', options.connectTimeout, DEFAULT_CONNECT_TIMEOUT_MS),
    metadataRefreshInterval: positive(
      'metadataRefreshInterval',
      options.metadataRefreshInterval,
      DEFAULT_METADATA_REFRESH_MS,
      true,
    ),
    signal: checkSignal(options.signal),
    partitioner: checkPartitioner(options.partitioner, 'options.partitioner'),
    brokerSelection: checkSelection(options.brokerSelection),
    compression,
    compressionThreshold: positive('compressionThreshold', options.compressionThreshold, 0, true),
    encodingHeader,
    maxDecompressedBytes: byteCount(
      'maxDecompressedBytes',
      options.maxDecompressedBytes,
      DEFAULT_MAX_DECOMPRESSED_BYTES,
    ),
    maxMessageBytes: positive(
      'maxMessageBytes',
      options.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
    ),
    credentials: channelCredentials(options),
    transport: transport(options),
    http2Tls: http2Tls(options),
    logger: checkLogger(options.logger),
  };
}
