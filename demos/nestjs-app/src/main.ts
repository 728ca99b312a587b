// A hybrid application: HTTP and the Liftbridge transport on one client.
import { NestFactory } from '@nestjs/core';
import { LiftbridgeClient, LiftbridgeServer } from 'liftbridge-rx/nestjs';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  app.connectMicroservice({
    // createStreams: the handler's stream is created when missing.
    strategy: new LiftbridgeServer({ client: app.get(LiftbridgeClient), createStreams: true }),
  });
  await app.startAllMicroservices();
  await app.listen(process.env['PORT'] ?? 3000, '127.0.0.1');
  console.log(`listening on ${await app.getUrl()}`);
}
bootstrap().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
