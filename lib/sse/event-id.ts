/**
 * SSE event ids: where a reader stands in every partition it reads, so a
 * reconnect (the browser's `Last-Event-ID`) restarts each partition right
 * after its own last message, even when partitions interleave.
 */
import { ErrorCode, LiftbridgeError } from '../index.js';

/**
 * The last offset delivered per partition (`-1n`: none yet, start at 0).
 *
 * @example
 * ```ts
 * const position: SsePosition = new Map([[0, 41n], [2, 7n]]); // id "0:41,2:7"
 * ```
 */
export type SsePosition = ReadonlyMap<number, bigint>;

/** Most partitions an event id may name (ids longer than that are refused). */
export const MAX_EVENT_ID_PARTITIONS = 1024;

const MAX_PARTITION = 2 ** 31 - 1;
// A reader resumes at offset + 1, which must still be an int64.
const MAX_OFFSET = 2n ** 63n - 2n;
const ENTRY = /^(\d{1,10}):(-1|\d{1,19})$/;
// "2147483647:9223372036854775807," per partition at most.
const MAX_ID_LENGTH = MAX_EVENT_ID_PARTITIONS * 31;

/**
 * The event id of a position: `partition:offset` pairs by partition,
 * comma-separated (`"0:41"` for one partition, `"0:41,1:-1,2:7"` for three).
 *
 * @param position - last offset per partition.
 * @returns the id, empty for an empty position.
 * @example
 * ```ts
 * formatEventId(new Map([[2, 7n], [0, 41n]])); // "0:41,2:7"
 * ```
 */
export function formatEventId(position: SsePosition): string {
  return [...position]
    .sort(([a], [b]) => a - b)
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(',');
}

/**
 * Reads an event id made by {@link formatEventId} (a `Last-Event-ID`).
 * Partitions from 0 to 2^31-1, offsets from -1 to 2^63-1, each partition
 * once, at most {@link MAX_EVENT_ID_PARTITIONS}; an empty id is an empty
 * position.
 *
 * @param id - the id as the client sent it.
 * @returns last offset per partition.
 * @throws `LiftbridgeError` `INVALID_ARGUMENT` naming what is wrong.
 * @example
 * ```ts
 * parseEventId('0:41,2:7').get(2); // 7n
 * parseEventId('0:x'); // throws INVALID_ARGUMENT: Last-Event-ID: "0:x" is not partition:offset
 * ```
 */
export function parseEventId(id: string): Map<number, bigint> {
  const position = new Map<number, bigint>();
  if (typeof id !== 'string') throw invalid('expected a string');
  const text = id.trim();
  if (text === '') return position;
  if (text.length > MAX_ID_LENGTH) throw invalid(`longer than ${MAX_ID_LENGTH} characters`);
  for (const entry of text.split(',')) {
    const m = ENTRY.exec(entry.trim());
    if (!m) throw invalid(`"${entry.slice(0, 40)}" is not partition:offset`);
    const partition = Number(m[1]);
    const offset = BigInt(m[2] ?? '');
    if (partition > MAX_PARTITION) throw invalid(`partition ${m[1]} is past ${MAX_PARTITION}`);
    if (offset > MAX_OFFSET) throw invalid(`offset ${m[2]} is past ${MAX_OFFSET}`);
    if (position.has(partition)) throw invalid(`partition ${partition} appears twice`);
    if (position.size === MAX_EVENT_ID_PARTITIONS) {
      throw invalid(`more than ${MAX_EVENT_ID_PARTITIONS} partitions`);
    }
    position.set(partition, offset);
  }
  return position;
}

function invalid(problem: string): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.InvalidArgument, `Last-Event-ID: ${problem}`);
}
