/**
 * "Did you mean …?" for misspelt names: the candidate with the smallest edit distance, when it is
 * close enough to be a plausible typo (at most a third of the name's length, and at least 1).
 */

/** Levenshtein distance (insertions, deletions, substitutions), in O(|a|·|b|) time and O(|b|) space. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // Row i holds the distances from a's first i characters to each prefix of b.
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let distance = b.length;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let diagonal = i - 1; // prev[j - 1]
    let left = i; // cur[j - 1]
    for (const [j, up] of prev.slice(1).entries()) {
      left = Math.min(up + 1, left + 1, diagonal + (a[i - 1] === b[j] ? 0 : 1));
      cur.push(left);
      diagonal = up;
    }
    prev = cur;
    distance = left;
  }
  return distance;
}

/** The nearest candidate to `name`, or undefined when none is close enough to be a typo. */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    // A case slip ("Y" for "y") is the likeliest typo of all, whatever the length.
    if (c.toLowerCase() === name.toLowerCase()) return c;
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(limit, 2) && bestDistance < Math.max(name.length, 1) ? best : undefined;
}
