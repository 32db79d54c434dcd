/**
 * Who may do what, in one place (SPEC §7): a route declares the roles it serves (`config.roles`,
 * checked by `assertRole` in the auth plugin's onRequest hook: 403 for any other role), and every
 * query that loads rows for a caller filters them here, in the query, never by filtering loaded
 * rows: an admin sees all, an operator its own provider's compounds, a resident its own account
 * (and that account's household); a row outside the scope is answered 404 like a missing one.
 * Two forms of the one filter: `inScope` for Kysely, `scopeSql` for the raw SQL of named statements.
 */
import { sql, type Expression, type ExpressionBuilder, type ReferenceExpression, type SqlBool } from 'kysely';
import type { NamedStatement } from '../db/sql.js';
import { forbidden } from '../http/problem.js';
import type { Principal, Role } from './principal.js';

const ROLES: readonly Role[] = ['admin', 'operator', 'resident'];

/** The route hook's check: the caller's role must be one the route declares. */
export function assertRole(roles: readonly Role[], principal: Principal): void {
  if (!roles.includes(principal.role)) throw forbidden(`This route is not available to the ${principal.role} role.`);
}

/** Residents read their own account and change nothing: to a write, every row is outside their scope. */
export function mayWrite(principal: Principal): boolean {
  return principal.role !== 'resident';
}

/**
 * The provider a new record (a compound, a webhook endpoint) is created under (SPEC §7): an
 * operator's own (naming another: 403 with `refusal`), an admin's as named.
 */
export function creatingProvider<T extends string | null | undefined>(principal: Principal, named: T, refusal: string): string | T {
  if (principal.role !== 'operator') return named;
  if (named !== undefined && named !== null && named !== principal.providerId) throw forbidden(refusal);
  return principal.providerId;
}

/**
 * The columns a scoped query is filtered on: the provider owning the row's compound, and the
 * row's account, or else its household (a resident sees their account's household). Without
 * either, residents see no row of that kind.
 */
export interface ScopeRefs<DB, TB extends keyof DB> {
  provider: ReferenceExpression<DB, TB>;
  account?: ReferenceExpression<DB, TB>;
  household?: ReferenceExpression<DB, TB>;
}

/** The scope as a Kysely predicate: `.where((eb) => inScope(eb, principal, { provider: 'c.provider_id', account: 'a.id' }))`. */
export function inScope<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  principal: Principal,
  refs: ScopeRefs<DB, TB>,
): Expression<SqlBool> {
  if (principal.role === 'admin') return sql<SqlBool>`true`;
  if (principal.role === 'operator') return eb(refs.provider, '=', principal.providerId as never);
  if (refs.account !== undefined) return eb(refs.account, '=', principal.accountId as never);
  if (refs.household !== undefined) {
    return eb(refs.household, '=', sql`(SELECT household_id FROM accounts WHERE id = ${principal.accountId})` as never);
  }
  return sql<SqlBool>`false`;
}

/** The SQL columns of the raw form: the provider's and the account's. */
export interface ScopeColumns {
  provider: string;
  account: string;
}

/** The scope as SQL text for a role, its one value bound at `param` (see scopeValues); '' for admins. */
export function scopeSql(role: Role, columns: ScopeColumns, param: string): string {
  if (role === 'admin') return '';
  if (role === 'operator') return `AND ${columns.provider} = ${param}`;
  return `AND ${columns.account} = ${param}`;
}

/** The values scopeSql's text binds for this caller, appended after the statement's own. */
export function scopeValues(principal: Principal): unknown[] {
  if (principal.role === 'operator') return [principal.providerId];
  if (principal.role === 'resident') return [principal.accountId];
  return [];
}

/**
 * One named (prepared) statement per role for a raw-SQL read in scope: PostgreSQL plans each text
 * once per connection, and the scope is still a bound value, never spliced in.
 */
export function namedPerRole(
  name: (role: Role) => string,
  text: (scope: string) => string,
  columns: ScopeColumns,
  param: string,
): Record<Role, NamedStatement> {
  const statements = ROLES.map((role) => [role, { name: name(role), text: text(scopeSql(role, columns, param)) }]);
  return Object.fromEntries(statements) as Record<Role, NamedStatement>;
}
