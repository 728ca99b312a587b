import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The kernel's ephemeral range (outgoing connections take their local port
 * from it, and so does listen(0)). A port picked there can be taken by any
 * client socket between our check and the server's bind, so servers get
 * ports below it.
 */
function ephemeralStart(): number {
  try {
    const [lo] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(lo);
    if (Number.isInteger(n) && n > 12_000 && n <= 65_535) return n;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152
  }
  return 49_152;
}

const LOW = 10_000;

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server to listen on: random, below the
 * ephemeral range (so no outgoing connection takes it meanwhile), checked by
 * binding it. Parallel test files pick independently; a lost race shows as
 * "address already in use", which `isBindRace` recognises so callers can
 * start again on new ports.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralStart();
  for (let i = 0; i < 50; i++) {
    const port = LOW + Math.floor(Math.random() * (high - LOW));
    if (await canBind(port)) return port;
  }
  return anyPort();
}

/** Whether a server's start-up failure (its log or error text) was a port taken under it. */
export function isBindRace(text: string): boolean {
  return /address already in use|EADDRINUSE/i.test(text);
}
