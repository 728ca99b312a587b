/**
 * The "Command line" guide's examples (docs/cli.md) are run by the tests: every ```sh
 * block of the section runs, in order, in one bash session against a real
 * server, with `liftbridge-rx` on PATH (the built bin). Comment lines right
 * under a command are its expected output (stdout and stderr as a terminal
 * shows them; runs of blanks match any blanks, `...` matches anything, a
 * `# ...` line any number of lines); each command must exit 0.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { projectRoot } from '../../scripts/testbed/paths.js';
import { bash, CLI } from '../cli/run-cli.js';
import { uniqueName, useServer } from '../helpers/server.js';

interface Step {
  command: string;
  expected: string[];
}

/** The sh blocks of docs/cli.md, as commands with their expected output. */
function readmeSteps(substitute: (text: string) => string): Step[] {
  const section = readFileSync(join(projectRoot, 'docs', 'cli.md'), 'utf8');
  const steps: Step[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of substitute(block[1] ?? '').split('\n')) {
      if (line.trim() === '') continue;
      const last = steps[steps.length - 1];
      if (line.startsWith('#')) {
        assert.ok(last, `output before any command: ${line}`);
        last.expected.push(line.replace(/^# ?/, ''));
      } else steps.push({ command: line, expected: [] });
    }
  }
  return steps;
}

function linePattern(expected: string): RegExp {
  const parts = expected
    .trim()
    .split('...')
    .map((part) =>
      part
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .split(/\s+/)
        .join('\\s+'),
    );
  return new RegExp(`^\\s*${parts.join('.*')}\\s*$`);
}

/** Expected lines against actual ones, in full; a `...` line skips any number. */
function matches(expected: string[], actual: string[]): boolean {
  const [first, ...rest] = expected;
  if (first === undefined) return actual.length === 0;
  if (first.trim() === '...') {
    for (let skip = 0; skip <= actual.length; skip++) {
      if (matches(rest, actual.slice(skip))) return true;
    }
    return false;
  }
  const [line, ...others] = actual;
  return line !== undefined && linePattern(first).test(line) && matches(rest, others);
}

describe('docs/cli.md command line examples', { timeout: 300_000 }, async () => {
  const server = await useServer();
  const bin = mkdtempSync(join(tmpdir(), 'liftbridge-rx-bin-'));
  after(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(
    join(bin, 'liftbridge-rx'),
    `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`,
  );
  chmodSync(join(bin, 'liftbridge-rx'), 0o755);
  // Names no other run uses (the server may be a shared cluster).
  const stream = uniqueName('clicks');
  const missing = uniqueName('no-such-stream');
  const steps = readmeSteps((text) =>
    text
      .replaceAll('127.0.0.1:9292', server.brokers.join(','))
      .replace(/\bclicks\b/g, stream)
      .replaceAll('no-such-stream', missing),
  );

  it('docs/cli.md - the command line guide has examples with expected output', () => {
    assert.ok(steps.length >= 10, `${steps.length} commands`);
    assert.ok(steps.filter((s) => s.expected.length > 0).length >= 8);
    for (const command of [
      'create',
      'publish',
      'tail',
      'cursor get',
      'streams',
      'metadata',
      'delete',
    ]) {
      assert.ok(
        steps.some((s) => s.command.includes(`liftbridge-rx ${command}`)),
        `an example of ${command}`,
      );
    }
  });

  it('docs/cli.md - every command line example runs and prints what the guide shows', async () => {
    const marker = (i: number) => `@@step ${i} `;
    const script = [
      'set -o pipefail',
      ...steps.map(
        (step, i) => `{ ${step.command}\n} 2>&1; s=$?; printf '\\n${marker(i)}%s\\n' "$s"`,
      ),
    ].join('\n');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    delete env['LIFTBRIDGE_BROKERS'];
    const res = await bash(script, env, bin, 200_000);
    let rest = res.stdout;
    steps.forEach((step, i) => {
      const at = rest.indexOf(`\n${marker(i)}`);
      assert.ok(at >= 0, `${step.command}\ndid not finish (${res.signal ?? res.code}):\n${rest}`);
      const output = rest.slice(0, at);
      const status = /^(\d+)/.exec(rest.slice(at + 1 + marker(i).length))?.[1];
      rest = rest.slice(rest.indexOf('\n', at + 1) + 1);
      assert.equal(status, '0', `${step.command} exited ${status}:\n${output}`);
      const actual = output.split('\n').filter((l) => l !== '');
      assert.ok(
        matches(step.expected, actual),
        `${step.command}\nexpected:\n${step.expected.join('\n')}\nactual:\n${actual.join('\n')}`,
      );
    });
    assert.equal(res.code, 0, res.stderr);
  });
});
