/** gRPC channel credentials from PEM contents (the `tls` option): the only place that makes them. */
import type { ChannelCredentials } from '@grpc/grpc-js';
import { grpcJs } from './load.js';

export type { ChannelCredentials };

/** Plaintext, or TLS with a CA and (for mutual TLS) a client certificate and key. */
export function makeCredentials(
  tls: { ca: Buffer | null; cert: Buffer | null; key: Buffer | null } | undefined,
): ChannelCredentials {
  const { credentials } = grpcJs();
  if (tls === undefined) return credentials.createInsecure();
  return credentials.createSsl(tls.ca, tls.key, tls.cert);
}
