/**
 * Child process of module.spec: runs the demo Nest application (HTTP, an
 * open SSE response, the Liftbridge transport, the client proxy), then
 * closes it, and must then exit on its own. argv: brokers
 * (comma-separated), mode (close | no-close).
 */
import { LiftbridgeClientProxy } from 'liftbridge-rx/nestjs';
import { lastValueFrom, timeout } from 'rxjs';
import { startNestDemo } from '../../../demos/nestjs/stack.js';
import { ORDERS, SUMS } from '../../../demos/nestjs/streams.js';

const [brokers = '', mode = 'close'] = process.argv.slice(2);
const stack = await startNestDemo({ brokers: brokers.split(',') });
const posted = await fetch(`${stack.url}/messages/${ORDERS}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ value: 'exit check' }),
});
// An SSE response left open: app.close() must end it.
const sse = await fetch(`${stack.url}/sse/${ORDERS}?start=earliest`);
const reader = sse.body?.getReader();
await reader?.read();
const sum = await lastValueFrom(
  stack.app.get(LiftbridgeClientProxy).send<number>(SUMS, [2, 3]).pipe(timeout(15_000)),
);
console.log(`posted ${posted.status}, sse ${sse.status}, sum ${sum}`);
reader?.read().catch(() => undefined);
if (mode === 'close') await stack.close();
console.log('done');
