/**
 * Shared by the NestJS specs: Nest applications made of controllers built
 * per test (each with its own stream names), and polling for what a
 * handler has done.
 */
import { type DynamicModule, type INestMicroservice, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom, lastValueFrom, timer } from 'rxjs';
import type { LiftbridgeClient, Message } from '../../lib/index.js';
import { LiftbridgeServer, type LiftbridgeServerOptions } from '../../lib/nestjs/index.js';

/** A module with these controllers (and imports): a new class per call. */
export function moduleOf(
  controllers: Type[],
  imports: Array<Type | DynamicModule> = [],
  providers: Type[] = [],
): Type {
  @Module({ controllers, imports, providers })
  class TestModule {}
  return TestModule;
}

/** A Nest microservice on a LiftbridgeServer, listening (logs off). */
export async function startMicroservice(
  controllers: Type[],
  options: LiftbridgeServerOptions,
): Promise<{ app: INestMicroservice; server: LiftbridgeServer }> {
  const server = new LiftbridgeServer(options);
  const app = await NestFactory.createMicroservice(moduleOf(controllers), {
    strategy: server,
    logger: false,
    abortOnError: false,
  });
  await app.listen();
  return { app, server };
}

/** Waits `ms` (for checks that something did NOT happen meanwhile). */
export const pause = (ms: number) => firstValueFrom(timer(ms));

/** A message's value as text. */
export const text = (m: Message) => Buffer.from(m.value).toString();

/** The offset stored in a cursor (-1n: none). */
export const cursorOf = (client: LiftbridgeClient, stream: string, partition: number, id: string) =>
  lastValueFrom(client.fetchCursor(stream, partition, id));

export { until } from '../helpers/until.js';
