import t from 'tap';
import {
  buildSeason,
  computeFinalSettlement,
  parseQuantity,
  type AccountSeasonFacts,
  type FinalSeason,
  type MeterUsage,
} from '../../src/core/index.js';
import { usage } from '../helpers/ledger.js';
import { DEFAULT_SEASON, DEFAULT_WINDOWS } from '../helpers/season.js';

const season = buildSeason(DEFAULT_SEASON);
const upfront = buildSeason({ ...DEFAULT_SEASON, flatBilling: 'upfront' });
const next = buildSeason({
  label: '2026-27',
  heating: { start: '2026-11-15', end: '2027-03-15' },
  cooling: { start: '2027-06-15', end: '2027-09-15' },
  unitRate: '0.33',
  capPerM2: '35',
});

/** 99 m², closing 2026-01-20: 66 of 212 service days, prorated cap 107,873 fen. */
const closing = (extra: Partial<AccountSeasonFacts> = {}): AccountSeasonFacts => ({
  plan: 'metered',
  areaM2: '99.00',
  openedOn: '2024-05-01',
  closedOn: '2026-01-20',
  season,
  ...extra,
});
const units = (...u: string[]) => u.map((x) => parseQuantity(x));
const one = (
  facts: AccountSeasonFacts,
  billedFen: number,
  billedUnits: bigint[],
  closingUsage: MeterUsage | null,
  adjustments: FinalSeason['adjustments'] = [],
) =>
  computeFinalSettlement(facts.closedOn as string, [{ facts, billedFen, billedUnits, usage: closingUsage, adjustments, required: true }]);
const kinds = (lines: readonly { kind: string; amountFen: number }[]) => lines.map((l) => [l.kind, l.amountFen]);

t.test('metered: billed above the prorated cap comes back as a credit', async (t) => {
  // Nov + Dec were billed against the full cap: 49,500 + 85,800 = 135,300 > 107,873.
  const f = one(closing(), 135300, units('1500', '2600'), usage('18100', '18400'));
  const s = f.seasons[0];
  t.equal(s?.capFen, 107873);
  t.equal(s?.fullCapFen, 346500);
  t.equal(s?.coveredDays, 66);
  t.strictSame(kinds(f.lines), [
    ['usage', 9900],
    ['cap', -9900],
    ['final_settlement', -27427],
  ]);
  t.equal(f.totalFen, -27427, 'a credit');
  t.equal(f.status, 'paid', 'a credit is issued settled');
  t.equal(135300 + f.totalFen, 107873, 'season total = prorated cap');
  t.equal(f.capped, true);
  t.equal(f.lines[0]?.description, '用量 Usage to 2026-01-20: 300 × 0.33');
  t.equal(f.lines[2]?.description, '结算退还 Final settlement credit 2025-26 (billed 1353.00 CNY, cap 1078.73 CNY, 66/212 days)');
  t.equal(f.intervals.length, 1);
  t.equal(f.intervals[0]?.seasonLabel, '2025-26');
});

t.test('metered: under the prorated cap the closing usage is billed in full', async (t) => {
  const f = one(closing(), 49500, units('1500'), usage('0', '1000'));
  t.strictSame(kinds(f.lines), [
    ['usage', 33000],
    ['final_settlement', 0],
  ]);
  t.equal(f.totalFen, 33000);
  t.equal(f.capped, false);
  t.equal(f.lines[1]?.description, '结算 Final settlement 2025-26 (cap 1078.73 CNY, 66/212 days)');
});

t.test('metered: the prorated cap bites on the closing usage', async (t) => {
  // 100,000 fen billed from 3030.303 units (99,999.999 → 100,000 fen gross).
  const billedUnits = units('3030.303');
  const f = one(closing(), 100000, billedUnits, usage('0', '1000'));
  t.strictSame(kinds(f.lines), [
    ['usage', 33000],
    ['cap', -25127],
    ['final_settlement', 0],
  ]);
  t.equal(100000 + f.totalFen, 107873);
  const adj = one(closing(), 100000, billedUnits, usage('0', '1000'), [
    { amountFen: 5000, description: 'correction', seasonLabel: '2025-26' },
  ]);
  t.strictSame(kinds(adj.lines), [
    ['usage', 33000],
    ['cap', -30127],
    ['final_settlement', 0],
    ['adjustment', 5000],
  ]);
  t.equal(100000 + adj.totalFen, 107873, 'an adjustment of the season counts toward the prorated cap');
});

t.test('metered: no closing reading newer than the last invoice', async (t) => {
  const f = one(closing(), 49500, units('1500'), usage('18100', null));
  t.equal(f.noReading, true);
  t.equal(f.totalFen, 0);
});

t.test('metered, reported late: usage billed beyond the closing reading is credited back with its cap room', async (t) => {
  // Billed Nov 1000, Dec 1000, Jan 1000 units; the resident left on 2026-01-20 at 2600: 400 back.
  const billed = units('1000', '1000', '1000');
  const f = one(closing(), 99000, billed, usage('3000', '2600'));
  t.strictSame(kinds(f.lines), [
    ['usage', -13200],
    ['final_settlement', 0],
  ]);
  t.equal(f.lines[0]?.description, '用量 Usage credited back to 2026-01-20: -400 × 0.33');
  t.equal(f.usageUnits, -400000n);
  t.equal(99000 + f.totalFen, 2600 * 33, 'the season bills exactly the usage of the occupancy');
  // Capped before: the credit only frees what exceeded the prorated cap.
  const heavy = one(closing(), 107873 + 20000, units('1500', '2600', '3000'), usage('7100', '6600'));
  t.equal(127873 + heavy.totalFen, 107873, 'still above the prorated cap after the credit: the season is the cap');
  const light = one(closing(), 107873, units('1500', '2600', '3000'), usage('7100', '2000'));
  t.equal(107873 + light.totalFen, 2000 * 33, 'below the cap after the credit: the usage');
});

t.test('flat: prorated fee minus installments already billed', async (t) => {
  const f = one(closing({ plan: 'flat' }), 26151 + 50667, [], null);
  t.strictSame(kinds(f.lines), [['final_settlement', 31055]]);
  t.equal(f.lines[0]?.description, '结算 Final settlement 2025-26: 一口价 flat fee 1078.73 CNY (66/212 days) − 已计费 billed 768.18 CNY');
  const credit = one(closing({ plan: 'flat', season: upfront }), 346500, [], null);
  t.equal(credit.totalFen, 107873 - 346500, 'upfront fee billed: the rest is credited');
  const withAdj = one(closing({ plan: 'flat' }), 76818, [], null, [
    { amountFen: 1000, description: 'flat correction', seasonLabel: '2025-26' },
  ]);
  t.strictSame(kinds(withAdj.lines), [
    ['final_settlement', 30055],
    ['adjustment', 1000],
  ]);
  t.equal(76818 + withAdj.totalFen, 107873);
});

t.test('two seasons: each settled against its own prorated cap or fee, one line each', async (t) => {
  // Open since 2024, closed 2026-11-20: 2025-26 fully covered, September never billed; 2026-27: 5 of 212 days.
  const closedOn = '2026-11-20';
  const old = { ...closing({ plan: 'flat', closedOn }), season };
  const cur = { ...closing({ plan: 'flat', closedOn }), season: next };
  const f = computeFinalSettlement(closedOn, [
    { facts: old, billedFen: 346500 - 22882, billedUnits: [], usage: null, adjustments: [], required: true },
    { facts: cur, billedFen: 0, billedUnits: [], usage: null, adjustments: [], required: true },
  ]);
  t.strictSame(
    f.lines.map((l) => [l.kind, l.seasonLabel, l.amountFen]),
    [
      ['final_settlement', '2025-26', 22882],
      ['final_settlement', '2026-27', Math.round((346500 * 5) / 212)],
    ],
  );
  t.strictSame(
    f.seasons.map((s) => [s.seasonLabel, s.targetFen]),
    [
      ['2025-26', 346500],
      ['2026-27', 8172],
    ],
  );
  // Metered: September's usage is priced in 2025-26, the rest against 2026-27's small prorated cap.
  const m = computeFinalSettlement(closedOn, [
    {
      facts: { ...old, plan: 'metered' },
      billedFen: 300000,
      billedUnits: units('9090.909'),
      usage: usage('9000', '9100'),
      adjustments: [],
      required: true,
    },
    { facts: { ...cur, plan: 'metered' }, billedFen: 0, billedUnits: [], usage: usage('9100', '9400'), adjustments: [], required: true },
  ]);
  t.strictSame(
    m.lines.map((l) => [l.kind, l.seasonLabel, l.amountFen]),
    [
      ['usage', '2025-26', 3300],
      ['final_settlement', '2025-26', 0],
      ['usage', '2026-27', 9900],
      ['cap', '2026-27', 8172 - 9900],
      ['final_settlement', '2026-27', 0],
    ],
  );
  t.equal(m.lines[0]?.description, '用量 Usage 2025-26: 100 × 0.33');
  t.equal(m.lines[2]?.description, '用量 Usage to 2026-11-20: 300 × 0.33');
});

t.test('a season with nothing to settle is left out unless required', async (t) => {
  const facts = closing({ plan: 'flat', closedOn: '2026-11-20' });
  const f = computeFinalSettlement('2026-11-20', [
    { facts, billedFen: 346500, billedUnits: [], usage: null, adjustments: [], required: false },
    { facts: { ...facts, season: next }, billedFen: 0, billedUnits: [], usage: null, adjustments: [], required: true },
  ]);
  t.strictSame(
    f.seasons.map((s) => s.seasonLabel),
    ['2026-27'],
    'fully billed 2025-26 is not repeated',
  );
  t.throws(
    () =>
      computeFinalSettlement('2026-11-20', [{ facts, billedFen: 346500, billedUnits: [], usage: null, adjustments: [], required: false }]),
    {
      message: /at least one season/,
    },
  );
});

t.test('occupancies entirely inside or outside the season', async (t) => {
  const inside = one(closing({ plan: 'flat', openedOn: '2026-01-10', closedOn: '2026-06-20' }), 0, [], null);
  t.equal(inside.seasons[0]?.coveredDays, 69, '22 + 28 + 14 + 5');
  t.equal(inside.totalFen, 112776, 'round(346500 × 69 / 212) = round(112775.94)');
  const before = one(closing({ plan: 'flat', openedOn: '2025-09-01', closedOn: '2025-10-01' }), 0, [], null);
  t.equal(before.seasons[0]?.capFen, 0);
  t.equal(before.totalFen, 0);
  t.throws(() => one(closing({ closedOn: null }), 0, [], usage('0', '1')), { message: /needs closedOn/ });
  t.equal(DEFAULT_WINDOWS.label, season.label);
});
