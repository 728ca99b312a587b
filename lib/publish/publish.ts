/**
 * Publishing to a stream: one request (publish, publishRequest) through
 * the client's shared publish stream, its partition chosen first when it
 * has a partitioner (after the stream's metadata is known).
 */
import { catchError, defer, finalize, Observable, throwError, type Unsubscribable } from 'rxjs';
import { refused } from '../diagnostics.js';
import { asLiftbridgeError } from '../errors.js';
import type { ClientCore } from '../internal/core.js';
import { failSink, type PublishSink } from '../internal/publish-sink.js';
import type { Ack } from '../message.js';
import type { ClusterMetadata } from '../metadata/metadata.js';
import {
  type PublishToSubjectOptions,
  planPublishRequest,
  type SinglePublishOptions,
} from '../plans/publish.js';
import { type PublishOptions, type PublishRequest, planPublish } from '../publish-request.js';

export type { SinglePublishOptions };

/**
 * The publishing of a client ({@link LiftbridgeClient} implements it).
 *
 * @example
 * ```ts
 * const publisher: PublishApi = client;
 * const ack = await lastValueFrom(publisher.publish('hello', { stream: 'orders' }));
 * ```
 */
export interface PublishApi {
  /**
   * Builds and validates a publish request without sending it, for
   * {@link publishBulk}, {@link publishBulkSettled}, {@link publishBulkFrom}
   * or {@link publishRequest}. The client's `partitioner` option applies when
   * the options name neither a partition nor a partitioner.
   *
   * @param value - the message value; a string is sent as UTF-8. Bytes are
   *   sent without a copy: do not change them until the publish settles.
   * @param options - see {@link PublishOptions}; `stream` is required.
   * @returns the request (read-only; it may be sent more than once, but not
   *   twice at the same time when it has a `correlationId`).
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input, at the call site.
   * @example
   * ```ts
   * const acks = await lastValueFrom(
   *   range(0, 100).pipe(
   *     map((i) => client.getPublishRequest(`msg ${i}`, { stream: 'orders', key: `k${i % 4}` })),
   *     publishBulk(client),
   *     toArray(),
   *   ),
   * );
   * ```
   */
  getPublishRequest(value: Uint8Array | string, options: PublishOptions): PublishRequest;

  /**
   * Publishes one message on the client's shared publish stream and emits
   * its {@link Ack} once the server acknowledges it. With AckPolicy `NONE`,
   * completes without an Ack once the message is written. The client never
   * re-sends a message (a re-send could store it twice).
   *
   * @param value - the message value; a string is sent as UTF-8. Bytes are
   *   sent without a copy: do not change them until the publish settles.
   * @param options - see {@link SinglePublishOptions}; `stream` is required.
   * @returns a cold Observable of one Ack (none with `NONE`). Errors with
   *   `ACK_TIMEOUT` when no ack comes within `ackTimeout`, and with a
   *   retriable `UNAVAILABLE` when the publish stream breaks first (in both
   *   cases the message may or may not be stored); with `NOT_FOUND` for an
   *   unknown stream or partition, `MESSAGE_TOO_LARGE`, `READONLY`,
   *   `INCORRECT_OFFSET` (a wrong `expectedOffset`), `ENCRYPTION_FAILED`,
   *   `PERMISSION_DENIED`, `INVALID_ARGUMENT` (a partitioner failed, or the
   *   `correlationId` is already in flight) or `CLIENT_CLOSED`.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input, at the call site.
   * @example
   * ```ts
   * const ack = await lastValueFrom(client.publish('hello', { stream: 'orders', partition: 0 }));
   * console.log(`acked: ${ack.stream}/${ack.partition} at offset ${ack.offset}`);
   * ```
   */
  publish(value: Uint8Array | string, options: SinglePublishOptions): Observable<Ack>;

  /**
   * Sends a request built by {@link getPublishRequest}; emits its Ack and
   * errors as {@link publish} does.
   *
   * @param request - a request from getPublishRequest.
   * @param ackTimeout - ack wait for this request (ms, above 0); default the
   *   client's {@link ClientOptions.ackTimeout}.
   * @returns a cold Observable of one Ack (none with AckPolicy `NONE`).
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` when `request` was not
   *   built by getPublishRequest or `ackTimeout` is bad, at the call site.
   * @example
   * ```ts
   * const request = client.getPublishRequest('hello', { stream: 'orders' });
   * const ack = await lastValueFrom(client.publishRequest(request, 2000));
   * ```
   */
  publishRequest(request: PublishRequest, ackTimeout?: number): Observable<Ack>;

  /**
   * Publishes to a NATS subject (the PublishToSubject RPC): every stream
   * consuming that subject stores the message. Emits the Ack of one of them
   * (its `partition` comes from the stream's subject: partition N > 0
   * consumes `<subject>.N`).
   *
   * @param subject - a NATS subject: no wildcards, whitespace or empty tokens.
   * @param value - the message value; a string is sent as UTF-8. Bytes are
   *   sent without a copy: do not change them until the publish settles.
   * @param options - see {@link PublishToSubjectOptions}.
   * @returns a cold Observable of one Ack (none with AckPolicy `NONE`).
   *   Errors with `ACK_TIMEOUT` when no ack comes within `ackTimeout`, as
   *   when no stream consumes the subject; never retried then, since the
   *   message may be stored.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input, at the call site.
   * @example
   * ```ts
   * const ack = await lastValueFrom(
   *   client.publishToSubject('alerts.disk', 'disk 91% full', { ackPolicy: AckPolicy.LEADER }),
   * );
   * console.log(`acked by ${ack.stream} at offset ${ack.offset}`);
   * ```
   */
  publishToSubject(
    subject: string,
    value: Uint8Array | string,
    options?: PublishToSubjectOptions,
  ): Observable<Ack>;

  /**
   * Publish requests written to the publish stream and not yet
   * acknowledged, a gauge for tests and monitoring.
   *
   * @example
   * ```ts
   * setInterval(() => console.log(`in flight: ${client.publishesInFlight}`), 1000).unref();
   * ```
   */
  readonly publishesInFlight: number;
}

export function getPublishRequest(
  core: ClientCore,
  value: Uint8Array | string,
  options: PublishOptions,
): PublishRequest {
  return planPublish(value, options, core.options.partitioner);
}

export function publish(
  core: ClientCore,
  value: Uint8Array | string,
  options: SinglePublishOptions,
): Observable<Ack> {
  return publishRequest(
    core,
    planPublish(value, options, core.options.partitioner),
    options?.ackTimeout,
  );
}

export function publishRequest(
  core: ClientCore,
  request: PublishRequest,
  ackTimeout?: number,
): Observable<Ack> {
  const { ackTimeout: wait } = planPublishRequest(request, ackTimeout, core.options.ackTimeout);
  return guardPublish(
    core,
    request,
    undefined,
    () =>
      new Observable<Ack>((subscriber) =>
        sendRouted(core, request, wait, {
          settled: (ack, err) => {
            if (err) subscriber.error(err);
            else {
              if (ack) subscriber.next(ack);
              subscriber.complete();
            }
          },
        }),
      ),
  );
}

/**
 * `core.guard` for one publish: refused there (the client is closed or
 * draining), it is reported as refused on the diagnostics channel.
 */
export function guardPublish(
  core: ClientCore,
  request: PublishRequest,
  subject: string | undefined,
  build: () => Observable<Ack>,
): Observable<Ack> {
  const operation = build();
  return defer(() => {
    let reached = false;
    return core
      .guard(() =>
        defer(() => {
          reached = true;
          return operation;
        }),
      )
      .pipe(
        catchError((err: unknown) => {
          if (!reached) refused(request, asLiftbridgeError(err), subject);
          return throwError(() => err);
        }),
      );
  });
}

/**
 * Sends a request, choosing its partition first when it has a
 * partitioner (waiting for the stream's metadata when the client has none
 * yet; requests that wait for the same stream keep their order).
 */
export function sendRouted(
  core: ClientCore,
  request: PublishRequest,
  ackTimeout: number,
  sink: PublishSink,
): Unsubscribable {
  const partitioner = request.partitioner;
  if (!partitioner) return core.publisher.send(request, ackTimeout, sink);
  let sent: Unsubscribable | undefined;
  const send = (md: ClusterMetadata) => {
    let placed: PublishRequest;
    try {
      const { stream, key, value } = request;
      const partition = core.partitioning.choose(partitioner, stream, key, value, md);
      placed = { ...request, partition, partitioner: undefined };
    } catch (err) {
      failSink(sink, err, request);
      return;
    }
    sent = core.publisher.send(placed, ackTimeout, sink);
  };
  const known = core.cluster.metadata;
  if (known?.streams.has(request.stream)) {
    send(known);
    return { unsubscribe: () => sent?.unsubscribe() };
  }
  const stream = request.stream;
  // Accepted, not yet with the publisher: a drain waits for it too.
  const leave = core.drain.enter();
  const waiting = core.cluster
    .lookup([stream], (md) => (md?.streams.has(stream) ? md : undefined))
    .pipe(finalize(leave))
    .subscribe({
      // Not there even after a refresh: the partitioner says NOT_FOUND.
      next: (md) => send(md ?? (core.cluster.metadata as ClusterMetadata)),
      error: (err: unknown) => failSink(sink, err, request),
    });
  return {
    unsubscribe: () => {
      waiting.unsubscribe();
      sent?.unsubscribe();
    },
  };
}

/**
 * The callback path publishBulk uses: sends now, reports through `sink`;
 * unsubscribing the result cancels the request.
 * @internal
 */
export function sendRequest(
  core: ClientCore,
  request: PublishRequest,
  ackTimeout: number | undefined,
  sink: PublishSink,
): Unsubscribable {
  return sendRouted(core, request, ackTimeout ?? core.options.ackTimeout, sink);
}
