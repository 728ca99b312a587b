// An example pipeline of an application: the code under test in
// spec/testing/order-pipeline.spec.ts (marble tests against the testing
// kit's FakeLiftbridgeClient) and demos/pipeline.ts (the same code against
// a real server). It takes a LiftbridgeClientApi, so either client fits.

import {
  type Ack,
  isLiftbridgeError,
  type LiftbridgeClientApi,
  type Message,
  StartPosition,
  type StopPosition,
} from 'liftbridge-rx';
import {
  bufferTime,
  concatMap,
  defer,
  filter,
  map,
  type Observable,
  retry,
  throwError,
  timer,
} from 'rxjs';

/** Publishes each order in turn; retriable failures are retried after 100, 200, 400 ms. */
export function publishOrders(
  client: LiftbridgeClientApi,
  stream: string,
  orders: Observable<string>,
): Observable<Ack> {
  return orders.pipe(
    concatMap((order) =>
      defer(() => client.publish(order, { stream, key: order.split(':')[0] ?? '' })).pipe(
        retry({
          count: 3,
          delay: (err: unknown, attempt) =>
            isLiftbridgeError(err) && err.retriable
              ? timer(100 * 2 ** (attempt - 1))
              : throwError(() => err),
        }),
      ),
    ),
  );
}

/**
 * Handles every message after the cursor, in order, and commits the cursor
 * in batches: after 3 handled messages or 1 s, whichever comes first.
 * Emits each committed offset.
 */
export function handleOrders(
  client: LiftbridgeClientApi,
  stream: string,
  cursorId: string,
  handle: (message: Message) => Observable<unknown>,
  stopPosition?: StopPosition,
): Observable<bigint> {
  return client
    .subscribe(stream, {
      startPosition: StartPosition.RESUME,
      cursorId,
      ...(stopPosition ? { stopPosition } : {}),
    })
    .pipe(
      concatMap((message) => handle(message).pipe(map(() => message.offset))),
      bufferTime(1000, null, 3),
      filter((handled) => handled.length > 0),
      map((handled) => handled[handled.length - 1] as bigint),
      concatMap((offset) => client.setCursor(stream, 0, cursorId, offset).pipe(map(() => offset))),
    );
}
