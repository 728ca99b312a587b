/**
 * Child process for the decompression specs: decompresses the file named by
 * argv[2] with method argv[3] under the cap argv[4] (bytes), then prints one
 * JSON line: { outcome, bytes?, code?, peakRssMiB }. Peak RSS is the
 * process's maxRSS, so it covers the whole run.
 */
import { readFileSync } from 'node:fs';
import { decompress, isCompressionMethod } from '../../lib/compression.js';
import { LiftbridgeError } from '../../lib/errors.js';

const [file, method, cap] = process.argv.slice(2);
if (!file || !method || !isCompressionMethod(method)) throw new Error('usage: file method cap');
const value = readFileSync(file);
const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);
try {
  const out = await decompress(value, method, Number(cap));
  console.log(
    JSON.stringify({ outcome: 'inflated', bytes: out.byteLength, peakRssMiB: peakRssMiB() }),
  );
} catch (err) {
  const code = err instanceof LiftbridgeError ? err.code : String(err);
  console.log(
    JSON.stringify({ outcome: 'failed', code, message: String(err), peakRssMiB: peakRssMiB() }),
  );
}
