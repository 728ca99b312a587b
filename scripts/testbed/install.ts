/**
 * Builds the pinned Liftbridge server and nats-server from the Go module proxy
 * into .liftbridge/ (git-ignored), once. `go install pkg@version` is refused by
 * the proxy here (it also asks for the version list), so each build runs in a
 * throwaway module that requires the pinned version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce } from './build-once.js';
import { GO_CLIENT_VERSION, LIFTBRIDGE_VERSION, NATS_SERVER_VERSION, serverDir } from './paths.js';

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

function goBinary(): string {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new MissingToolError(
      'Go is needed to build the Liftbridge test server and was not found on PATH. ' +
        'Install Go 1.21+ (https://go.dev/dl), or set LIFTBRIDGE_BIN=/path/to/liftbridge ' +
        '(a v1.9.0 binary), or LIFTBRIDGE_BROKERS=host:port[,host:port] to use a running cluster.',
    );
  }
  return 'go';
}

/** Builds `pkg@version` (its main package `main`) into `out`, unless `out` exists. */
export function goBuild(module: string, version: string, mainPkg: string, out: string): string {
  if (existsSync(out)) return out;
  const go = goBinary();
  buildOnce(out, () => {
    const work = mkdtempSync(join(tmpdir(), 'lbrx-gobuild-'));
    try {
      const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
      const run = (args: string[]) => execFileSync(go, args, { cwd: work, env, stdio: 'inherit' });
      process.stderr.write(`building ${mainPkg}@${version} (first run only) ...\n`);
      const t0 = Date.now();
      run(['mod', 'init', 'lbrxbuild']);
      run(['mod', 'edit', `-require=${module}@${version}`]);
      run(['build', '-o', `${out}.tmp`, mainPkg]);
      renameSync(`${out}.tmp`, out);
      process.stderr.write(`built ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
  return out;
}

/** Path of the Liftbridge server binary: LIFTBRIDGE_BIN, or the pinned build. */
export function liftbridgeBinary(): string {
  const given = process.env['LIFTBRIDGE_BIN'];
  if (given) {
    if (!existsSync(given)) throw new MissingToolError(`LIFTBRIDGE_BIN=${given} does not exist`);
    return given;
  }
  const mod = 'github.com/liftbridge-io/liftbridge';
  return goBuild(mod, LIFTBRIDGE_VERSION, mod, join(serverDir, `liftbridge-${LIFTBRIDGE_VERSION}`));
}

/** Path of a standalone nats-server binary (for clusters): NATS_SERVER_BIN, or the pinned build. */
export function natsServerBinary(): string {
  const given = process.env['NATS_SERVER_BIN'];
  if (given) return given;
  const mod = 'github.com/nats-io/nats-server/v2';
  return goBuild(
    mod,
    NATS_SERVER_VERSION,
    mod,
    join(serverDir, `nats-server-${NATS_SERVER_VERSION}`),
  );
}

/** The module cache folder holding the pinned liftbridge-api (api.proto), after a server build. */
export function upstreamApiProto(): string {
  liftbridgeBinary();
  const cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const path = join(
    cache,
    'github.com',
    'liftbridge-io',
    `liftbridge-api@${LIFTBRIDGE_VERSION}`,
    'api.proto',
  );
  if (!existsSync(path)) {
    // LIFTBRIDGE_BIN given: fetch just the API module into the cache.
    const work = mkdtempSync(join(tmpdir(), 'lbrx-gomod-'));
    try {
      const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
      execFileSync('go', ['mod', 'init', 'lbrxapi'], { cwd: work, env, stdio: 'ignore' });
      execFileSync(
        'go',
        ['mod', 'download', `github.com/liftbridge-io/liftbridge-api@${LIFTBRIDGE_VERSION}`],
        {
          cwd: work,
          env,
          stdio: 'inherit',
        },
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return path;
}

export const goClientModule = {
  module: 'github.com/liftbridge-io/go-liftbridge/v2',
  version: GO_CLIENT_VERSION,
};

if (process.argv[1]?.endsWith('install.js')) {
  try {
    if (process.env['LIFTBRIDGE_BROKERS']) {
      console.log(`LIFTBRIDGE_BROKERS=${process.env['LIFTBRIDGE_BROKERS']}: using that cluster`);
    } else {
      console.log(`liftbridge: ${liftbridgeBinary()}`);
      if (process.argv.includes('--nats')) console.log(`nats-server: ${natsServerBinary()}`);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
