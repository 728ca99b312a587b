/**
 * The demo Nest application as a stack other demos and tests start: HTTP on
 * 127.0.0.1 plus the Liftbridge microservice transport.
 *
 * POST /messages/:stream  JSON body {"value": string, "key"?: string}
 *   -> 201 JSON {"stream","partition","offset"} (offset as a string) once
 *   acked; 404 when the stream does not exist (nothing is created), 400 for
 *   a bad body.
 * GET /sse/:stream?start=earliest|latest|new (default earliest)&partition=N|all (default 0)
 *   -> text/event-stream from liftbridge-rx/sse's sendSse: each event's data
 *   is JSON {"stream","partition","offset","key","value","timestamp"}
 *   (offset a string, timestamp ms, key null when empty) and its id the
 *   reader's partition:offset list. A Last-Event-ID header (or lastEventId
 *   query parameter) resumes after it. A missing stream is 404, a bad start
 *   400; an error once events flow is a "stream-error" event.
 * With staticDir, its files are served at / (index.html for /).
 */
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ErrorCode, isLiftbridgeError, LiftbridgeClient } from 'liftbridge-rx';
import { LiftbridgeServer } from 'liftbridge-rx/nestjs';
import { catchError, lastValueFrom, of, throwError } from 'rxjs';
import { appModule } from './app.module.js';
import { ORDERS, SUMS } from './streams.js';

export interface DemoStack {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/** The stack with the Nest application and its transport, for the demo's main. */
export interface NestDemoStack extends DemoStack {
  app: NestExpressApplication;
  server: LiftbridgeServer;
}

/** Starts the demo Nest app (HTTP + Liftbridge microservice transport) on 127.0.0.1 (port 0 = free port). */
export async function startNestDemo(options: {
  brokers: string[];
  port?: number;
  staticDir?: string;
}): Promise<NestDemoStack> {
  const app = await NestFactory.create<NestExpressApplication>(appModule(options.brokers), {
    logger: ['error', 'warn'],
    abortOnError: false,
    // Open SSE responses must not hold app.close() up.
    forceCloseConnections: true,
  });
  try {
    const client = app.get(LiftbridgeClient);
    // The handlers' streams must exist before the transport listens.
    for (const stream of [ORDERS, SUMS]) {
      await lastValueFrom(
        client
          .createStream(stream)
          .pipe(
            catchError((err: unknown) =>
              isLiftbridgeError(err, ErrorCode.StreamExists)
                ? of(undefined)
                : throwError(() => err),
            ),
          ),
      );
    }
    if (options.staticDir !== undefined) app.useStaticAssets(options.staticDir);
    const server = new LiftbridgeServer({ client });
    app.connectMicroservice({ strategy: server });
    await app.startAllMicroservices();
    await app.listen(options.port ?? 0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, app, server, close: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}
