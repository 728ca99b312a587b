/**
 * The layer rules of the source tree (docs/design.md "Source layout"), read from
 * the sources themselves: where the wire libraries may be imported, who may
 * import the wire layer, what the core may not import, no raw timers in the
 * core, and file sizes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { projectRoot } from '../scripts/testbed/paths.js';

/** Packages (and generated modules) only lib/internal/grpc/ may import. */
const WIRE_LIBRARIES = ['@grpc/grpc-js', '@grpc/proto-loader', 'node:http2', 'protobufjs', 'long'];
const WIRE = 'lib/internal/grpc/';
const CORE = 'lib/internal/';

function sources(folder: string): string[] {
  const dir = join(projectRoot, folder);
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && statSync(join(dir, f)).isFile())
    .map((f) => posix.join(folder, f.split(/[\\/]/).join('/')))
    .sort();
}

const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8');

/** Every module a file imports: npm and node: names as they are, relative ones resolved to a .ts path. */
function imports(file: string): string[] {
  return ts
    .preProcessFile(read(file), true, true)
    .importedFiles.map(({ fileName }) =>
      fileName.startsWith('.')
        ? posix.normalize(posix.join(posix.dirname(file), fileName)).replace(/\.js$/, '.ts')
        : fileName,
    );
}

/** The string literals of a file naming a wire library (a lazy `createRequire` load). */
function namedLibraries(file: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) && WIRE_LIBRARIES.includes(node.text)) found.push(node.text);
    node.forEachChild(visit);
  };
  visit(ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, true));
  return found;
}

const isWireLibrary = (target: string) =>
  WIRE_LIBRARIES.some((lib) => target === lib || target.startsWith(`${lib}/`)) ||
  target.endsWith('.generated.ts');

const lib = sources('lib');
const handWritten = lib.filter((f) => !f.endsWith('.generated.ts'));

describe('architecture', () => {
  it('architecture - only lib/internal/grpc/ imports grpc-js, proto-loader, node:http2, protobufjs, long and generated files', () => {
    const found = lib.flatMap((file) =>
      file.startsWith(WIRE)
        ? []
        : imports(file)
            .filter(isWireLibrary)
            .map((t) => `${file}: ${t}`),
    );
    assert.deepEqual(found, []);
  });

  it('architecture - only lib/internal/grpc/ loads a wire library by name (createRequire), and load.ts loads each of them', () => {
    const found = lib.flatMap((file) =>
      file.startsWith(WIRE) ? [] : namedLibraries(file).map((name) => `${file}: '${name}'`),
    );
    assert.deepEqual(found, []);
    assert.deepEqual(
      [...new Set(namedLibraries('lib/internal/grpc/load.ts'))].sort(),
      [...WIRE_LIBRARIES].sort(),
    );
  });

  it('architecture - no module outside lib/internal/ imports lib/internal/grpc/ (lib/internal/wire.ts is the door)', () => {
    const found = lib.flatMap((file) =>
      file.startsWith(CORE)
        ? []
        : imports(file)
            .filter((t) => t.startsWith(WIRE))
            .map((t) => `${file}: ${t}`),
    );
    assert.deepEqual(found, []);
  });

  it('architecture - lib/internal/ imports neither lib/client.ts nor lib/options.ts', () => {
    const found = lib.flatMap((file) =>
      file.startsWith(CORE)
        ? imports(file)
            .filter((t) => t === 'lib/client.ts' || t === 'lib/options.ts')
            .map((t) => `${file}: ${t}`)
        : [],
    );
    assert.deepEqual(found, []);
  });

  it('architecture - no raw timers in lib/internal/ (time comes from an injected scheduler)', () => {
    const raw = /\b(setTimeout|setInterval|Date\.now|performance\.now)\s*\(/;
    // The scheduler that unrefs its timers is the one place a timer is made.
    const found = lib
      .filter((file) => file.startsWith(CORE) && file !== 'lib/internal/schedulers.ts')
      .flatMap((file) =>
        read(file)
          .split('\n')
          .map((line, i) => ({ line, i }))
          .filter(({ line }) => raw.test(line) && !/^\s*(\*|\/\/)/.test(line))
          .map(({ line, i }) => `${file}:${i + 1}: ${line.trim()}`),
      );
    assert.deepEqual(found, []);
  });

  it('architecture - lib/client.ts is a facade of at most 450 lines; no hand-written file in lib/ is over 600', () => {
    const lines = (file: string) => read(file).split('\n').length;
    assert.ok(lines('lib/client.ts') <= 450, `lib/client.ts: ${lines('lib/client.ts')} lines`);
    const big = handWritten.filter((f) => lines(f) > 600).map((f) => `${f}: ${lines(f)}`);
    assert.deepEqual(big, []);
  });

  it('the checker - sees a wire import where there is one', () => {
    assert.ok(imports('lib/internal/grpc/raw-call.ts').includes('node:http2'));
    assert.ok(imports('lib/options.ts').includes('lib/internal/wire.ts'));
    assert.ok(isWireLibrary('lib/internal/grpc/api-types.generated.ts'));
  });
});
