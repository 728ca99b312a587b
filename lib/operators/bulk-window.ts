/**
 * The window under the bulk operators: at most `concurrency` requests in
 * flight (written, not yet settled), the rest waiting in arrival order, fed
 * by an Observable (which cannot be held back) or by an iterator (pulled
 * only while there is room).
 *
 * It has mergeMap(…, concurrency)'s semantics without its costs: one small
 * object per request (no Observable, closure or timer), an O(1) queue
 * (mergeMap's Array#shift made a fast source of 100K requests quadratic),
 * and the requests in flight on an intrusive list (a Set of objects hashes
 * each one). See bench/ for the figures.
 */
import { Observable, type Subscriber, type Unsubscribable } from 'rxjs';
import {
  asLiftbridgeError,
  closedError,
  invalidArgument,
  type LiftbridgeError,
} from '../errors.js';
import { Fifo } from '../internal/fifo.js';
import type { PublishSink } from '../internal/publish-sink.js';
import type { Ack } from '../message.js';
import { isPublishRequest, type PublishRequest } from '../publish-request.js';

/**
 * What publishBulk needs of a client: a {@link LiftbridgeClient}, or a test double.
 * Not exported: pass a LiftbridgeClient.
 */
export interface RequestSender {
  /** Sends now, reports through `sink`; unsubscribing the result cancels the request. */
  sendRequest(
    request: PublishRequest,
    ackTimeout: number | undefined,
    sink: PublishSink,
  ): Unsubscribable;
  /**
   * Emits when the client starts draining: the window stops taking
   * requests (its source is unsubscribed), fails those still waiting with
   * `CLIENT_CLOSED`, and ends once the requests in flight settle.
   */
  readonly draining?: Observable<unknown>;
}

/** The window's settings, checked by the operator. */
export interface WindowSettings {
  concurrency: number;
  ackTimeout: number | undefined;
  /** false: done once everything is written (acks still in flight are then forgotten). */
  wait: boolean;
}

/**
 * What a window emits: one outcome per request (publishBulkSettled), or
 * the Acks with the failures gathered for the end (publishBulk).
 */
export interface Report<T> {
  settled(
    subscriber: Subscriber<T>,
    request: PublishRequest,
    ack: Ack | undefined,
    err: LiftbridgeError | undefined,
  ): void;
  /** Everything is settled (or written, with wait: false). */
  done(subscriber: Subscriber<T>): void;
}

/** How a source feeds the window: pushes requests, and hears when there is room. */
export interface Feed {
  /** Called once; pushes requests with `offer`; returns its teardown. */
  attach(window: {
    offer(request: PublishRequest): void;
    end(): void;
    fail(err: unknown): void;
    /** True while fewer than `concurrency` requests are in flight or waiting. */
    hasRoom(): boolean;
    /** Registers the callback run whenever a request settles. */
    onRoom(callback: () => void): void;
  }): () => void;
}

interface Owner {
  written(): void;
  settled(sent: Sent, ack: Ack | undefined, err: LiftbridgeError | undefined): void;
}

/** One request of a window from sendRequest until settled: its sink, its cancel handle, its place on the list. */
class Sent implements PublishSink {
  handle: Unsubscribable | undefined = undefined;
  over = false;
  prev: Sent | undefined = undefined;
  next: Sent | undefined = undefined;

  constructor(
    readonly request: PublishRequest,
    private readonly owner: Owner,
  ) {}

  written(): void {
    this.owner.written();
  }

  settled(ack: Ack | undefined, err: LiftbridgeError | undefined): void {
    this.over = true;
    this.owner.settled(this, ack, err);
  }
}

/** The requests in flight, linked through their own prev/next. */
class SentList {
  private head: Sent | undefined = undefined;

  add(sent: Sent): void {
    sent.next = this.head;
    if (this.head) this.head.prev = sent;
    this.head = sent;
  }

  remove(sent: Sent): void {
    if (sent.prev) sent.prev.next = sent.next;
    else if (this.head === sent) this.head = sent.next;
    else return; // not on the list
    if (sent.next) sent.next.prev = sent.prev;
    sent.prev = undefined;
    sent.next = undefined;
  }

  /** Removes every request, cancelling each. */
  cancelAll(): void {
    let sent = this.head;
    this.head = undefined;
    while (sent) {
      const next = sent.next;
      sent.prev = undefined;
      sent.next = undefined;
      sent.handle?.unsubscribe();
      sent = next;
    }
  }
}

const notARequest = () =>
  invalidArgument('request', 'expected a request built by client.getPublishRequest()');

/** The window: a cold Observable of what `makeReport()` emits for the requests `feed` brings. */
export function windowed<T>(
  client: RequestSender,
  settings: WindowSettings,
  feed: Feed,
  makeReport: () => Report<T>,
): Observable<T> {
  const { concurrency, ackTimeout, wait } = settings;
  return new Observable<T>((subscriber) => {
    const report = makeReport();
    const waiting = new Fifo<PublishRequest>();
    const inFlight = new SentList();
    let active = 0;
    let received = 0;
    let written = 0;
    let sourceDone = false;
    let draining = false;
    let roomCallback: (() => void) | undefined;

    const maybeComplete = () => {
      if (!sourceDone || waiting.length > 0) return;
      // wait: false ends once everything is written; the teardown then
      // forgets the requests still awaiting acks.
      if (active === 0 || (!wait && written === received)) report.done(subscriber);
    };

    const owner: Owner = {
      written: () => {
        written += 1;
        if (!wait) maybeComplete();
      },
      settled: (sent, ack, err) => {
        active -= 1;
        inFlight.remove(sent);
        report.settled(subscriber, sent.request, ack, err);
        drain();
        roomCallback?.();
      },
    };

    const start = (request: PublishRequest) => {
      if (!isPublishRequest(request)) {
        written += 1;
        report.settled(subscriber, request, undefined, notARequest());
        return;
      }
      active += 1;
      const sent = new Sent(request, owner);
      let handle: Unsubscribable;
      try {
        handle = client.sendRequest(request, ackTimeout, sent);
      } catch (err: unknown) {
        if (!sent.over) sent.settled(undefined, asLiftbridgeError(err));
        return;
      }
      if (!sent.over) {
        sent.handle = handle;
        inFlight.add(sent);
      }
    };

    // Starts waiting requests while the window has room; re-entrant calls
    // (a request settled synchronously) leave the work to the outer loop.
    const drain = () => {
      if (draining) return;
      draining = true;
      try {
        while (active < concurrency && waiting.length > 0 && !subscriber.closed) {
          start(waiting.shift());
        }
      } finally {
        draining = false;
      }
      if (!subscriber.closed) maybeComplete();
    };

    const detach = feed.attach({
      offer: (request) => {
        received += 1;
        waiting.push(request);
        drain();
      },
      end: () => {
        sourceDone = true;
        drain();
      },
      fail: (err) => subscriber.error(err),
      hasRoom: () => !subscriber.closed && active + waiting.length < concurrency,
      onRoom: (callback) => {
        roomCallback = callback;
      },
    });
    // Draining: take nothing more; what waits was never sent and fails; what is in flight settles.
    const drained = client.draining?.subscribe(() => {
      detach();
      sourceDone = true;
      while (waiting.length > 0 && !subscriber.closed) {
        written += 1;
        report.settled(subscriber, waiting.shift(), undefined, closedError());
      }
      if (!subscriber.closed) maybeComplete();
    });
    return () => {
      drained?.unsubscribe();
      detach();
      waiting.clear();
      inFlight.cancelAll();
    };
  });
}

/** Feeds the window from an Observable (which cannot be held back). */
export function subscribing(requests: Observable<PublishRequest>): Feed {
  return {
    attach: (window) => {
      const source = requests.subscribe({
        next: (request) => window.offer(request),
        error: (err: unknown) => window.fail(err),
        complete: () => window.end(),
      });
      return () => source.unsubscribe();
    },
  };
}

/** Pulls from a (possibly async) iterator only while the window has room. */
export function pulling(requests: Iterable<PublishRequest> | AsyncIterable<PublishRequest>): Feed {
  return {
    attach: (window) => {
      let stopped = false;
      let busy = false;
      const asyncIt =
        Symbol.asyncIterator in requests
          ? (requests as AsyncIterable<PublishRequest>)[Symbol.asyncIterator]()
          : undefined;
      const syncIt = asyncIt
        ? undefined
        : (requests as Iterable<PublishRequest>)[Symbol.iterator]();
      const pump = () => {
        if (busy || stopped) return;
        busy = true;
        try {
          if (syncIt) {
            while (!stopped && window.hasRoom()) {
              const next = syncIt.next();
              if (next.done) {
                stopped = true;
                window.end();
              } else window.offer(next.value);
            }
            busy = false;
          } else if (asyncIt && window.hasRoom()) {
            asyncIt.next().then(
              (next) => {
                busy = false;
                if (stopped) return;
                if (next.done) {
                  stopped = true;
                  window.end();
                  return;
                }
                window.offer(next.value);
                pump();
              },
              (err: unknown) => {
                stopped = true;
                window.fail(err);
              },
            );
          } else busy = false;
        } catch (err: unknown) {
          busy = false;
          stopped = true;
          window.fail(err);
        }
      };
      window.onRoom(pump);
      pump();
      return () => {
        if (stopped) return;
        stopped = true;
        // Let the source release what it holds (files, cursors).
        if (syncIt?.return) syncIt.return();
        if (asyncIt?.return) void asyncIt.return().catch(() => undefined);
      };
    },
  };
}
