/** Paths of the child-process scripts in this folder (compiled beside it). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled script `name` (without extension) of spec/helpers/exit. */
export function childScript(name: string): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), `${name}.js`);
}
