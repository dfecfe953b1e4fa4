// "Did you mean": the candidates nearest to a mistyped word, for usage errors. Inputs are
// command-line words (bounded: only the first 64 characters are compared), so the
// Levenshtein table is at most 65 x 65 per candidate.

const MAX = 64;

/**
 * Edit distance (insert, delete, substitute, swap two neighbours: "scna" is one step from "scan"),
 * case-insensitive, on the first 64 characters.
 */
export function editDistance(a: string, b: string): number {
  const x = a.slice(0, MAX).toLowerCase();
  const y = b.slice(0, MAX).toLowerCase();
  const rows: number[][] = [Array.from({ length: y.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[x.length]![y.length]!;
}

/**
 * Candidates that contain `word` (case-insensitive; `partial` only) or lie within a third of its
 * length in edit distance (at least 1, at most 3), nearest first, at most `limit`.
 */
export function suggest(word: string, candidates: Iterable<string>, opts: { limit?: number; partial?: boolean } = {}): string[] {
  const w = word.trim();
  if (!w) return [];
  const limit = opts.limit ?? 5;
  const lower = w.toLowerCase().slice(0, MAX);
  const within = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    if (opts.partial && lower.length >= 3 && c.toLowerCase().includes(lower)) {
      scored.push([c, 0]);
      continue;
    }
    const d = editDistance(w, c);
    if (d <= within) scored.push([c, d]);
  }
  scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  return scored.slice(0, limit).map(([c]) => c);
}
