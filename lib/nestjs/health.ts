/**
 * LiftbridgeHealthIndicator: whether the client reaches a broker, from its
 * status$ (connected / reconnecting), shaped for @nestjs/terminus.
 */
import { catchError, defer, lastValueFrom, map, of, type Subscription, timeout } from 'rxjs';
import { checkDuration, type LiftbridgeClientApi } from '../index.js';

/** The details of a {@link LiftbridgeHealthResult}. */
export interface LiftbridgeHealthDetails {
  /** `'up'` when a broker answers, else `'down'`. */
  status: 'up' | 'down';
  /** The brokers (`host:port`) the client knows to answer. */
  brokers: string[];
  /** Why it is down. */
  error?: string;
}

/** What {@link LiftbridgeHealthIndicator.check} resolves to: terminus's `HealthIndicatorResult` shape. */
export type LiftbridgeHealthResult = Record<string, LiftbridgeHealthDetails>;

/** Options of {@link LiftbridgeHealthIndicator}. */
export interface LiftbridgeHealthOptions {
  /** Ms a probe (a metadata request, made when no broker is known up) may take; default 2000. */
  probeTimeout?: number;
}

const PROBE_STREAM = 'liftbridge-rx-health-probe';

/** Default of {@link LiftbridgeHealthOptions.probeTimeout}. */
export const DEFAULT_HEALTH_PROBE_TIMEOUT_MS = 2000;

/**
 * Health of a Liftbridge client: up while `status$` says some broker
 * answers (`connected`, not since followed by `reconnecting`); when none
 * is known up (before the first call, or after the brokers stopped
 * answering), a metadata request decides, bounded by `probeTimeout`.
 * `LiftbridgeModule` provides one for its client.
 *
 * @example
 * ```ts
 * // Plain: GET /health
 * @Get('health')
 * async health() {
 *   const result = await this.health.check('liftbridge');
 *   if (result['liftbridge']?.status !== 'up') throw new ServiceUnavailableException(result);
 *   return result;
 * }
 * // With @nestjs/terminus:
 * this.healthCheck.check([() => this.health.check('liftbridge')]);
 * ```
 */
export class LiftbridgeHealthIndicator {
  private readonly up = new Set<string>();
  private readonly probeTimeout: number;
  private readonly watching: Subscription;
  private closed = false;

  /**
   * @param client the client to watch (subscribes to its status$ at once).
   * @param options see {@link LiftbridgeHealthOptions}.
   */
  constructor(
    private readonly client: LiftbridgeClientApi,
    options: LiftbridgeHealthOptions = {},
  ) {
    this.probeTimeout =
      options.probeTimeout === undefined
        ? DEFAULT_HEALTH_PROBE_TIMEOUT_MS
        : checkDuration(options.probeTimeout, 'options.probeTimeout');
    this.watching = client.status$.subscribe((event) => {
      if (event.type === 'connected') this.up.add(event.broker);
      else if (event.type === 'reconnecting') this.up.delete(event.broker);
      else if (event.type === 'closed') {
        this.closed = true;
        this.up.clear();
      }
    });
  }

  /**
   * The health as `{ [key]: { status, brokers, error? } }` (terminus's
   * `HealthIndicatorResult`); never rejects: down is a result.
   */
  async check(key = 'liftbridge'): Promise<LiftbridgeHealthResult> {
    return { [key]: await this.details() };
  }

  /** True when {@link check} would say up. */
  async isHealthy(): Promise<boolean> {
    return (await this.details()).status === 'up';
  }

  /** Stops watching status$ (it also stops when the client closes). */
  dispose(): void {
    this.watching.unsubscribe();
  }

  private async details(): Promise<LiftbridgeHealthDetails> {
    if (this.closed || this.client.closed)
      return { status: 'down', brokers: [], error: 'the client is closed' };
    if (this.up.size > 0) return { status: 'up', brokers: [...this.up] };
    // Nothing known up: ask (a success also reports the broker as connected).
    // Naming one stream keeps the answer small (a missing one is left out).
    return lastValueFrom(
      defer(() => this.client.fetchMetadata([PROBE_STREAM])).pipe(
        timeout(this.probeTimeout),
        map((): LiftbridgeHealthDetails => ({ status: 'up', brokers: [...this.up] })),
        catchError((err: unknown) =>
          of<LiftbridgeHealthDetails>({
            status: 'down',
            brokers: [],
            error: err instanceof Error ? err.message : String(err),
          }),
        ),
      ),
    );
  }
}
