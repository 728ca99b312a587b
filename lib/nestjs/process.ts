/**
 * What happens to one unit (a message, or a batch of one partition's
 * messages) of a LiftbridgeServer handler: run the handler, then commit
 * (unless the handler commits itself); on failure, dead-letter then commit,
 * or stop the partition, or skip.
 */
import {
  catchError,
  concatWith,
  defer,
  EMPTY,
  ignoreElements,
  lastValueFrom,
  type Observable,
  throwError,
} from 'rxjs';
import { invalidArgument, type LiftbridgeClientApi, type Message } from '../index.js';
import type { LiftbridgeCommitFn } from './context.js';
import { deadLetter } from './dead-letter.js';
import type { Plan } from './plan.js';

/** Marks the error that stops a partition (already reported). */
export class Stopped extends Error {
  constructor(
    readonly stream: string,
    readonly partition: number,
    readonly offset: bigint,
  ) {
    super(`stopped reading ${stream}/${partition} at offset ${offset}`);
  }
}

/** Stores a handled message's offset (cursor or group checkpoint); errors as the call does. */
export type Store = (message: Message) => Observable<unknown>;

/** What processing needs from the server. */
export interface Processor {
  readonly client: LiftbridgeClientApi;
  /** Logs a failure and emits it as an 'error' event. */
  report(err: unknown, message: Message | undefined, what: string): void;
}

/** Runs the handler on a unit (replying to a request); resolves once its result completed. */
export type RunHandler = (unit: readonly Message[], commit: LiftbridgeCommitFn) => Promise<void>;

/** `orders/0 at offset 7`, or `orders/0 offsets 7-9` for a batch. */
function describe(unit: readonly Message[], last: Message): string {
  const first = unit[0] ?? last;
  const at = first === last ? `at offset ${last.offset}` : `offsets ${first.offset}-${last.offset}`;
  return `${last.stream}/${last.partition} ${at}`;
}

/** Handles a non-empty unit, then commits per the plan; what a failure does is the plan's too. */
export function processUnit(
  p: Processor,
  plan: Plan,
  unit: readonly Message[],
  store: Store | undefined,
  run: RunHandler,
): Observable<never> {
  const last = unit[unit.length - 1];
  if (last === undefined) return EMPTY;
  const where = describe(unit, last);
  const commit: LiftbridgeCommitFn = async () => {
    if (!store)
      throw invalidArgument('ctx.commit()', `${plan.label} has no cursorId or group to commit to`);
    await lastValueFrom(store(last), { defaultValue: undefined });
  };
  const commitQuietly = (): Observable<never> =>
    store
      ? store(last).pipe(
          ignoreElements(),
          catchError((err: unknown) => {
            p.report(err, last, `commit of ${where} failed`);
            return EMPTY;
          }),
        )
      : EMPTY;
  const giveUp = (): Observable<never> =>
    plan.onError === 'skip'
      ? EMPTY
      : throwError(() => new Stopped(last.stream, last.partition, last.offset));
  const failed = (err: unknown): Observable<never> => {
    const target = plan.deadLetter;
    if (target === undefined) {
      const stops = plan.onError === 'stop' ? '; this partition stops' : '';
      p.report(err, last, `handler of ${where} failed (not committed${stops})`);
      return giveUp();
    }
    p.report(err, last, `handler of ${where} failed (sent to dead-letter stream "${target}")`);
    return deadLetter(p.client, target, unit, err).pipe(
      concatWith(defer(commitQuietly)),
      catchError((dlqErr: unknown) => {
        p.report(dlqErr, last, `dead-lettering ${where} to "${target}" failed (not committed)`);
        return giveUp();
      }),
    );
  };
  return defer(() => run(unit, commit)).pipe(
    ignoreElements(),
    // Reached only when the handler succeeded; commitQuietly never errors.
    concatWith(defer(() => (plan.manual ? EMPTY : commitQuietly()))),
    catchError(failed),
  );
}
