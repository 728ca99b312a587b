/**
 * The "How errors are classified" table (docs/errors.md) is what the classifier
 * does: every row, with its example message, in every phase it names.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { type CallPhase, fromGrpcError } from '../../lib/internal/grpc/status.js';
import { projectRoot } from '../../scripts/testbed/paths.js';

const PHASES: CallPhase[] = ['unary', 'subscribe-setup', 'subscribe-stream', 'publish'];
/** Statuses the table's "any other" row stands for. */
const OTHERS = ['ABORTED', 'DATA_LOSS', 'UNIMPLEMENTED'];

interface Row {
  statuses: string[];
  phases: CallPhase[];
  example: string;
  code: string;
  retriable: boolean;
}

function tableRows(): Row[] {
  const readme = readFileSync(join(projectRoot, 'docs', 'errors.md'), 'utf8');
  const section = readme.split('# How errors are classified')[1]?.split('\n\n|')[1];
  assert.ok(section, 'docs/errors.md has the table');
  const lines = `|${section}`.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((line) => {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const [statuses = '', phases = '', example = '', code = '', retriable = ''] = cells;
    return {
      statuses: statuses === 'any other' ? OTHERS : statuses.split(', '),
      phases: phases === 'any' ? PHASES : (phases.split(', ') as CallPhase[]),
      example: example.replace(/^`|`$/g, ''),
      code,
      retriable: retriable === 'yes',
    };
  });
}

describe('error table', () => {
  const rows = tableRows();

  it('error table - the docs/errors.md table has a row for every gRPC status the server sends', () => {
    assert.ok(rows.length >= 20, `${rows.length} rows`);
    const named = new Set(rows.flatMap((r) => r.statuses));
    for (const s of ['NOT_FOUND', 'ALREADY_EXISTS', 'FAILED_PRECONDITION', 'INTERNAL', 'UNKNOWN']) {
      assert.ok(named.has(s), s);
    }
    for (const r of rows) {
      for (const phase of r.phases) assert.ok(PHASES.includes(phase), `phase ${phase}`);
      assert.match(r.code, /^[A-Z_]+$/);
    }
  });

  for (const row of rows) {
    it(`error table - ${row.statuses.join('/')} "${row.example}" (${row.phases.join(', ')}) -> ${row.code}, retriable ${row.retriable}`, () => {
      for (const name of row.statuses) {
        const code = status[name as keyof typeof status];
        assert.equal(typeof code, 'number', `gRPC status ${name}`);
        for (const phase of row.phases) {
          const cause = Object.assign(new Error(row.example), {
            code,
            details: row.example,
            metadata: new Metadata(),
          });
          const err = fromGrpcError(cause, phase, 'Call');
          assert.equal(err.code, row.code, `${name} in ${phase}`);
          assert.equal(err.retriable, row.retriable, `${name} in ${phase}: retriable`);
        }
      }
    });
  }
});
