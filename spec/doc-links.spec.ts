/**
 * Relative links in README.md and docs/*.md resolve: the file exists, and
 * an anchor names a heading of the target (GitHub's slugs).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../scripts/testbed/paths.js';
import { documents } from './helpers/docs.js';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const withoutCode = (text: string) => text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');

function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug((m[1] ?? '').replace(/`/g, ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe('documentation links', () => {
  const docs = documents();

  it('docs - README links to every guide in docs/', () => {
    const readme = docs.find(([f]) => f === 'README.md')?.[1] ?? '';
    for (const [file] of docs.slice(1))
      assert.ok(readme.includes(`](${file})`), `README links to ${file}`);
  });

  it('docs/design.md - the "Source layout" table names every folder of lib/', () => {
    const design = docs.find(([f]) => f === 'docs/design.md')?.[1] ?? '';
    const table = design.split('## Source layout')[1] ?? '';
    assert.ok(table.includes('| layer | where | holds |'), 'docs/design.md has the table');
    const folders = readdirSync(join(projectRoot, 'lib'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const missing = folders.filter(
      (f) => !table.includes(`lib/${f}/`) && !table.includes(`\`${f}/\``),
    );
    assert.deepEqual(missing, []);
  });

  for (const [file, text] of docs) {
    it(`docs - every relative link and anchor in ${file} resolves`, () => {
      const links = [...withoutCode(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
      const broken: string[] = [];
      for (const link of links) {
        if (/^[a-z]+:/i.test(link)) continue; // https:, mailto:
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? file : normalize(join(dirname(file), path));
        if (!existsSync(join(projectRoot, target))) {
          broken.push(`${link}: no file ${target}`);
          continue;
        }
        if (
          anchor !== undefined &&
          !anchors(readFileSync(join(projectRoot, target), 'utf8')).has(anchor)
        )
          broken.push(`${link}: no heading #${anchor} in ${target}`);
      }
      assert.ok(links.length > 0 || file !== 'README.md', 'the README has links');
      assert.deepEqual(broken, []);
    });
  }
});
