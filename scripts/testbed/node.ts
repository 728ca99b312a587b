/**
 * One Liftbridge server process on loopback, with its own temp data dir.
 * Used alone (embedded NATS) or as a cluster member (external NATS).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { liftbridgeBinary } from './install.js';
import { freePort, isBindRace } from './ports.js';
import { type ProbedBroker, waitReady } from './probe.js';
import { reaperTrack } from './reaper.js';

export interface NodeOptions {
  /** Cluster server id (clustering.server.id). */
  serverId?: string;
  /** NATS URL of an external server; omitted: embedded NATS on a free port. */
  natsUrl?: string;
  /** Bootstrap the Raft cluster from this node (true for single nodes). */
  bootstrap?: boolean;
  /** Extra YAML lines appended to the config (e.g. failover tuning). */
  extraConfig?: string[];
  /** Brokers the node must see in metadata before it counts as ready. */
  expectBrokers?: number;
  /** Extra environment for the server (e.g. LIFTBRIDGE_ENCRYPTION_KEY). */
  env?: Record<string, string>;
  /** Server TLS (paths), optional client certificates and authorization; probes use `probeCredentials`. */
  tls?: {
    cert: string;
    key: string;
    clientCa?: string;
    authz?: { model: string; policy: string };
    probeCredentials: ChannelCredentials;
  };
  /** Server log level; default $LIFTBRIDGE_LOG_LEVEL or 'error' ('info' logs leadership changes). */
  logLevel?: string;
  /**
   * CPUs the server may run on (a `taskset -c` list, e.g. '1'): the bench's
   * pinned mode. Go sizes GOMAXPROCS from this affinity at start-up.
   */
  cpus?: string;
  /** Where the node's ports come from (default: `freePort`); specs script a taken port with it. */
  portSource?: () => Promise<number>;
}

const STOP_GRACE_MS = 5000;

export class LiftbridgeNode {
  readonly dataDir: string;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  port = 0;
  private natsPort = 0;
  /** Where this run's output starts in the log file. */
  private logOffset = 0;

  private constructor(
    readonly options: NodeOptions,
    readonly workDir: string,
  ) {
    this.dataDir = join(workDir, 'data');
  }

  /** Starts a node and waits until a FetchMetadata call succeeds. */
  static async start(options: NodeOptions = {}): Promise<LiftbridgeNode> {
    const workDir = mkdtempSync(join(tmpdir(), 'lbrx-node-'));
    reaperTrack.dir(workDir);
    const node = new LiftbridgeNode(options, workDir);
    for (let attempt = 1; ; attempt++) {
      const nextPort = options.portSource ?? freePort;
      node.port = await nextPort();
      if (!options.natsUrl) node.natsPort = await nextPort();
      try {
        await node.launch();
        return node;
      } catch (err) {
        // Another process bound a port between our check and the server's bind: new ports.
        if (attempt >= 5 || !isBindRace(String(err))) throw err;
      }
    }
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** URL of the NATS server this node uses (its embedded one, or the external one). */
  get natsUrl(): string {
    return this.options.natsUrl ?? `nats://127.0.0.1:${this.natsPort}`;
  }

  get pid(): number | undefined {
    return this.proc?.exitCode === null ? this.proc.pid : undefined;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private writeConfig(): string {
    const o = this.options;
    const lines = [
      `listen: 127.0.0.1:${this.port}`,
      `host: 127.0.0.1`,
      `port: ${this.port}`,
      `data.dir: ${this.dataDir}`,
      `logging.level: ${o.logLevel ?? process.env['LIFTBRIDGE_LOG_LEVEL'] ?? 'error'}`,
    ];
    if (o.natsUrl) {
      lines.push(`nats.servers: ["${o.natsUrl}"]`);
    } else {
      const natsConf = join(this.workDir, 'nats.conf');
      writeFileSync(natsConf, `listen: 127.0.0.1:${this.natsPort}\n`);
      lines.push('nats.embedded: true', `nats.embedded.config: ${natsConf}`);
      lines.push(`nats.servers: ["nats://127.0.0.1:${this.natsPort}"]`);
    }
    if (o.serverId) lines.push(`clustering.server.id: ${o.serverId}`);
    if (o.bootstrap ?? true) lines.push('clustering.raft.bootstrap.seed: true');
    lines.push('cursors.stream.partitions: 3', 'cursors.stream.auto.pause.time: 0');
    if (o.tls) {
      lines.push(`tls.cert: ${o.tls.cert}`, `tls.key: ${o.tls.key}`);
      if (o.tls.clientCa)
        lines.push('tls.client.auth.enabled: true', `tls.client.auth.ca: ${o.tls.clientCa}`);
      if (o.tls.authz) {
        lines.push('tls.client.authz.enabled: true');
        lines.push(`tls.client.authz.model: ${o.tls.authz.model}`);
        lines.push(`tls.client.authz.policy: ${o.tls.authz.policy}`);
      }
    }
    lines.push(...(o.extraConfig ?? []));
    const file = join(this.workDir, 'liftbridge.yaml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  private async launch(): Promise<void> {
    const config = this.writeConfig();
    // Server output goes to a log file beside the data dir, shown when start-up fails.
    this.logOffset = this.logText().length;
    const log = openSync(this.logFile, 'a');
    const argv = [liftbridgeBinary(), '--config', config];
    // taskset execs the server in its own process: the pid stays the server's.
    const [cmd, ...args] = this.options.cpus ? ['taskset', '-c', this.options.cpus, ...argv] : argv;
    const proc = spawn(cmd as string, args, {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...this.options.env },
    });
    closeSync(log);
    this.proc = proc;
    const pid = proc.pid;
    if (pid === undefined) throw new Error('liftbridge did not start');
    reaperTrack.pid(pid);
    this.exited = new Promise((resolve) =>
      proc.once('exit', () => {
        reaperTrack.unpid(pid);
        resolve();
      }),
    );
    try {
      await waitReady(this.address, {
        brokers: this.options.expectBrokers ?? 1,
        isAlive: () => proc.exitCode === null && proc.signalCode === null,
        ...(this.options.tls ? { credentials: this.options.tls.probeCredentials } : {}),
      });
      // An answer from whoever holds the port, while this server died binding it, is no start.
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`server at ${this.address} exited during start-up`);
    } catch (err) {
      throw new Error(`${String(err)}\n--- server log ---\n${this.logTail()}`);
    }
  }

  get logFile(): string {
    return join(this.workDir, 'server.log');
  }

  private logText(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The last lines the server wrote. */
  logTail(lines = 40): string {
    return this.logText().split('\n').slice(-lines).join('\n');
  }

  /**
   * Whether this running node leads the metadata Raft group, from its log
   * (needs logLevel 'info'; the API does not say which broker leads).
   */
  get isMetadataLeader(): boolean {
    if (!this.running) return false;
    const run = this.logText().slice(this.logOffset);
    return run.lastIndexOf('became metadata leader') > run.lastIndexOf('lost metadata leadership');
  }

  /** Waits until this node answers FetchMetadata with `brokers` brokers. */
  waitReady(brokers = 1, timeoutMs = 30_000): Promise<ProbedBroker[]> {
    return waitReady(this.address, { brokers, timeoutMs, isAlive: () => this.running });
  }

  /** Sends a signal to the server process (SIGKILL, SIGSTOP, SIGCONT, ...). */
  signal(sig: NodeJS.Signals): void {
    if (this.running) this.proc?.kill(sig);
  }

  /** kill -9, and wait for the process to be gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /**
   * SIGSTOP: the process freezes, its sockets stay open. Resolves once the
   * kernel reports it stopped (state T in /proc), so what follows runs
   * against a frozen server.
   */
  async pause(): Promise<void> {
    this.signal('SIGSTOP');
    const pid = this.proc?.pid;
    if (pid === undefined) return;
    const until = Date.now() + 5000;
    for (;;) {
      let state = '';
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
      } catch {
        return; // no /proc (not Linux) or gone
      }
      if (state === 'T' || state === 't') return;
      if (Date.now() > until)
        throw new Error(`node ${pid} not stopped after SIGSTOP (state ${state})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** SIGCONT after pause(). */
  resume(): void {
    this.signal('SIGCONT');
  }

  /** Starts the server again on the same data dir and ports (after kill or stop). */
  async restart(): Promise<void> {
    if (this.running) await this.kill();
    await this.launch();
  }

  /** SIGTERM, SIGKILL after a grace period; removes the data dir. Idempotent. */
  async stop(): Promise<void> {
    if (this.running) {
      this.proc?.kill('SIGCONT');
      this.proc?.kill('SIGTERM');
      const timer = setTimeout(() => this.proc?.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.workDir, { recursive: true, force: true });
    reaperTrack.undir(this.workDir);
  }
}
