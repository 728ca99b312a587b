#!/usr/bin/env node
/**
 * The `liftbridge-rx` executable: runs the command line with the process's
 * streams and exits with its code. Ctrl-C (or SIGTERM) asks the command to
 * stop cleanly; a second one exits at once.
 */
import { existsSync, fstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StdinSource } from './command.js';
import { ExitCode } from './exit-codes.js';
import { run } from './run.js';

/** The version in the package.json above this script. */
function packageVersion(): string {
  try {
    let dir = dirname(realpathSync(process.argv[1] ?? '.'));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'liftbridge-rx' && pkg.version) return pkg.version;
      }
      const parent = dirname(dir);
      if (parent === dir) return 'unknown';
      dir = parent;
    }
  } catch {
    return 'unknown';
  }
}

function stdin(): StdinSource {
  const input = process.stdin;
  let size: number | undefined;
  try {
    const stat = fstatSync(0);
    if (stat.isFile()) size = stat.size;
  } catch {
    // No stdin: the size stays unknown.
  }
  return Object.assign(input, { size });
}

const controller = new AbortController();
let signals = 0;
const onSignal = () => {
  signals += 1;
  if (signals > 1) process.exit(ExitCode.Interrupted);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A reader that went away (EPIPE) is handled where output is written; never a stack trace.
process.stderr.on('error', () => undefined);
// Deprecation notices are for developers, not for the shell user (grpc-js
// gives a TLS server name that is an IP address: DEP0123).
process.noDeprecation = true;

run(
  process.argv.slice(2),
  {
    stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    version: packageVersion(),
  },
  controller.signal,
).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; should anything still hold the event loop, do not hang.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`liftbridge-rx: unexpected error: ${String(err)}\n`);
    process.exit(ExitCode.Error);
  },
);
