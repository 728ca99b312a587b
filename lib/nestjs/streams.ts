/**
 * The stream a handler names, when it exists: at once, after creating it
 * (`createStreams`), or once someone else created it (looked up every
 * second, after one warning saying what the transport waits for).
 */
import type { LoggerService } from '@nestjs/common';
import {
  catchError,
  concatMap,
  concatWith,
  defer,
  EMPTY,
  exhaustMap,
  filter,
  ignoreElements,
  map,
  type Observable,
  of,
  take,
  tap,
  throwError,
  timer,
} from 'rxjs';
import {
  type CreateStreamOptions,
  ErrorCode,
  isLiftbridgeError,
  type LiftbridgeClientApi,
  type StreamInfo,
} from '../index.js';
import type { Plan } from './plan.js';

/** How often a missing stream is looked up again (ms). */
export const STREAM_WAIT_INTERVAL_MS = 1000;

/** The stream's metadata, or undefined when it does not exist (after creating it, when the plan says so). */
export function lookUpStream(
  client: LiftbridgeClientApi,
  plan: Plan,
): Observable<StreamInfo | undefined> {
  const look = defer(() => client.fetchMetadata([plan.stream])).pipe(
    map((metadata) => metadata.streams.get(plan.stream)),
  );
  const create = plan.create;
  if (create === undefined) return look;
  const ensure = (stream: string, options: CreateStreamOptions) =>
    client.createStream(stream, options).pipe(
      catchError((err: unknown) =>
        isLiftbridgeError(err, ErrorCode.StreamExists) ? EMPTY : throwError(() => err),
      ),
      ignoreElements(),
    );
  // The dead-letter stream too (one partition), so the first failure has somewhere to go.
  const deadLetters = plan.deadLetter === undefined ? EMPTY : ensure(plan.deadLetter, {});
  return look.pipe(
    concatMap((info) => (info ? of(info) : ensure(plan.stream, create).pipe(concatWith(look)))),
    concatWith(deadLetters),
  );
}

/**
 * Waits for a stream that does not exist yet: warns once, then looks it up
 * every {@link STREAM_WAIT_INTERVAL_MS} (retriable failures, a broker
 * restarting say, are tried again) and emits its metadata once it exists.
 */
export function awaitStream(
  client: LiftbridgeClientApi,
  plan: Plan,
  logger: LoggerService,
): Observable<StreamInfo> {
  return defer(() => {
    logger.warn(
      `no stream "${plan.stream}" for ${plan.label} yet: waiting for it (create it, or set createStreams: true to let the transport create it)`,
    );
    return timer(STREAM_WAIT_INTERVAL_MS, STREAM_WAIT_INTERVAL_MS);
  }).pipe(
    exhaustMap(() =>
      lookUpStream(client, plan).pipe(
        catchError((err: unknown) =>
          isLiftbridgeError(err) && err.retriable ? of(undefined) : throwError(() => err),
        ),
      ),
    ),
    filter((info): info is StreamInfo => info !== undefined),
    take(1),
    tap(() => logger.log(`stream "${plan.stream}" exists now: ${plan.label} reads it`)),
  );
}
