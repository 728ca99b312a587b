/**
 * README examples are run by the tests: every TypeScript block in the README
 * is an excerpt of a demo, and every demo runs in demos.spec.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../scripts/testbed/paths.js';

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function contains(haystack: string[], needle: string[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('README', () => {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const demoDir = join(projectRoot, 'demos');
  // Demos may live in sub-folders (demos/nestjs, demos/angular): read them all.
  const demos = (readdirSync(demoDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
    .map((f) => ({ name: f, lines: lines(readFileSync(join(demoDir, f), 'utf8')) }));

  it('README - starts with the demo and test commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    assert.match(firstBlock, /npm ci && npm run demo/);
    assert.match(firstBlock, /npm ci && npm test/);
  });

  it('README - has TypeScript examples', () => {
    assert.ok(blocks.length >= 8, `${blocks.length} blocks`);
  });

  blocks.forEach((block, i) => {
    const first = lines(block)[0] ?? '';
    it(`README - example ${i + 1} (${first.slice(0, 50)}) is an excerpt of a demo`, () => {
      const found = demos.find((d) => contains(d.lines, lines(block)));
      assert.ok(found, `no demo contains README example ${i + 1}:\n${block}`);
    });
  });
});
