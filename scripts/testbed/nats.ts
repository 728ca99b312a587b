/** A standalone nats-server on a free loopback port (for clusters). */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { natsServerBinary } from './install.js';
import { freePort } from './ports.js';
import { reaperTrack } from './reaper.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class NatsServer {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    private readonly exited: Promise<void>,
  ) {}

  static async start(): Promise<NatsServer> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = await NatsServer.launch(port);
      if (server) return server;
      // The port was taken between our check and nats-server's bind.
      if (attempt >= 5) throw new Error('nats-server did not start');
    }
  }

  private static async launch(port: number): Promise<NatsServer | undefined> {
    const proc = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    const pid = proc.pid;
    if (pid === undefined) throw new Error('nats-server did not start');
    reaperTrack.pid(pid);
    const exited = new Promise<void>((resolve) =>
      proc.once('exit', () => {
        reaperTrack.unpid(pid);
        resolve();
      }),
    );
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (proc.exitCode !== null) return undefined;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error('nats-server did not start');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // A connection may have reached whoever took the port; nats-server exits at once then.
    await new Promise((r) => setTimeout(r, 150));
    if (proc.exitCode !== null || proc.signalCode !== null) return undefined;
    return new NatsServer(proc, port, exited);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
