/**
 * `@nestjs/microservices` is an optional peer dependency that a fresh Nest
 * application does not have. It is loaded here, once, so that a missing
 * install fails with a message saying what to do rather than a bare
 * ERR_MODULE_NOT_FOUND from inside this package. (A static import would
 * fail while Node links the modules, before any code of ours could run.)
 * Loading goes through `require` (Node 20.19+ or 22.12+ load Nest's ESM
 * that way), so ESM and CommonJS builds share one module instance with the
 * application's own imports.
 */
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import type * as Microservices from '@nestjs/microservices';

/** This file's path, for a require that resolves as its imports would. */
function thisModule(): string {
  // CommonJS build: Node hands every module its __filename (`node -e` also
  // defines a global one, '[eval]', that an ES module would see).
  if (typeof __filename === 'string' && isAbsolute(__filename)) return __filename;
  // ESM build (no import.meta in a file also built as CommonJS): the call site's file.
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_err, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const file = sites[0]?.getFileName();
    if (file) return file;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
  return `${process.cwd()}/`;
}

/** A peer package, or an error telling how to install it. */
function peer<T>(name: string): T {
  try {
    return createRequire(thisModule())(name) as T;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(
      `liftbridge-rx/nestjs needs ${name}, an optional peer dependency that is not installed: run \`npm install ${name}\``,
      { cause: err },
    );
  }
}

/** `@nestjs/microservices`, loaded once. */
export const microservices: typeof Microservices = peer('@nestjs/microservices');
