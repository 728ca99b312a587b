/**
 * Publishing to a NATS subject (the PublishToSubject RPC): every stream
 * consuming the subject stores the message; the Ack is one of theirs.
 */
import { randomUUID } from 'node:crypto';
import {
  catchError,
  defer,
  EMPTY,
  map,
  type Observable,
  of,
  switchMap,
  tap,
  throwError,
} from 'rxjs';
import { published, publishing } from '../diagnostics.js';
import { asLiftbridgeError, ErrorCode, isLiftbridgeError, LiftbridgeError } from '../errors.js';
import type { ClientCore } from '../internal/core.js';
import { type Ack__Decoded, fromInt64 } from '../internal/wire.js';
import { ACK_POLICY_WIRE, type Ack, toAck } from '../message.js';
import type { ClusterMetadata } from '../metadata/metadata.js';
import { type PublishToSubjectOptions, planPublishToSubject } from '../plans/publish.js';
import type { PublishRequest } from '../publish-request.js';
import { guardPublish } from './publish.js';

export type { PublishToSubjectOptions };

export function publishToSubject(
  core: ClientCore,
  subject: string,
  value: Uint8Array | string,
  options: PublishToSubjectOptions = {},
): Observable<Ack> {
  const {
    subject: target,
    message: planned,
    ackTimeout: wait,
  } = planPublishToSubject(subject, value, options, core.options.ackTimeout);
  // On the diagnostics channels the request names the subject as its stream.
  const req: PublishRequest = { ...planned, stream: target };
  return guardPublish(core, req, target, () =>
    defer(() => {
      const correlationId = req.correlationId ?? randomUUID();
      // Tracing tools may add headers (trace context) before it is encoded.
      const event = publishing(req, correlationId, target);
      return send(core, target, event?.request ?? req, correlationId, wait).pipe(
        tap({
          next: (ack) => event && published(event, ack, undefined),
          error: (err: unknown) => event && published(event, undefined, asLiftbridgeError(err)),
          complete: () => event && published(event, undefined, undefined),
          unsubscribe: () => event && published(event, undefined, undefined, true),
        }),
      );
    }),
  );
}

/** The PublishToSubject call and its Ack (none with AckPolicy NONE). */
function send(
  core: ClientCore,
  target: string,
  req: PublishRequest,
  correlationId: string,
  wait: number,
): Observable<Ack> {
  // A deadline here means no ack: it must not be retried (it may be stored).
  const noAck = (err: unknown) =>
    throwError(() =>
      isLiftbridgeError(err, ErrorCode.Timeout)
        ? new LiftbridgeError(
            ErrorCode.AckTimeout,
            `no ack within ${wait} ms for a message to subject ${target} (no stream consumes it, or none acked in time); it may or may not be stored`,
            { cause: err },
          )
        : err,
    );
  const call = core.cluster.anyBroker((conn) =>
    conn
      .unary(
        'PublishToSubject',
        {
          subject: target,
          key: req.key,
          value: req.value,
          headers: Object.fromEntries(req.headers),
          correlationId,
          ackPolicy: ACK_POLICY_WIRE[req.ackPolicy],
        },
        { timeoutMs: wait },
      )
      .pipe(catchError(noAck)),
  );
  return call.pipe(
    switchMap((res) => (res.ack ? subjectAck(core, res.ack, correlationId) : EMPTY)),
  );
}

/** An Ack of PublishToSubject; its partition comes from the stream's subject in metadata. */
export function subjectAck(
  core: ClientCore,
  raw: Ack__Decoded,
  correlationId: string,
): Observable<Ack> {
  const decoded = {
    ...raw,
    offset: fromInt64(raw.offset),
    receptionTimestamp: fromInt64(raw.receptionTimestamp),
    commitTimestamp: fromInt64(raw.commitTimestamp),
  };
  const partitionOf = (md: ClusterMetadata | undefined): number | undefined => {
    const base = md?.streams.get(raw.stream)?.subject;
    if (base === undefined) return undefined;
    if (raw.msgSubject === base) return 0;
    const suffix = raw.msgSubject.startsWith(`${base}.`)
      ? raw.msgSubject.slice(base.length + 1)
      : '';
    return /^\d+$/.test(suffix) ? Number(suffix) : 0;
  };
  const partition$ = core.cluster.lookup([raw.stream], partitionOf).pipe(
    map((partition) => partition ?? 0),
    catchError(() => of(0)),
  );
  return partition$.pipe(map((partition) => toAck(decoded, partition, correlationId)));
}
