/**
 * protobufjs codecs for every message of the API, built once from the
 * generated descriptor. Encoding takes plain objects; decoding yields
 * protobufjs message objects whose int64 fields are `Long` (converted to
 * bigint by the mappers, never to a lossy number).
 */
import type Long from 'long';
import type { Root } from 'protobufjs';
import { apiDescriptor } from './api-descriptor.generated.js';
import type { Int64Like } from './api-types.generated.js';
import { longJs, protobufJs } from './load.js';

/** The API's protobufjs root, built on first use (see load.ts). */
let root: Root | undefined;

export interface Codec<In, Out> {
  serialize(value: In): Buffer;
  deserialize(bytes: Buffer): Out;
}

const cache = new Map<string, Codec<unknown, unknown>>();

/** The codec of `proto.<typeName>`. */
export function codec<In, Out>(typeName: string): Codec<In, Out> {
  let found = cache.get(typeName);
  if (!found) {
    root ??= protobufJs().Root.fromJSON(apiDescriptor);
    const type = root.lookupType(`proto.${typeName}`);
    found = {
      serialize: (value) => {
        const bytes = type.encode(value as object).finish();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
      deserialize: (bytes) => type.decode(bytes),
    };
    cache.set(typeName, found);
  }
  return found as Codec<In, Out>;
}

/** bigint -> what an int64 field encodes, without going through a lossy number. */
export function toInt64(value: bigint): Int64Like {
  return longJs().fromString(value.toString());
}

/** A decoded int64 (Long, or a number for small defaults) -> bigint. */
export function fromInt64(value: Long | number | string): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  const big = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? big : BigInt.asIntN(64, big);
}
