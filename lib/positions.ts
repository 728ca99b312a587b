/** Where a subscription starts and stops. */

/**
 * Where a subscription starts (the {@link SubscribeOptions.startPosition}
 * option); `NEW_ONLY` by default.
 *
 * @example
 * ```ts
 * client.subscribe('orders', { startPosition: StartPosition.TIMESTAMP, startTimestamp: 1_700_000_000_000_000_000n });
 * ```
 * @enum
 */
export const StartPosition = {
  /** Only messages published after the subscription starts (default). */
  NEW_ONLY: 'NEW_ONLY',
  /** The oldest message still stored. */
  EARLIEST: 'EARLIEST',
  /** The newest message, then new ones. */
  LATEST: 'LATEST',
  /** `startOffset`. */
  OFFSET: 'OFFSET',
  /** The first message at or after `startTimestamp` (nanoseconds). */
  TIMESTAMP: 'TIMESTAMP',
  /** One past the offset stored in cursor `cursorId`; EARLIEST when there is no cursor. */
  RESUME: 'RESUME',
} as const;
/** One of {@link StartPosition}, such as `'EARLIEST'`. */
export type StartPosition = (typeof StartPosition)[keyof typeof StartPosition];

/**
 * Where a subscription stops (the {@link SubscribeOptions.stopPosition}
 * option); reaching it completes the Observable. `ON_CANCEL` by default.
 *
 * @example
 * ```ts
 * // Everything stored now, then complete.
 * const all = await lastValueFrom(
 *   client
 *     .subscribe('orders', { startPosition: StartPosition.EARLIEST, stopPosition: StopPosition.LATEST })
 *     .pipe(toArray()),
 * );
 * ```
 * @enum
 */
export const StopPosition = {
  /** Never: runs until unsubscribed (default). */
  ON_CANCEL: 'ON_CANCEL',
  /** After the message at `stopOffset`. */
  OFFSET: 'OFFSET',
  /** After the newest message at the time of subscribing ("caught up"). */
  LATEST: 'LATEST',
  /** After the last message at or before `stopTimestamp` (nanoseconds). */
  TIMESTAMP: 'TIMESTAMP',
} as const;
/** One of {@link StopPosition}, such as `'LATEST'`. */
export type StopPosition = (typeof StopPosition)[keyof typeof StopPosition];

export const START_WIRE = { NEW_ONLY: 0, OFFSET: 1, EARLIEST: 2, LATEST: 3, TIMESTAMP: 4 } as const;
export const STOP_WIRE = { ON_CANCEL: 0, OFFSET: 1, LATEST: 2, TIMESTAMP: 3 } as const;
