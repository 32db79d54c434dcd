import { sql } from 'kysely';
import type { Database } from '../src/db/pool.js';
import { defaultSeason, SEED_COMPOUNDS, SEED_PAYMENT_DETAILS, SEED_PROVIDER_NAME, SEED_SEASON_YEARS } from './compounds.js';

/**
 * Loads the provider (with its payment details, unless it has some already), the eleven compounds
 * and their seasons; running it again changes nothing.
 */
export async function seedCompounds(db: Database): Promise<{ providerId: string; compoundsCreated: number }> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('heatpump-billing:seed'))`.execute(tx);
    let provider = await tx.selectFrom('providers').select('id').where('name', '=', SEED_PROVIDER_NAME).executeTakeFirst();
    provider ??= await tx.insertInto('providers').values({ name: SEED_PROVIDER_NAME }).returning('id').executeTakeFirstOrThrow();
    await tx.updateTable('providers').set(SEED_PAYMENT_DETAILS).where('id', '=', provider.id).where('payee_name', 'is', null).execute();
    const created = await tx
      .insertInto('compounds')
      .values(SEED_COMPOUNDS.map((c) => ({ ...c, provider_id: provider.id })))
      .onConflict((oc) => oc.column('code').doNothing())
      .returning('id')
      .execute();
    const compounds = await tx.selectFrom('compounds').select('id').where('code', 'in', SEED_COMPOUNDS.map((c) => c.code)).execute();
    await tx
      .insertInto('seasons')
      .values(compounds.flatMap((c) => SEED_SEASON_YEARS.map((year) => ({ compound_id: c.id, ...defaultSeason(year) }))))
      .onConflict((oc) => oc.columns(['compound_id', 'label']).doNothing())
      .execute();
    await tx
      .insertInto('audit_log')
      .values({ actor: 'seed', action: 'seed.compounds', entity: 'compound', details: JSON.stringify({ created: created.length }) })
      .execute();
    return { providerId: provider.id, compoundsCreated: created.length };
  });
}

/**
 * Demo households for every seeded compound that has none yet: areas 60–160 m², every fourth on the
 * flat plan, each with a meter, an account opened before the 2025-26 season and a reading at the end
 * of every month of that season (plausible usage: more in deep winter and high summer).
 */
export async function seedDemo(db: Database, householdsPerCompound = 24): Promise<{ households: number }> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('heatpump-billing:seed'))`.execute(tx);
    const result = await sql<{ households: number }>`
      WITH empty_compounds AS (
        SELECT c.id, row_number() OVER (ORDER BY c.code) AS compound_no
        FROM compounds c
        WHERE c.code IN (${sql.join(SEED_COMPOUNDS.map((c) => c.code))})
          AND NOT EXISTS (SELECT 1 FROM households h WHERE h.compound_id = c.id)
      ),
      new_households AS (
        INSERT INTO households (compound_id, building, unit, room, area_m2)
        SELECT e.id, ((n - 1) / 8 + 1)::text, ((n - 1) / 4 % 2 + 1)::text, (((n - 1) % 4 + 1) * 100 + (n - 1) / 8 + 1)::text,
               round(60 + ((n * 37 + e.compound_no * 11) % 1000) / 10.0, 2)
        FROM empty_compounds e CROSS JOIN generate_series(1, ${householdsPerCompound}) AS n
        ORDER BY e.compound_no, n
        RETURNING id, compound_id, area_m2, household_no
      ),
      new_meters AS (
        INSERT INTO meters (compound_id, household_id, serial, installed_at, initial_reading)
        SELECT compound_id, id, 'DEMO-' || lpad(household_no::text, 7, '0'), timestamptz '2025-10-01 00:00+08', (household_no * 131 % 5000)
        FROM new_households
        RETURNING id, compound_id, household_id, initial_reading
      ),
      new_accounts AS (
        INSERT INTO accounts (compound_id, household_id, holder_name, phone, opened_on, opening_reading)
        SELECT h.compound_id, h.id,
               (ARRAY['王','李','张','刘','陈','杨','黄','赵','周','吴'])[h.household_no % 10 + 1] ||
                 (ARRAY['伟','芳','娜','敏','静','磊','洋','艳','勇','军'])[h.household_no / 10 % 10 + 1],
               '138' || lpad((h.household_no * 7919 % 100000000)::text, 8, '0'), date '2025-11-01', m.initial_reading
        FROM new_households h JOIN new_meters m ON m.household_id = h.id
        RETURNING id, compound_id, household_id
      ),
      new_plans AS (
        INSERT INTO account_plans (account_id, compound_id, season_label, plan)
        SELECT a.id, a.compound_id, '2025-26', CASE WHEN h.household_no % 4 = 0 THEN 'flat' ELSE 'metered' END
        FROM new_accounts a JOIN new_households h ON h.id = a.household_id
        RETURNING account_id
      ),
      month_ends AS (
        SELECT month_no, (date '2025-12-01' + make_interval(months => month_no - 1) - interval '1 hour')::timestamp AS local_end,
               (ARRAY[1500, 2600, 3000, 2400, 900, 0, 0, 500, 1200, 1100, 0])[month_no] AS base_units
        FROM generate_series(1, 11) AS month_no
      ),
      new_readings AS (
        INSERT INTO readings (compound_id, meter_id, read_at, value, source)
        SELECT m.compound_id, m.id, me.local_end AT TIME ZONE 'Asia/Shanghai',
               m.initial_reading + sum(round(me.base_units * h.area_m2 / 99.0 * (0.7 + (h.household_no * 13 % 7) / 10.0), 1))
                 OVER (PARTITION BY m.id ORDER BY me.month_no),
               'automatic'
        FROM new_meters m JOIN new_households h ON h.id = m.household_id CROSS JOIN month_ends me
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM new_households)::int AS households,
             (SELECT count(*) FROM new_plans)::int AS plans,
             (SELECT count(*) FROM new_readings)::int AS readings`.execute(tx);
    const households = result.rows[0]?.households ?? 0;
    await tx
      .insertInto('audit_log')
      .values({ actor: 'seed', action: 'seed.demo', entity: 'household', details: JSON.stringify({ households }) })
      .execute();
    return { households };
  });
}
