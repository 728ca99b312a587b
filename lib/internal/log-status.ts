/**
 * The `logger` client option's view of status$: connects and leader moves
 * at info level, reconnects and refused fire-and-forget publishes at warn.
 * (Retries and dropped duplicate offsets are logged where they happen.)
 */
import type { Observable } from 'rxjs';
import { type Logger, logInfo } from '../logger.js';
import type { ClientStatus } from '../status.js';

/** Logs the events of `status` until it completes (on close). */
export function logStatus(status: Observable<ClientStatus>, logger: Logger): void {
  status.subscribe((e) => {
    switch (e.type) {
      case 'connected':
        logInfo(logger, `liftbridge: connected to ${e.broker}`);
        break;
      case 'reconnecting':
        logger.warn(`liftbridge: ${e.broker} stopped answering (${e.error.code}); reconnecting`);
        break;
      case 'leaderChanged':
        logInfo(
          logger,
          `liftbridge: leader of ${e.stream}/${e.partition} moved: ${e.previous ?? 'none'} -> ${e.leader ?? 'none'}`,
        );
        break;
      case 'publishRejected':
        logger.warn(`liftbridge: publish ${e.correlationId} refused: ${e.error.message}`);
        break;
    }
  });
}
