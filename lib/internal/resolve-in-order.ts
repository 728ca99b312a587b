/**
 * Emits values that may be Promises, resolved, in their original order.
 * Plain values pass straight through while nothing is pending, so the
 * common path costs no inner subscription per message (unlike concatMap).
 */
import { Observable, type OperatorFunction } from 'rxjs';

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

export function resolveInOrder<T>(): OperatorFunction<T | Promise<T>, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const queue: Array<T | Promise<T>> = [];
      let waiting = false;
      let sourceDone = false;
      const drain = (): void => {
        while (queue.length > 0 && !subscriber.closed) {
          const head = queue[0] as T | Promise<T>;
          if (isPromise(head)) {
            if (waiting) return;
            waiting = true;
            head.then(
              (value) => {
                waiting = false;
                queue[0] = value;
                drain();
              },
              (err: unknown) => subscriber.error(err),
            );
            return;
          }
          queue.shift();
          subscriber.next(head);
        }
        if (sourceDone && queue.length === 0) subscriber.complete();
      };
      const inner = source.subscribe({
        next: (value) => {
          if (queue.length === 0 && !isPromise(value)) subscriber.next(value);
          else {
            queue.push(value);
            drain();
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          drain();
        },
      });
      return () => inner.unsubscribe();
    });
}
