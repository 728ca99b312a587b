/**
 * Flow-controlled reading, planned: the checks and defaults of
 * `messages()` and `consume()` as plain values (the client and the testing
 * kit's fake both call them). The subscribe options they carry are checked
 * by {@link planSubscribe} where the subscription is made.
 */
import { invalidArgument } from '../errors.js';
import { checkInt } from '../validate.js';
import type { SubscribeOptions } from './subscribe.js';

/** Default {@link MessagesOptions.highWaterMark}: messages buffered before the stream is paused. */
export const DEFAULT_HIGH_WATER_MARK = 256;

/** Default {@link ConsumeOptions.prefetch}: messages received and not yet handled before the stream is paused. */
export const DEFAULT_PREFETCH = 256;

/** Default {@link ConsumeOptions.concurrency}: one handler at a time, in order. */
export const DEFAULT_CONCURRENCY = 1;

/** The largest water mark, prefetch or concurrency accepted. */
const MAX_BOUND = 1_000_000;

/**
 * Options of {@link LiftbridgeClient.messages}: subscribe's options, and
 * the water marks of the buffer between the stream and the `for await` loop.
 * When the loop falls `highWaterMark` messages behind, the gRPC stream is
 * paused (not read: HTTP/2 flow control stops the server once the
 * stream's 1 MiB receive window is full); when it is back to
 * `lowWaterMark` buffered messages, the stream is read again.
 *
 * @example
 * ```ts
 * const options: MessagesOptions = { startPosition: StartPosition.EARLIEST, highWaterMark: 100 };
 * for await (const msg of client.messages('orders', options)) console.log(msg.offset);
 * ```
 */
export interface MessagesOptions extends SubscribeOptions {
  /**
   * Buffered messages at which the stream is paused (at least 1).
   * @defaultValue 256 ({@link DEFAULT_HIGH_WATER_MARK})
   */
  highWaterMark?: number;
  /**
   * Buffered messages at which a paused stream is read again (0 to `highWaterMark - 1`).
   * @defaultValue a quarter of `highWaterMark` (64 by default)
   */
  lowWaterMark?: number;
}

/**
 * Options of {@link LiftbridgeClient.consume}: subscribe's options, the
 * prefetch bound and the handler concurrency. At most `prefetch` messages
 * are received and not yet handled (waiting, or in a running handler)
 * before the stream is paused (plus what one HTTP/2 window holds); it is
 * read again when half of them are handled.
 *
 * @example
 * ```ts
 * const options: ConsumeOptions = { partition: 'all', prefetch: 100, concurrency: 4 };
 * client.consume('orders', (msg) => handle(msg), options).subscribe();
 * ```
 */
export interface ConsumeOptions extends SubscribeOptions {
  /**
   * Messages received and not yet handled at which the stream is paused (at least 1).
   * @defaultValue 256 ({@link DEFAULT_PREFETCH})
   */
  prefetch?: number;
  /**
   * Handlers running at once (at least 1); with 1 they run in order, one after the other.
   * @defaultValue 1 ({@link DEFAULT_CONCURRENCY})
   */
  concurrency?: number;
}

/**
 * Where a flow-controlled reader pauses and resumes its stream: paused
 * at `high` outstanding messages, read again at `low`.
 *
 * @example
 * ```ts
 * const marks: WaterMarks = { high: 256, low: 64 };
 * ```
 */
export interface WaterMarks {
  /** Outstanding messages at which the stream is paused. */
  high: number;
  /** Outstanding messages at which a paused stream is read again. */
  low: number;
}

/**
 * `messages()` options, checked: the subscribe options and the water marks.
 *
 * @example
 * ```ts
 * const plan: MessagesPlan = planMessages({ highWaterMark: 100 });
 * console.log(plan.marks); // { high: 100, low: 25 }
 * ```
 */
export interface MessagesPlan {
  /** The options to subscribe with. */
  subscribe: SubscribeOptions;
  /** Where the stream pauses and resumes. */
  marks: WaterMarks;
}

/**
 * `consume()` options, checked: the subscribe options, the prefetch bound
 * (as water marks: high = prefetch, low = half of it) and the concurrency.
 *
 * @example
 * ```ts
 * const plan: ConsumePlan = planConsume(handle, { prefetch: 10, concurrency: 2 });
 * console.log(plan.marks, plan.concurrency); // { high: 10, low: 5 } 2
 * ```
 */
export interface ConsumePlan extends MessagesPlan {
  /** Handlers running at once. */
  concurrency: number;
}

function checkObject(options: unknown): void {
  if (options === null || typeof options !== 'object')
    throw invalidArgument('options', 'expected an object');
}

/**
 * Checks {@link MessagesOptions}' water marks and applies their defaults.
 *
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a mark that is not
 *   a positive integer, or a low mark not below the high one.
 * @example
 * ```ts
 * planMessages({ highWaterMark: 10, lowWaterMark: 10 }); // throws INVALID_ARGUMENT
 * ```
 */
export function planMessages(options: MessagesOptions = {}): MessagesPlan {
  checkObject(options);
  const { highWaterMark, lowWaterMark, ...subscribe } = options;
  const high = checkInt(highWaterMark ?? DEFAULT_HIGH_WATER_MARK, 'highWaterMark', 1, MAX_BOUND);
  const low =
    lowWaterMark === undefined
      ? Math.floor(high / 4)
      : checkInt(lowWaterMark, 'lowWaterMark', 0, high - 1);
  return { subscribe, marks: { high, low } };
}

/**
 * Checks a `consume()` handler and {@link ConsumeOptions}' prefetch and
 * concurrency, and applies their defaults.
 *
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for a handler that is
 *   not a function, or a prefetch or concurrency that is not a positive integer.
 * @example
 * ```ts
 * planConsume((msg) => save(msg), { prefetch: 0 }); // throws INVALID_ARGUMENT
 * ```
 */
export function planConsume(handler: unknown, options: ConsumeOptions = {}): ConsumePlan {
  if (typeof handler !== 'function') throw invalidArgument('handler', 'expected a function');
  checkObject(options);
  const { prefetch, concurrency, ...subscribe } = options;
  const high = checkInt(prefetch ?? DEFAULT_PREFETCH, 'prefetch', 1, MAX_BOUND);
  return {
    subscribe,
    marks: { high, low: Math.floor(high / 2) },
    concurrency: checkInt(concurrency ?? DEFAULT_CONCURRENCY, 'concurrency', 1, MAX_BOUND),
  };
}
