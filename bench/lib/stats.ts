/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Numbers for a note: rounded and comma-separated. */
export function list(xs: readonly number[], decimals = 0): string {
  return xs.map((x) => x.toFixed(decimals)).join(', ');
}
