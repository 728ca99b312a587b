/** The publish progress line: its text, and when it is shown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressMode, renderProgress } from '../../lib/cli/progress.js';

describe('cli progress', () => {
  it('renderProgress - a bar and percentage when the input size is known', () => {
    assert.equal(
      renderProgress({ read: 500, acked: 480, inFlight: 20, bytes: 50, totalBytes: 100 }, 2000),
      '[############------------]  50%  read 500  acked 480  in flight 20  240 msg/s  2.0 s',
    );
    assert.match(
      renderProgress({ read: 9, acked: 9, inFlight: 0, bytes: 100, totalBytes: 100 }, 1000),
      /^\[#{24}\] 100% {2}read 9/,
    );
  });

  it('renderProgress - counts and rate only when the size is unknown', () => {
    assert.equal(
      renderProgress(
        { read: 12_345, acked: 12_000, inFlight: 256, bytes: 1, totalBytes: undefined },
        4000,
      ),
      'read 12345  acked 12000  in flight 256  3,000 msg/s  4.0 s',
    );
    assert.match(
      renderProgress({ read: 0, acked: 0, inFlight: 0, bytes: 0, totalBytes: 0 }, 0),
      /^read 0 .* 0 msg\/s {2}0\.0 s$/,
    );
  });

  it('progressMode - redrawn on a terminal, lines on request, off on request', () => {
    const off = { progress: false, noProgress: false };
    assert.equal(progressMode({ isTTY: true }, off), 'redraw');
    assert.equal(progressMode({ isTTY: false }, off), 'off');
    assert.equal(progressMode({}, { progress: true, noProgress: false }), 'lines');
    assert.equal(progressMode({ isTTY: true }, { progress: true, noProgress: true }), 'off');
  });
});
