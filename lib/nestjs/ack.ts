/**
 * The Ack the NestJS proxy's emit() emits: the core {@link Ack} with a
 * non-enumerable `toJSON` ({@link ackToJSON}), so an HTTP handler can
 * return it (Nest answers with JSON; a bigint would make that a 500).
 */
import { type Ack, type AckJSON, ackToJSON } from '../index.js';

/** An {@link Ack} that serializes: `JSON.stringify(ack)` gives its {@link AckJSON}. */
export type LiftbridgeAck = Ack & {
  /** The Ack as JSON can carry it (offset and timestamps as decimal strings). */
  toJSON(): AckJSON;
};

function toJSON(this: Ack): AckJSON {
  return ackToJSON(this);
}

/** A copy of `ack` with a non-enumerable `toJSON` (equality checks see the same fields). */
export function jsonSafeAck(ack: Ack): LiftbridgeAck {
  return Object.defineProperty({ ...ack }, 'toJSON', {
    value: toJSON,
    enumerable: false,
  }) as LiftbridgeAck;
}
