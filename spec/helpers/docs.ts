/** The user documentation: README.md, then every guide in docs/. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../scripts/testbed/paths.js';

/** The README, then every guide in docs/ (sorted), as [path, text]. */
export function documents(): [string, string][] {
  const guides = readdirSync(join(projectRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...guides].map((f) => [f, readFileSync(join(projectRoot, f), 'utf8')]);
}
