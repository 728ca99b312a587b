/**
 * Publishes seen by the fake client, in the style of Angular's
 * HttpTestingController: each one waits for the test to `ack()` or
 * `fail()` it (or for a `whenPublish` rule, or its ack timeout).
 */
import { type Ack, type ErrorCode, LiftbridgeError, type PublishRequest } from '../index.js';

/** Which publishes a test means: fields to compare, or a predicate. */
export type PublishMatcher =
  | {
      /** Stream published to. */
      stream?: string;
      /** Partition the request was placed on. */
      partition?: number;
      /** NATS subject, for publishToSubject. */
      subject?: string;
      /** Key, compared as bytes (a string as UTF-8). */
      key?: Uint8Array | string;
      /** Value, compared as bytes (a string as UTF-8). */
      value?: Uint8Array | string;
    }
  | ((publish: TestPublish) => boolean);

/** Where a publish is: waiting for an answer, acked, failed, or given up by its subscriber. */
export type TestPublishState = 'pending' | 'acked' | 'failed' | 'cancelled';

/** How the fake settles one publish (set by the fake client). */
interface PublishSettler {
  ack(publish: TestPublish, fields: Partial<Ack>): Ack;
  fail(publish: TestPublish, error: LiftbridgeError): void;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const sameBytes = (a: Uint8Array, b: Uint8Array | string) => {
  const other = typeof b === 'string' ? encoder.encode(b) : b;
  return a.length === other.length && a.every((x, i) => x === other[i]);
};

/**
 * One publish made through the fake client. Answer it with {@link ack} or
 * {@link fail}; until then the publisher waits (up to its ack timeout, on
 * the RxJS clock, so virtual time under `TestScheduler`).
 *
 * @example
 * ```ts
 * const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
 * fake.publish('order 1', { stream: 'orders' }).subscribe((ack) => console.log(ack.offset));
 * const pub = fake.expectPublish({ stream: 'orders' });
 * console.log(pub.text); // 'order 1'
 * pub.ack(); // the publisher's Observable emits the Ack (offset 0n) and completes
 * ```
 */
export class TestPublish {
  /** Where this publish is. */
  state: TestPublishState = 'pending';
  /** True once a test looked it up with expectPublish or matchPublishes. */
  expected = false;

  /** @internal Made by the fake client only. */
  constructor(
    /** The request as the client built it. */
    readonly request: PublishRequest,
    /** The partition it was placed on (the partitioner already applied). */
    readonly partition: number,
    /** The NATS subject, for publishToSubject; undefined for stream publishes. */
    readonly subject: string | undefined,
    private readonly settler: PublishSettler,
  ) {}

  /** The value as UTF-8 text. */
  get text(): string {
    return decoder.decode(this.request.value);
  }

  /**
   * Stores the message (subscribers see it) and acknowledges it: the
   * publisher's Observable emits the Ack. `fields` override Ack fields.
   * @throws Error when the publish was already answered or cancelled.
   */
  ack(fields: Partial<Ack> = {}): Ack {
    this.mustBePending('ack');
    this.state = 'acked';
    return this.settler.ack(this, fields);
  }

  /**
   * Fails the publish with a LiftbridgeError of `code` (retriable as the
   * real client's error of that code would be).
   * @throws Error when the publish was already answered or cancelled.
   */
  fail(code: ErrorCode, message = `${code} (scripted by the test)`): void {
    this.mustBePending('fail');
    this.state = 'failed';
    this.settler.fail(this, new LiftbridgeError(code, message));
  }

  /** Whether this publish fits `matcher` (undefined: every publish). */
  matches(matcher: PublishMatcher | undefined): boolean {
    if (matcher === undefined) return true;
    if (typeof matcher === 'function') return matcher(this);
    return (
      (matcher.stream === undefined || matcher.stream === this.request.stream) &&
      (matcher.partition === undefined || matcher.partition === this.partition) &&
      (matcher.subject === undefined || matcher.subject === this.subject) &&
      (matcher.key === undefined || sameBytes(this.request.key, matcher.key)) &&
      (matcher.value === undefined || sameBytes(this.request.value, matcher.value))
    );
  }

  /** One line for failure messages. */
  describe(): string {
    const where =
      this.subject === undefined
        ? `${this.request.stream}/${this.partition}`
        : `subject ${this.subject}`;
    return `publish to ${where}: ${JSON.stringify(this.text.slice(0, 60))} (${this.state})`;
  }

  private mustBePending(what: string): void {
    if (this.state !== 'pending')
      throw new Error(`cannot ${what} the ${this.describe()}: it is ${this.state}`);
  }
}

/** How a whenPublish rule answers, and how often. */
export interface RuleOptions {
  /** Milliseconds (RxJS clock) before answering; default 0 (at once). */
  delay?: number;
  /** How many publishes the rule answers; default every one. */
  times?: number;
}

/** A standing answer for publishes that match (registered with whenPublish). */
export interface PublishRule {
  readonly matcher: PublishMatcher | undefined;
  readonly answer: { readonly type: 'ack' } | { readonly type: 'fail'; readonly code: ErrorCode };
  readonly delay: number;
  remaining: number;
}

/** Builds rules for {@link FakeLiftbridgeClient.whenPublish}. */
export class PublishRuleBuilder {
  constructor(
    private readonly matcher: PublishMatcher | undefined,
    private readonly add: (rule: PublishRule) => void,
  ) {}

  /** Acknowledge matching publishes (after `delay` ms, `times` times). */
  ack(options: RuleOptions = {}): void {
    this.add(this.rule({ type: 'ack' }, options));
  }

  /** Fail matching publishes with `code` (after `delay` ms, `times` times). */
  fail(code: ErrorCode, options: RuleOptions = {}): void {
    this.add(this.rule({ type: 'fail', code }, options));
  }

  private rule(answer: PublishRule['answer'], options: RuleOptions): PublishRule {
    const delay = options.delay ?? 0;
    const times = options.times ?? Number.POSITIVE_INFINITY;
    if (!(delay >= 0)) throw new RangeError(`delay: expected >= 0 ms, got ${delay}`);
    if (!(times >= 1)) throw new RangeError(`times: expected >= 1, got ${times}`);
    return { matcher: this.matcher, answer, delay, remaining: times };
  }
}
