/** Rows of a set-wise query grouped by a key (in row order within each group), optionally mapped. */
export function groupBy<T, V = T>(rows: Iterable<T>, key: (row: T) => string, value?: (row: T) => V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const row of rows) {
    const item = value ? value(row) : (row as unknown as V);
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
