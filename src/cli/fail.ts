import { ConfigError } from '../config.js';

/** Ends a command-line entry point with one clear line instead of a stack trace. */
export function exitWithError(error: unknown): never {
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error)?.message ?? String(error);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  process.exit(1);
}
