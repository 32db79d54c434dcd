/** Who is calling. Scope is enforced in queries from these ids, never by filtering loaded rows. */
export type Principal =
  | { role: 'admin'; actor: string }
  | { role: 'operator'; actor: string; providerId: string; tokenId: string }
  | { role: 'resident'; actor: string; accountId: string; tokenId: string };

export type Role = Principal['role'];

/** The provider whose compounds the caller may see; undefined means all (admin). Residents see no compound. */
export function providerScope(principal: Principal): string | undefined {
  return principal.role === 'operator' ? principal.providerId : undefined;
}
