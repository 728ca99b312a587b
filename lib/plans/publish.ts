/**
 * Publishing, planned: the checks of a publish request and of a publish to
 * a NATS subject as plain values, shared by the client and the testing
 * kit's fake. (The message itself is checked by {@link planPublish}.)
 */
import { invalidArgument } from '../errors.js';
import type { AckPolicy } from '../message.js';
import {
  type HeadersInit,
  isPublishRequest,
  type PublishOptions,
  type PublishRequest,
  planPublish,
} from '../publish-request.js';
import { checkAckTimeout, checkSubject } from '../validate.js';

/**
 * Options of {@link LiftbridgeClient.publish}: those of every publish request,
 * plus an ack wait for this one.
 *
 * @example
 * ```ts
 * const options: SinglePublishOptions = { stream: 'orders', key: 'customer-7', ackTimeout: 1000 };
 * const ack = await lastValueFrom(client.publish('order #1', options));
 * ```
 */
export interface SinglePublishOptions extends PublishOptions {
  /**
   * Ack wait for this publish (ms, above 0); then it fails with `ACK_TIMEOUT`.
   * @defaultValue the client's {@link ClientOptions.ackTimeout}
   */
  ackTimeout?: number;
}

/**
 * Options of {@link LiftbridgeClient.publishToSubject}.
 *
 * @example
 * ```ts
 * const options: PublishToSubjectOptions = { key: 'disk', ackPolicy: AckPolicy.ALL };
 * await lastValueFrom(client.publishToSubject('alerts.disk', 'disk 91% full', options));
 * ```
 */
export interface PublishToSubjectOptions {
  /**
   * Message key.
   * @defaultValue none (empty)
   */
  key?: Uint8Array | string;
  /**
   * Message headers.
   * @defaultValue none
   */
  headers?: HeadersInit;
  /**
   * How the server acknowledges; with `NONE` the Observable completes without an Ack.
   * @defaultValue `'LEADER'`
   */
  ackPolicy?: AckPolicy;
  /**
   * Correlation id, returned in the Ack.
   * @defaultValue a random UUID
   */
  correlationId?: string;
  /**
   * How long the server waits for the stream's ack (ms, above 0); then the
   * Observable fails with `ACK_TIMEOUT`.
   * @defaultValue the client's {@link ClientOptions.ackTimeout}
   */
  ackTimeout?: number;
}

/**
 * A request to send and its ack wait, as {@link planPublishRequest} checks them.
 *
 * @example
 * ```ts
 * const { request, ackTimeout }: PublishRequestPlan = planPublishRequest(
 *   planPublish('hello', { stream: 'orders' }),
 *   undefined,
 *   DEFAULT_ACK_TIMEOUT_MS,
 * );
 * ```
 */
export interface PublishRequestPlan {
  /** The request, as built by {@link planPublish} (or getPublishRequest). */
  request: PublishRequest;
  /** The ack wait (ms). */
  ackTimeout: number;
}

/**
 * A publish to a NATS subject, as {@link planPublishToSubject} checks it.
 *
 * @example
 * ```ts
 * const plan: PublishToSubjectPlan = planPublishToSubject('alerts.disk', 'full', {}, 5000);
 * console.log(plan.subject, plan.ackTimeout); // alerts.disk 5000
 * ```
 */
export interface PublishToSubjectPlan {
  /** The subject. */
  subject: string;
  /**
   * The message (value, key, headers, ack policy, correlation id) as a
   * request; its `stream` is the placeholder `'subject'` and means nothing.
   */
  message: PublishRequest;
  /** The ack wait (ms). */
  ackTimeout: number;
}

/**
 * Checks the arguments of {@link LiftbridgeClient.publishRequest} as the
 * client does: a request built by getPublishRequest (or {@link planPublish})
 * and an ack wait.
 *
 * @param request - the request.
 * @param ackTimeout - the ack wait (ms, above 0), or undefined for `defaultAckTimeout`.
 * @param defaultAckTimeout - the client's `ackTimeout` option.
 * @returns the request and the ack wait.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` when `request` was not built
 *   by getPublishRequest or `ackTimeout` is bad.
 * @example
 * ```ts
 * planPublishRequest({ stream: 'orders' } as PublishRequest, 1000, 5000); // throws INVALID_ARGUMENT: request: ...
 * ```
 */
export function planPublishRequest(
  request: PublishRequest,
  ackTimeout: number | undefined,
  defaultAckTimeout: number,
): PublishRequestPlan {
  if (!isPublishRequest(request)) {
    throw invalidArgument('request', 'expected a request built by client.getPublishRequest()');
  }
  return { request, ackTimeout: checkAckTimeout(ackTimeout) ?? defaultAckTimeout };
}

/**
 * Checks the arguments of {@link LiftbridgeClient.publishToSubject} as the client does.
 *
 * @param subject - a NATS subject: no wildcards, whitespace or empty tokens.
 * @param value - the message value; a string becomes UTF-8 bytes.
 * @param options - see {@link PublishToSubjectOptions}.
 * @param defaultAckTimeout - the client's `ackTimeout` option, for when `options` has none.
 * @returns the subject, the message and the ack wait.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` on bad input.
 * @example
 * ```ts
 * planPublishToSubject('alerts.*', 'x', {}, 5000); // throws INVALID_ARGUMENT: subject: "alerts.*" is not a valid NATS subject ...
 * ```
 */
export function planPublishToSubject(
  subject: string,
  value: Uint8Array | string,
  options: PublishToSubjectOptions,
  defaultAckTimeout: number,
): PublishToSubjectPlan {
  const target = checkSubject(subject);
  // Reuses publish-request validation for value, key, headers, policy and id.
  const message = planPublish(value, { ...options, stream: 'subject' });
  const ackTimeout = checkAckTimeout(options.ackTimeout) ?? defaultAckTimeout;
  return { subject: target, message, ackTimeout };
}
