/**
 * The order in which any-broker calls (and the publish stream) try brokers,
 * per the client's `brokerSelection` policy. Brokers known to be down always
 * come last, whatever the policy.
 */
/**
 * How any-broker calls (admin, metadata, the publish stream) pick a broker
 * (the `ClientOptions.brokerSelection` option):
 * - `'sticky'` (default): the last one that answered, then the others in turn;
 * - `'random'`: a random one each call;
 * - `'lowestLatency'`: the one with the lowest measured round-trip time;
 * - `'lowestWorkload'`: the one with the fewest partitions + leaders in metadata.
 *
 * Brokers known to be down are tried last under every policy. Calls bound
 * to a partition (subscribe, cursors) go to its leader whatever the choice.
 *
 * @example
 * ```ts
 * const selection: BrokerSelection = 'lowestLatency';
 * const client = new LiftbridgeClient(BROKERS, { brokerSelection: selection });
 * ```
 */
export type BrokerSelection = 'sticky' | 'random' | 'lowestLatency' | 'lowestWorkload';

/** Every valid {@link BrokerSelection}. */
export const BROKER_SELECTIONS: readonly BrokerSelection[] = [
  'sticky',
  'random',
  'lowestLatency',
  'lowestWorkload',
];

export interface SelectionState {
  /** The last broker that answered (sticky). */
  preferred: string | undefined;
  /** Rotation offset (sticky): bumped when the preferred broker goes down. */
  rotation: number;
  down: ReadonlySet<string>;
  /** Smoothed round-trip time per address (ms); absent: never measured. */
  latency: ReadonlyMap<string, number>;
  /** Partitions + leaders of the broker at an address, from metadata (as go-liftbridge counts them). */
  workload: (address: string) => number;
  random: () => number;
}

function shuffled(list: string[], random: () => number): string[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
}

/** `all` (deduplicated addresses) in the order to try them. */
export function orderBrokers(
  policy: BrokerSelection,
  all: readonly string[],
  state: SelectionState,
): string[] {
  let ordered: string[];
  switch (policy) {
    case 'random':
      ordered = shuffled([...all], state.random);
      break;
    case 'lowestLatency':
      // Never-measured brokers first, so each gets measured once.
      ordered = [...all].sort(
        (a, b) => (state.latency.get(a) ?? -1) - (state.latency.get(b) ?? -1),
      );
      break;
    case 'lowestWorkload':
      ordered = [...all].sort((a, b) => state.workload(a) - state.workload(b));
      break;
    default: {
      const start = all.length === 0 ? 0 : state.rotation % all.length;
      const rotated = [...all.slice(start), ...all.slice(0, start)];
      const first = state.preferred && all.includes(state.preferred) ? [state.preferred] : [];
      ordered = [...first, ...rotated.filter((a) => a !== state.preferred)];
    }
  }
  return [
    ...ordered.filter((a) => !state.down.has(a)),
    ...ordered.filter((a) => state.down.has(a)),
  ];
}
