/**
 * README and guide examples are run by the tests: the README's first code
 * block is demos/quickstart.ts as written, and every TypeScript block in the
 * README and in docs/*.md is an excerpt of a demo; every demo runs in
 * demos.spec (the quick start also as a .mjs file, in
 * integration/readme-quickstart.spec).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../scripts/testbed/paths.js';
import { documents } from './helpers/docs.js';

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

/** The first fenced code block of a markdown text: its language and body. */
function firstCodeBlock(text: string): { lang: string; body: string } {
  const m = /```(\w*)\n([\s\S]*?)```/.exec(text);
  return { lang: m?.[1] ?? '', body: m?.[2] ?? '' };
}

describe('README', () => {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const demoDir = join(projectRoot, 'demos');
  // Demos may live in sub-folders (demos/nestjs, demos/angular): read them all.
  const demos = (readdirSync(demoDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
    .map((f) => ({ name: f, lines: lines(readFileSync(join(demoDir, f), 'utf8')) }));

  it('README - starts with the install line and the demo and test commands, explained again near the top', () => {
    const firstSh = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    assert.match(firstSh, /npm install liftbridge-rx rxjs/);
    assert.match(firstSh, /npm ci && npm run demo/);
    assert.match(firstSh, /npm ci && npm test/);
    const top = readme.split('\n').slice(0, 80).join('\n');
    const commands = [...top.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    assert.ok(
      commands.some((b) => /npm ci && npm run demo/.test(b) && /npm ci && npm test/.test(b)),
      'an sh block in the first 80 lines holds `npm ci && npm run demo` and `npm ci && npm test`',
    );
  });

  it('README - the first code block is demos/quickstart.ts, importing liftbridge-rx, without `await using`', () => {
    const { lang, body } = firstCodeBlock(readme.replace(/```sh\n[\s\S]*?```/, ''));
    assert.equal(lang, 'js');
    assert.equal(body, readFileSync(join(demoDir, 'quickstart.ts'), 'utf8'));
    assert.match(body, /from 'liftbridge-rx'/);
    assert.doesNotMatch(body, /\busing\b/);
    // Plain JavaScript: Node parses it as an ES module (no types, no `await using`).
    const dir = mkdtempSync(join(tmpdir(), 'readme-'));
    try {
      const file = join(dir, 'hello.mjs');
      writeFileSync(file, body);
      const res = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [file, text] of documents()) {
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    if (file === 'README.md')
      it('README - has TypeScript examples', () => {
        assert.ok(blocks.length >= 8, `${blocks.length} blocks`);
      });
    blocks.forEach((block, i) => {
      const first = lines(block)[0] ?? '';
      it(`${file} - example ${i + 1} (${first.slice(0, 50)}) is an excerpt of a demo`, () => {
        const found = demos.find((d) => contains(d.lines, lines(block)));
        assert.ok(found, `no demo contains ${file} example ${i + 1}:\n${block}`);
      });
    });
  }
});
