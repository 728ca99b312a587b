/**
 * Builds the Angular demo page (demos/angular) with the Angular CLI into the
 * git-ignored .build/angular, the folder the Nest demo serves at /.
 * Run as `node .build/scripts/testbed/angular.js` (npm test and npm run demo do).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

/** The Angular workspace (angular.json). */
export const ANGULAR_APP_DIR = join(projectRoot, 'demos', 'angular');
/** Where the built page lands (angular.json's outputPath). */
export const ANGULAR_OUT_DIR = join(projectRoot, '.build', 'angular');

/** Runs `ng build` for the demo page; returns the output folder. */
export function buildAngularApp(): string {
  const ng = join(projectRoot, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
  const res = spawnSync(process.execPath, [ng, 'build'], {
    cwd: ANGULAR_APP_DIR,
    // stdout would mix into a spec's test report: the build's log goes to stderr.
    stdio: ['ignore', process.stderr, 'inherit'],
    env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
  });
  if (res.error || res.status !== 0) {
    throw new Error(`ng build in ${ANGULAR_APP_DIR} failed (${res.error?.message ?? res.status})`);
  }
  return ANGULAR_OUT_DIR;
}

/** The built page's folder, built first when there is none (specs run alone). */
export function angularApp(): string {
  return existsSync(join(ANGULAR_OUT_DIR, 'index.html')) ? ANGULAR_OUT_DIR : buildAngularApp();
}

if (process.argv[1]?.endsWith('testbed/angular.js')) {
  try {
    const t0 = Date.now();
    const out = buildAngularApp();
    console.log(`angular demo page: ${out} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
