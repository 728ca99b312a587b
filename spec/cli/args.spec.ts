/** Command line parsing: the command among global options, per-command options, negative numbers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  flag,
  listOption,
  type OptionSpecs,
  parseCommandLine,
  stringOption,
} from '../../lib/cli/args.js';
import { UsageError } from '../../lib/cli/exit-codes.js';

const TAIL: OptionSpecs = {
  from: { type: 'string', help: '' },
  'no-follow': { type: 'boolean', help: '' },
  header: { type: 'string', multiple: true, help: '' },
};
const optionsOf = (command: string) => (command === 'tail' ? TAIL : {});

describe('cli args', () => {
  it('parseCommandLine - global options before or after the command', () => {
    const before = parseCommandLine(
      ['--brokers', 'a:1', '--json', 'tail', 'orders', '--from', 'earliest'],
      optionsOf,
    );
    assert.equal(before.command, 'tail');
    assert.deepEqual(before.positionals, ['orders']);
    assert.equal(stringOption(before.values, 'brokers'), 'a:1');
    assert.equal(flag(before.values, 'json'), true);
    assert.equal(stringOption(before.values, 'from'), 'earliest');
    const after = parseCommandLine(['tail', 'orders', '--brokers=a:1', '--no-follow'], optionsOf);
    assert.equal(after.command, 'tail');
    assert.equal(stringOption(after.values, 'brokers'), 'a:1');
    assert.equal(flag(after.values, 'no-follow'), true);
  });

  it('parseCommandLine - a global option value that looks like a command is a value', () => {
    const parsed = parseCommandLine(['--timeout', 'tail', 'tail', 'x'], optionsOf);
    assert.equal(parsed.command, 'tail');
    assert.equal(stringOption(parsed.values, 'timeout'), 'tail');
    assert.deepEqual(parsed.positionals, ['x']);
  });

  it('parseCommandLine - negative numbers are positionals, not options', () => {
    const parsed = parseCommandLine(['cursor', 'set', 's', 'c', '-1'], () => ({}));
    assert.deepEqual(parsed.positionals, ['set', 's', 'c', '-1']);
  });

  it('parseCommandLine - repeatable options collect every value', () => {
    const parsed = parseCommandLine(['tail', 'x', '--header', 'a=1', '--header', 'b=2'], optionsOf);
    assert.deepEqual(listOption(parsed.values, 'header'), ['a=1', 'b=2']);
    assert.deepEqual(listOption(parsed.values, 'from'), []);
  });

  it('parseCommandLine - no command: only global options', () => {
    const parsed = parseCommandLine(['--help'], optionsOf);
    assert.equal(parsed.command, undefined);
    assert.equal(flag(parsed.values, 'help'), true);
    assert.equal(flag(parseCommandLine(['-h'], optionsOf).values, 'help'), true);
  });

  it('parseCommandLine - an unknown option is a UsageError naming it and the command', () => {
    assert.throws(
      () => parseCommandLine(['tail', 'x', '--bogus'], optionsOf),
      (err) =>
        err instanceof UsageError &&
        err.message === "unknown option '--bogus'" &&
        err.command === 'tail',
    );
    // Options of one command are unknown to another.
    assert.throws(() => parseCommandLine(['streams', '--from', 'x'], optionsOf), UsageError);
  });

  it('parseCommandLine - a string option without its value is a UsageError', () => {
    assert.throws(() => parseCommandLine(['tail', 'x', '--from'], optionsOf), UsageError);
  });
});
