import t from 'tap';
import { buildSeason, computeFinalSettlement, type AccountSeasonFacts } from '../../src/core/index.js';
import { DEFAULT_SEASON } from '../helpers/season.js';

const season = buildSeason(DEFAULT_SEASON);
const upfront = buildSeason({ ...DEFAULT_SEASON, flatBilling: 'upfront' });

/** 99 m², closing 2026-01-20: 66 of 212 service days, prorated cap 107,873 fen. */
const closing = (extra: Partial<AccountSeasonFacts> = {}): AccountSeasonFacts => ({
  plan: 'metered',
  areaM2: '99.00',
  openedOn: '2024-05-01',
  closedOn: '2026-01-20',
  season,
  ...extra,
});
const kinds = (lines: readonly { kind: string; amountFen: number }[]) => lines.map((l) => [l.kind, l.amountFen]);

t.test('metered: billed above the prorated cap comes back as a credit', async (t) => {
  // Nov + Dec were billed against the full cap: 49,500 + 85,800 = 135,300 > 107,873.
  const f = computeFinalSettlement(closing(), { startValue: '18100', endValue: '18400' }, { usageFen: 135300, flatFen: 0 });
  t.equal(f.capFen, 107873);
  t.equal(f.fullCapFen, 346500);
  t.equal(f.coveredDays, 66);
  t.strictSame(kinds(f.lines), [
    ['usage', 9900],
    ['cap', -9900],
    ['final_settlement', -27427],
  ]);
  t.equal(f.totalFen, -27427, 'a credit');
  t.equal(135300 + f.totalFen, 107873, 'season total = prorated cap');
  t.equal(f.capped, true);
  t.equal(f.lines[0]?.description, '用量 Usage to 2026-01-20: 300 × 0.33');
  t.equal(f.lines[2]?.description, '结算退还 Final settlement credit (billed 1353.00 CNY > cap 1078.73 CNY, 66/212 days)');
});

t.test('metered: under the prorated cap the closing usage is billed in full', async (t) => {
  const f = computeFinalSettlement(closing(), { startValue: '0', endValue: '1000' }, { usageFen: 49500, flatFen: 0 });
  t.strictSame(kinds(f.lines), [
    ['usage', 33000],
    ['final_settlement', 0],
  ]);
  t.equal(f.totalFen, 33000);
  t.equal(f.capped, false);
  t.equal(f.lines[1]?.description, '结算 Final settlement (cap 1078.73 CNY, 66/212 days)');
});

t.test('metered: the prorated cap bites on the closing usage', async (t) => {
  const f = computeFinalSettlement(closing(), { startValue: '0', endValue: '1000' }, { usageFen: 100000, flatFen: 0 });
  t.strictSame(kinds(f.lines), [
    ['usage', 33000],
    ['cap', -25127],
    ['final_settlement', 0],
  ]);
  t.equal(100000 + f.totalFen, 107873);
  const adj = computeFinalSettlement(closing(), { startValue: '0', endValue: '1000' }, { usageFen: 100000, flatFen: 0 }, [
    { amountFen: 5000, description: 'correction' },
  ]);
  t.strictSame(kinds(adj.lines), [
    ['usage', 33000],
    ['cap', -30127],
    ['final_settlement', 0],
    ['adjustment', 5000],
  ]);
  t.equal(100000 + adj.totalFen, 107873, 'a usage adjustment counts toward the prorated cap');
});

t.test('metered: no closing reading newer than the last invoice', async (t) => {
  const f = computeFinalSettlement(closing(), { startValue: '18100', endValue: null }, { usageFen: 49500, flatFen: 0 });
  t.equal(f.noReading, true);
  t.equal(f.totalFen, 0);
  t.throws(() => computeFinalSettlement(closing(), null, { usageFen: 0, flatFen: 0 }), { message: /needs a usage input/ });
});

t.test('flat: prorated fee minus installments already billed', async (t) => {
  const f = computeFinalSettlement(closing({ plan: 'flat' }), null, { usageFen: 0, flatFen: 26151 + 50667 });
  t.strictSame(kinds(f.lines), [['final_settlement', 31055]]);
  t.equal(f.lines[0]?.description, '结算 Final settlement: 一口价 flat fee 1078.73 CNY (66/212 days) − 已计费 billed 768.18 CNY');
  const credit = computeFinalSettlement(closing({ plan: 'flat', season: upfront }), null, { usageFen: 0, flatFen: 346500 });
  t.equal(credit.totalFen, 107873 - 346500, 'upfront fee billed: the rest is credited');
  const withAdj = computeFinalSettlement(closing({ plan: 'flat' }), null, { usageFen: 0, flatFen: 76818 }, [
    { amountFen: 1000, description: 'flat correction', appliesTo: 'flat' },
  ]);
  t.strictSame(kinds(withAdj.lines), [
    ['final_settlement', 30055],
    ['adjustment', 1000],
  ]);
  t.equal(76818 + withAdj.totalFen, 107873);
});

t.test('occupancies entirely inside or outside the season', async (t) => {
  const inside = computeFinalSettlement(closing({ plan: 'flat', openedOn: '2026-01-10', closedOn: '2026-06-20' }), null, {
    usageFen: 0,
    flatFen: 0,
  });
  t.equal(inside.coveredDays, 69, '22 + 28 + 14 + 5');
  t.equal(inside.totalFen, 112776, 'round(346500 × 69 / 212) = round(112775.94)');
  const before = computeFinalSettlement(closing({ plan: 'flat', openedOn: '2025-09-01', closedOn: '2025-10-01' }), null, {
    usageFen: 0,
    flatFen: 0,
  });
  t.equal(before.capFen, 0);
  t.equal(before.totalFen, 0);
  t.throws(() => computeFinalSettlement(closing({ closedOn: null }), { startValue: '0', endValue: '1' }, { usageFen: 0, flatFen: 0 }), {
    message: /needs closedOn/,
  });
});
