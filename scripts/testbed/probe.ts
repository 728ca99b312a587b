/**
 * Raw readiness probe: one FetchMetadata call over grpc-js with the
 * generated descriptor, independent of the client library under test.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { apiDescriptor } from '../../lib/internal/grpc/api-descriptor.generated.js';

const root = protobuf.Root.fromJSON(apiDescriptor);
const Request = root.lookupType('proto.FetchMetadataRequest');
const Response = root.lookupType('proto.FetchMetadataResponse');

export interface ProbedBroker {
  id: string;
  host: string;
  port: number;
}

/** FetchMetadata against one broker; rejects on any gRPC error or after `timeoutMs`. */
export function probeMetadata(
  address: string,
  timeoutMs = 2000,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): Promise<ProbedBroker[]> {
  const client = new grpc.Client(address, credentials);
  return new Promise<ProbedBroker[]>((resolve, reject) => {
    client.makeUnaryRequest(
      '/proto.API/FetchMetadata',
      (req: object) => Buffer.from(Request.encode(req).finish()),
      (buf: Buffer) => Response.toObject(Response.decode(buf), { defaults: true }),
      {},
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        if (err || !res) reject(err ?? new Error('empty response'));
        else resolve((res['brokers'] as ProbedBroker[]) ?? []);
      },
    );
  }).finally(() => client.close());
}

/** Polls until FetchMetadata succeeds (and lists `brokers` brokers), or throws after `timeoutMs`. */
export interface WaitOptions {
  timeoutMs?: number;
  brokers?: number;
  isAlive?: () => boolean;
  /** For a TLS server. */
  credentials?: grpc.ChannelCredentials;
}

export async function waitReady(
  address: string,
  { timeoutMs = 30_000, brokers = 1, isAlive = () => true, credentials }: WaitOptions = {},
): Promise<ProbedBroker[]> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`server at ${address} exited during start-up`);
    try {
      const found = await probeMetadata(address, 1000, credentials);
      if (found.length >= brokers) return found;
      last = new Error(`${found.length} of ${brokers} brokers visible`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${address} not ready after ${timeoutMs} ms: ${String(last)}`);
}
