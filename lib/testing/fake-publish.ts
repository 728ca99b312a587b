/**
 * The fake client's publishing: every publish becomes a pending
 * {@link TestPublish} until the test (or a `whenPublish` rule, or the ack
 * timeout on the RxJS clock) answers it; an acked one is stored in memory.
 */
import { Observable, timer } from 'rxjs';
import {
  type Ack,
  ErrorCode,
  LiftbridgeError,
  type Message,
  Partitioning,
  type PublishRequest,
} from '../index.js';
import type { FakeStore } from './fake-store.js';
import { type MessageInit, nowNanos } from './partition-log.js';
import { type PublishMatcher, type PublishRule, TestPublish } from './test-publish.js';

/** The publishes of one fake client, and its standing answers. */
export class FakePublishes {
  /** Every publish made, in order, with its state. */
  readonly all: TestPublish[] = [];
  private readonly rules: PublishRule[] = [];
  private readonly partitioning = new Partitioning();
  private ids = 0;

  constructor(private readonly store: FakeStore) {}

  /** Adds a standing answer (see whenPublish). */
  addRule(rule: PublishRule): void {
    this.rules.push(rule);
  }

  /** Publishes still waiting for an answer (that match). */
  pending(matcher?: PublishMatcher): TestPublish[] {
    return this.all.filter((p) => p.state === 'pending' && p.matches(matcher));
  }

  describePending(): string {
    const pending = this.pending();
    return pending.length === 0
      ? 'no publish is pending'
      : `pending:\n${pending.map((p) => `  ${p.describe()}`).join('\n')}`;
  }

  /**
   * A publish of `request` (to a stream, or to `subject` when given): pending
   * until answered, failed with ACK_TIMEOUT after `wait` ms.
   */
  publish(request: PublishRequest, subject: string | undefined, wait: number): Observable<Ack> {
    return new Observable<Ack>((subscriber) => {
      let partition = request.partition;
      if (subject === undefined) {
        try {
          if (request.partitioner)
            partition = this.partitioning.choose(
              request.partitioner,
              request.stream,
              request.key,
              request.value,
              this.store.metadata.value,
            );
          const log = this.store.log(request.stream, partition);
          if (log.readonly)
            throw new LiftbridgeError(
              ErrorCode.Readonly,
              `${request.stream}/${partition} is readonly`,
            );
        } catch (err: unknown) {
          subscriber.error(err);
          return;
        }
      }
      const publish = new TestPublish(request, partition, subject, {
        ack: (p, fields) => {
          const ack = { ...this.save(p), ...fields };
          subscriber.next(ack);
          subscriber.complete();
          return ack;
        },
        fail: (_p, err) => subscriber.error(err),
      });
      this.all.push(publish);
      if (request.ackPolicy === 'NONE') {
        publish.state = 'acked';
        this.save(publish);
        subscriber.complete();
        return;
      }
      const timers = timer(wait).subscribe(() =>
        publish.fail(
          ErrorCode.AckTimeout,
          `no ack within ${wait} ms (fake client: nobody answered the ${publish.describe()})`,
        ),
      );
      const rule = this.rules.find((r) => r.remaining > 0 && publish.matches(r.matcher));
      if (rule) {
        rule.remaining -= 1;
        publish.expected = true;
        const answer = () => {
          if (publish.state !== 'pending') return;
          if (rule.answer.type === 'ack') publish.ack();
          else publish.fail(rule.answer.code);
        };
        if (rule.delay === 0) answer();
        else timers.add(timer(rule.delay).subscribe(answer));
      }
      return () => {
        timers.unsubscribe();
        if (publish.state === 'pending') publish.state = 'cancelled';
      };
    });
  }

  /** Stores an answered publish; returns its Ack. */
  private save(publish: TestPublish): Ack {
    const { request } = publish;
    const targets =
      publish.subject === undefined
        ? [this.store.log(request.stream, publish.partition)]
        : this.store.allLogs().filter((l) => l.partition === 0 && l.subject === publish.subject);
    const first = targets[0];
    if (!first)
      throw new Error(`cannot store the ${publish.describe()}: no stream consumes that subject`);
    this.ids += 1;
    const correlationId = request.correlationId ?? `fake-${this.ids}`;
    const init: MessageInit = {
      value: request.value,
      key: request.key,
      headers: Object.fromEntries(request.headers),
      correlationId,
    };
    const stored = targets.map((log) => log.append(init, request.ackPolicy));
    const message = stored[0] as Message;
    return {
      stream: first.stream,
      partition: first.partition,
      offset: message.offset,
      correlationId,
      partitionSubject: first.subject,
      msgSubject: first.subject,
      ackInbox: '',
      ackPolicy: request.ackPolicy,
      receptionTimestamp: message.timestamp,
      commitTimestamp: nowNanos(),
    };
  }
}

/** A matcher, described for an assertion message. */
export function describeMatcher(matcher: PublishMatcher | undefined): string {
  if (matcher === undefined) return '';
  if (typeof matcher === 'function') return ' matching the predicate';
  const fields = Object.entries(matcher).map(
    ([k, v]) =>
      `${k}=${typeof v === 'string' || typeof v === 'number' ? JSON.stringify(v) : '<bytes>'}`,
  );
  return ` with ${fields.join(', ')}`;
}
