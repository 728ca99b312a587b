import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('.build')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The repository root (this file runs from .build/scripts/testbed). */
export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** Git-ignored folder holding the built server binaries. */
export const serverDir = join(projectRoot, '.liftbridge');

export const LIFTBRIDGE_VERSION = 'v1.9.0';
export const NATS_SERVER_VERSION = 'v2.7.4';
export const GO_CLIENT_VERSION = 'v2.3.0';
