import t from 'tap';
import fc from 'fast-check';
import { allocate } from '../../src/core/index.js';

// SPEC §7 payments: open invoices settled oldest first, from the oldest fund (credit) first.

t.test('allocate (pure)', async (t) => {
  const r = allocate(
    [
      { id: 'old', availableFen: 100 },
      { id: 'new', availableFen: 500 },
    ],
    [
      { id: 'a', total_fen: 300, paid_fen: 250 },
      { id: 'b', total_fen: 400, paid_fen: 0 },
      { id: 'c', total_fen: 400, paid_fen: 0 },
    ],
  );
  t.same(r.allocations, [
    { fundId: 'old', invoiceId: 'a', amountFen: 50 },
    { fundId: 'old', invoiceId: 'b', amountFen: 50 },
    { fundId: 'new', invoiceId: 'b', amountFen: 350 },
    { fundId: 'new', invoiceId: 'c', amountFen: 150 },
  ]);
  t.same(
    [...r.paid],
    [
      ['a', 300],
      ['b', 400],
      ['c', 150],
    ],
  );
  t.same(
    r.remaining.map((f) => f.fen),
    [0, 0],
  );
});

t.test('allocate: conserves money, never overpays an invoice or overspends a fund, strictly oldest first', async (t) => {
  const fen = fc.integer({ min: 0, max: 500_000 });
  const funds = fc.array(fc.record({ availableFen: fen }), { maxLength: 6 });
  const invoices = fc.array(fc.record({ total_fen: fen, paid: fc.integer({ min: 0, max: 100 }) }), { maxLength: 8 });
  fc.assert(
    fc.property(funds, invoices, (rawFunds, rawInvoices) => {
      const fs = rawFunds.map((f, i) => ({ id: `f${i}`, availableFen: f.availableFen }));
      // paid_fen between 0 and total_fen (a percentage of it, rounded down).
      const inv = rawInvoices.map((x, i) => ({ id: `i${i}`, total_fen: x.total_fen, paid_fen: Math.floor((x.total_fen * x.paid) / 100) }));
      const { allocations, paid, remaining } = allocate(fs, inv);
      const available = fs.reduce((s, f) => s + f.availableFen, 0);
      const open = inv.reduce((s, i) => s + i.total_fen - i.paid_fen, 0);
      const allocated = allocations.reduce((s, a) => s + a.amountFen, 0);
      if (allocated !== Math.min(available, open)) return false;
      if (remaining.reduce((s, f) => s + f.fen, 0) !== available - allocated) return false;
      if (allocations.some((a) => a.amountFen <= 0)) return false;
      for (const f of fs) {
        const spent = allocations.filter((a) => a.fundId === f.id).reduce((s, a) => s + a.amountFen, 0);
        if (spent > f.availableFen || remaining.find((r) => r.id === f.id)!.fen !== f.availableFen - spent) return false;
      }
      for (const [k, i] of inv.entries()) {
        const got = allocations.filter((a) => a.invoiceId === i.id).reduce((s, a) => s + a.amountFen, 0);
        const newPaid = paid.get(i.id) ?? i.paid_fen;
        if (newPaid !== i.paid_fen + got || newPaid > i.total_fen) return false;
        // An invoice gets money only when every older one is settled.
        if (got > 0 && inv.slice(0, k).some((older) => (paid.get(older.id) ?? older.paid_fen) < older.total_fen)) return false;
      }
      // A fund is drawn only when every older one is spent.
      for (const [k, f] of fs.entries()) {
        if (
          allocations.some((a) => a.fundId === f.id) &&
          fs.slice(0, k).some((older) => remaining.find((r) => r.id === older.id)!.fen > 0)
        ) {
          return false;
        }
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('500 random cases');
});
