/**
 * Client options, their defaults, and the one function that validates and
 * fills them. Internal code reads only {@link ResolvedClientOptions}.
 */
import type { ChannelCredentials } from '@grpc/grpc-js';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { COMPRESSION_METHODS, type CompressionMethod } from './compression.js';
import { invalidArgument } from './errors.js';
import { checkPartitioner, type Partitioner } from './partitioners.js';
import { parseBroker } from './validate.js';

/** Default ack wait of publish and publishBulk, in milliseconds. */
export const DEFAULT_ACK_TIMEOUT_MS = 5_000;
/** Default deadline of admin and metadata calls, in milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Default time leader-bound calls keep retrying on leader changes, in milliseconds. */
export const DEFAULT_RETRY_TIMEOUT_MS = 30_000;
/** Default time to reach a first broker before calls fail with UNAVAILABLE, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default period of the background metadata refresh, in milliseconds (0: off). */
export const DEFAULT_METADATA_REFRESH_MS = 30_000;
/** Default in-flight (unacked) window of publishBulk. */
export const DEFAULT_BULK_CONCURRENCY = 256;
/** Default header naming the compression method (the one Gufo Liftbridge uses). */
export const DEFAULT_ENCODING_HEADER = 'X-Msg-Encoding';
/** Default gRPC message size limit, both directions, in bytes (gRPC's own default). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * How any-broker calls (admin, metadata, the publish stream) pick a broker:
 * - `'sticky'` (default): the last one that answered, then the others in turn;
 * - `'random'`: a random one each call;
 * - `'lowestLatency'`: the one with the lowest measured round-trip time;
 * - `'lowestWorkload'`: the one with the fewest partitions + leaders in metadata.
 * Brokers known to be down are tried last under every policy.
 */
export type BrokerSelection = 'sticky' | 'random' | 'lowestLatency' | 'lowestWorkload';

const SELECTIONS: readonly BrokerSelection[] = [
  'sticky',
  'random',
  'lowestLatency',
  'lowestWorkload',
];

/** PEM contents for TLS; see {@link ClientOptions.tls}. */
export interface TlsOptions {
  ca?: string | Uint8Array;
  cert?: string | Uint8Array;
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
  if (tls === undefined) return grpcCredentials.createInsecure();
  if (tls === null || typeof tls !== 'object')
    throw invalidArgument('options.tls', 'expected { ca?, cert?, key? }');
  const cert = pem(tls.cert, 'cert');
  const key = pem(tls.key, 'key');
  if ((cert === null) !== (key === null))
    throw invalidArgument(
      'options.tls',
      'a client certificate needs its key, and the other way round',
    );
  return grpcCredentials.createSsl(pem(tls.ca, 'ca'), key, cert);
}

/** Options of {@link LiftbridgeClient}. Every field is optional. */
export interface ClientOptions {
  /** Ack wait of publish and publishBulk (ms). Default {@link DEFAULT_ACK_TIMEOUT_MS}. */
  ackTimeout?: number;
  /** Deadline of admin, metadata and cursor calls (ms). Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  requestTimeout?: number;
  /** How long calls retry through leader changes and unreachable brokers (ms). Default {@link DEFAULT_RETRY_TIMEOUT_MS}. */
  retryTimeout?: number;
  /**
   * How long calls try the seed brokers before any broker has ever answered
   * (ms); then they fail with UNAVAILABLE naming the seeds. Default
   * {@link DEFAULT_CONNECT_TIMEOUT_MS}.
   */
  connectTimeout?: number;
  /**
   * Period of the background metadata refresh (ms; 0 turns it off). It lets
   * subscriptions notice a leader that moved away from a frozen broker. The
   * timer never keeps the process alive. Default {@link DEFAULT_METADATA_REFRESH_MS}.
   */
  metadataRefreshInterval?: number;
  /** Aborting it closes the client (as close() does). */
  signal?: AbortSignal;
  /** Broker choice of any-broker calls (see {@link BrokerSelection}). Default 'sticky'. */
  brokerSelection?: BrokerSelection;
  /** Partitioner of publishes that name no partition (see {@link Partitioner}). Default: partition 0. */
  partitioner?: Partitioner;
  /** Compression applied to requests that opt in (`compress: true`). Default: none. */
  compression?: CompressionMethod;
  /** Values shorter than this many bytes are sent uncompressed. Default 0. */
  compressionThreshold?: number;
  /** Header that names the compression method. Default {@link DEFAULT_ENCODING_HEADER}. */
  encodingHeader?: string;
  /** gRPC send/receive limit (bytes). Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  maxMessageBytes?: number;
  /**
   * TLS: the CA that signed the server certificates (default: the system's),
   * and for mutual TLS a client certificate and key; PEM contents, not paths.
   * Excludes `credentials`.
   */
  tls?: TlsOptions;
  /** Ready gRPC channel credentials (anything grpc-js accepts). Default: insecure, or from `tls`. */
  credentials?: ChannelCredentials;
  /**
   * How the streaming calls (the publish stream and subscriptions) travel:
   * 'http2' (default) speaks gRPC over node:http2 directly, far cheaper per
   * message than grpc-js; 'grpc-js' uses grpc-js like every other call.
   * With `credentials`, always 'grpc-js'.
   */
  transport?: Transport;
}

/** Options with every default filled in. */
export interface ResolvedClientOptions {
  brokers: string[];
  ackTimeout: number;
  requestTimeout: number;
  retryTimeout: number;
  connectTimeout: number;
  metadataRefreshInterval: number;
  signal: AbortSignal | undefined;
  partitioner: Partitioner | undefined;
  brokerSelection: BrokerSelection;
  compression: CompressionMethod | undefined;
  compressionThreshold: number;
  encodingHeader: string;
  maxMessageBytes: number;
  credentials: ChannelCredentials;
  /** How streaming calls travel; see ClientOptions.transport. */
  transport: Transport;
  /** TLS for the HTTP/2 transport (PEMs); undefined: plaintext. */
  http2Tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
}

/** How streaming calls travel: see {@link ClientOptions.transport}. */
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
    maxMessageBytes: positive(
      'maxMessageBytes',
      options.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
    ),
    credentials: channelCredentials(options),
    transport: transport(options),
    http2Tls: http2Tls(options),
  };
}
