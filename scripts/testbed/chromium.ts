/**
 * Headless Chromium for the browser specs: CHROMIUM_BIN, else /usr/bin/chromium,
 * else Debian's `chromium` package installed with apt-get (as root). Browser
 * downloads from anywhere else are not possible here, so nothing else is tried.
 * Run as `node .build/scripts/testbed/chromium.js` to install it ahead of the specs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { MissingToolError } from './install.js';

/** Where Debian's package puts the browser. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a closed network: without the background-networking ones Chromium
 * keeps dialling out (updates, sync, QUIC probes) and the sandbox refuses it.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function run(cmd: string, args: string[]): void {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const res = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (res.error || res.status !== 0) {
    throw new MissingToolError(
      `Chromium is missing and \`${cmd} ${args.join(' ')}\` failed ` +
        `(${res.error?.message ?? `exit ${res.status}`}). Install Debian's chromium package ` +
        '(apt-get install chromium) or set CHROMIUM_BIN=/path/to/chromium.',
    );
  }
}

/** Path of a Chromium binary, installing Debian's package when there is none. */
export function chromiumBinary(): string {
  const given = process.env['CHROMIUM_BIN'];
  if (given) {
    if (!existsSync(given)) throw new MissingToolError(`CHROMIUM_BIN=${given} does not exist`);
    return given;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' });
  if (apt.error || apt.status !== 0) {
    throw new MissingToolError(
      `Chromium not found at ${DEBIAN_CHROMIUM} and apt-get is not available: ` +
        'install Chromium and set CHROMIUM_BIN=/path/to/chromium.',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new MissingToolError(
      `Chromium not found at ${DEBIAN_CHROMIUM}; installing it needs root: ` +
        'run `sudo apt-get install -y chromium`, or set CHROMIUM_BIN=/path/to/chromium.',
    );
  }
  process.stderr.write(`Chromium not found at ${DEBIAN_CHROMIUM}: installing Debian's package\n`);
  // Waits for another apt run (a parallel spec installing it too) instead of failing.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  run('apt-get', [...lock, 'update']);
  run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(DEBIAN_CHROMIUM)) {
    throw new MissingToolError(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing`);
  }
  return DEBIAN_CHROMIUM;
}

/** The browser's version line, e.g. "Chromium 156.0.8078.79 built on Debian ...". */
export function chromiumVersion(path = chromiumBinary()): string {
  return spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** A headless Chromium (playwright-core gives it a fresh profile, removed on close()). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumBinary(), args: CHROMIUM_ARGS });
}

if (process.argv[1]?.endsWith('chromium.js')) {
  try {
    const path = chromiumBinary();
    console.log(`chromium: ${path} (${chromiumVersion(path)})`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
