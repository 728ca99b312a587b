/**
 * Layers (docs: /work/shared/architecture.md): an integration is built on
 * the public surface alone, as a user of the package would build it. A file
 * under an integration folder may import Node built-ins, npm packages, files
 * of its own folder and `lib/index.ts`; no other module of `lib/`.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { projectRoot } from '../scripts/testbed/paths.js';

/** Integration folders (repository-relative): each may use only the public surface. */
const INTEGRATIONS = ['lib/nestjs', 'lib/cli', 'lib/testing', 'lib/sse', 'lib/otel'];

/**
 * Known exceptions, skipped for now (none left: the test kit shares the
 * client's validation and request planning through the public plan*
 * functions). Add a folder here only while it is being reworked.
 */
const PENDING: string[] = [];

/** The one module of `lib/` an integration may import. */
const SURFACE = 'lib/index.ts';

/** The package's own name: importing it from `lib/` would load a second copy (from dist/). */
const PACKAGE_NAME = 'liftbridge-rx';

/** Every module specifier in `source`: imports, `export ... from`, `import()`, `require()`. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** A relative specifier of `file` resolved to a repository-relative `.ts` path. */
function resolve(file: string, specifier: string): string {
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return target.replace(/\.(m|c)?js$/, '.$1ts');
}

/**
 * The imports of `file` (repository-relative, under `folder`) that break
 * the rule, each as "file: specifier (why)".
 */
function violations(folder: string, file: string, source: string): string[] {
  const found: string[] = [];
  for (const specifier of specifiers(source)) {
    if (specifier === PACKAGE_NAME || specifier.startsWith(`${PACKAGE_NAME}/`)) {
      found.push(`${file}: '${specifier}' (the package itself: import ${SURFACE} relatively)`);
      continue;
    }
    if (!specifier.startsWith('.')) continue; // node: built-ins and npm packages
    const target = resolve(file, specifier);
    if (target === SURFACE || target.startsWith(`${folder}/`)) continue;
    if (target.startsWith('lib/')) {
      found.push(`${file}: '${specifier}' (${target}; only ${SURFACE} is allowed)`);
    }
  }
  return found;
}

/** The TypeScript files under a repository-relative folder, repository-relative. */
function sources(folder: string): string[] {
  const dir = join(projectRoot, folder);
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && statSync(join(dir, f)).isFile())
    .map((f) => posix.join(folder, f.split(/[\\/]/).join('/')))
    .sort();
}

describe('layers', () => {
  it('the checker - resolves every kind of import, and allows only the surface and its own folder', () => {
    const file = 'lib/cli/commands/tail.ts';
    const source = [
      "import { LiftbridgeClient } from '../../index.js';",
      "import { flag } from '../args.js';",
      "import { readFileSync } from 'node:fs';",
      "import { map } from 'rxjs';",
      "import type { Message } from '../../message.js';",
      "export { ErrorCode } from '../../errors.js';",
      "const lazy = await import('../../internal/cluster.js');",
      "type Opt = import('../../options.js').ClientOptions;",
      "import { LiftbridgeError } from 'liftbridge-rx';",
      "import { fake } from '../../testing/index.js';",
    ].join('\n');
    assert.deepEqual(
      violations('lib/cli', file, source).map((v) => v.split(' ')[1]),
      [
        "'../../message.js'",
        "'../../errors.js'",
        "'../../internal/cluster.js'",
        "'../../options.js'",
        "'liftbridge-rx'",
        "'../../testing/index.js'",
      ],
    );
  });

  it('the table - names existing folders under lib/, and only those are pending', () => {
    for (const folder of INTEGRATIONS) {
      assert.match(folder, /^lib\/[^/]+$/);
      assert.ok(existsSync(join(projectRoot, folder)), `${folder} does not exist`);
      assert.ok(sources(folder).length > 0, `${folder} has no .ts files`);
    }
    for (const folder of PENDING) assert.ok(INTEGRATIONS.includes(folder), folder);
    assert.ok(existsSync(join(projectRoot, SURFACE)), SURFACE);
    assert.equal(dirname(SURFACE), 'lib');
  });

  for (const folder of INTEGRATIONS) {
    const pending = PENDING.includes(folder);
    it(
      `${folder} - imports nothing of lib/ but ${SURFACE} and its own files`,
      pending ? { skip: `${folder} is a known exception for now (PENDING)` } : {},
      () => {
        const found = sources(folder).flatMap((file) =>
          violations(folder, file, readFileSync(join(projectRoot, file), 'utf8')),
        );
        assert.deepEqual(found, [], `imports past the public surface:\n${found.join('\n')}`);
      },
    );
  }
});
