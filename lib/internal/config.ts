/**
 * What the core (cluster, publisher, group member) reads of the client's
 * configuration: every field resolved, defaults filled in. The facade's
 * resolved options object fits it as it is (same names and types), so the
 * core never imports options.ts or client.ts.
 */
import type { CompressionMethod } from '../compression.js';
import type { Logger } from '../logger.js';
import type { BrokerSelection } from './broker-selection.js';
import type { ConnectionSettings } from './grpc/connection.js';

export interface ClientConfig {
  /** Seed brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** Deadline of each unary call and of a connection attempt (ms). */
  readonly requestTimeout: number;
  /** How long calls retry once a broker has answered (ms; 0: no retries). */
  readonly retryTimeout: number;
  /** How long calls retry before any broker has answered (ms). */
  readonly connectTimeout: number;
  /** Period of the background metadata refresh (ms; 0: none). */
  readonly metadataRefreshInterval: number;
  readonly brokerSelection: BrokerSelection;
  /** Compression of values whose request opts in; undefined: none. */
  readonly compression: CompressionMethod | undefined;
  /** Values shorter than this (bytes) are sent uncompressed. */
  readonly compressionThreshold: number;
  /** Header naming a compressed value's method. */
  readonly encodingHeader: string;
  /** gRPC send limit (bytes); the receive limit is derived from it. */
  readonly maxMessageBytes: number;
  readonly credentials: ConnectionSettings['credentials'];
  /** How streaming calls travel. */
  readonly transport: ConnectionSettings['transport'];
  /** TLS for the HTTP/2 transport (PEMs); undefined: plaintext. */
  readonly http2Tls: ConnectionSettings['http2Tls'];
  /** Where connects, reconnects, leader moves and retries are reported; undefined: silent. */
  readonly logger?: Logger | undefined;
}
