/**
 * liftbridge-rx/testing: a fake client for unit and marble tests of code
 * that uses liftbridge-rx (no server, no network; time from RxJS).
 *
 * @packageDocumentation
 * @module liftbridge-rx/testing
 */
export { type FakeClientOptions, FakeLiftbridgeClient } from './fake-client.js';
export type { MessageInit } from './partition-log.js';
export {
  type PublishMatcher,
  type PublishRuleBuilder,
  type RuleOptions,
  TestPublish,
  type TestPublishState,
} from './test-publish.js';
