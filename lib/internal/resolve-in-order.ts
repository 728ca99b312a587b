/**
 * Emits values that may be Promises, resolved, in their original order.
 * Plain values pass straight through while nothing is pending, so the
 * common path costs no inner subscription per message (unlike concatMap).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { Fifo } from './fifo.js';

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

export function resolveInOrder<T>(): OperatorFunction<T | Promise<T>, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      // O(1) at both ends (Array#shift moves every element); each slot is
      // updated in place once its Promise resolves.
      const queue = new Fifo<{ value: T | Promise<T> }>();
      let waiting = false;
      let sourceDone = false;
      let sourceError: { err: unknown } | undefined;
      const drain = (): void => {
        while (queue.length > 0 && !subscriber.closed) {
          const slot = queue.peek();
          const head = slot.value;
          if (isPromise(head)) {
            if (waiting) return;
            waiting = true;
            head.then(
              (value) => {
                waiting = false;
                slot.value = value;
                drain();
              },
              (err: unknown) => subscriber.error(err),
            );
            return;
          }
          queue.shift();
          subscriber.next(head);
        }
        if (queue.length > 0) return;
        // A terminal notification waits for the values before it.
        if (sourceError) subscriber.error(sourceError.err);
        else if (sourceDone) subscriber.complete();
      };
      const inner = source.subscribe({
        next: (value) => {
          if (queue.length === 0 && !isPromise(value)) subscriber.next(value);
          else {
            queue.push({ value });
            drain();
          }
        },
        error: (err: unknown) => {
          sourceError = { err };
          drain();
        },
        complete: () => {
          sourceDone = true;
          drain();
        },
      });
      return () => inner.unsubscribe();
    });
}
