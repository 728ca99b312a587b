/** Where a subscription starts and stops. */

/** Where a subscription starts. */
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
/** One of {@link StartPosition}. */
export type StartPosition = (typeof StartPosition)[keyof typeof StartPosition];

/** Where a subscription stops; reaching it completes the Observable. */
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
/** One of {@link StopPosition}. */
export type StopPosition = (typeof StopPosition)[keyof typeof StopPosition];

export const START_WIRE = { NEW_ONLY: 0, OFFSET: 1, EARLIEST: 2, LATEST: 3, TIMESTAMP: 4 } as const;
export const STOP_WIRE = { ON_CANCEL: 0, OFFSET: 1, LATEST: 2, TIMESTAMP: 3 } as const;
