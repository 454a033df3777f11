/**
 * Python difflib.SequenceMatcher(None, a, b).ratio(), ported faithfully: longest-matching-block
 * recursion over code points, and the autojunk heuristic — when b has >= 200 items, items that
 * occur more than 1% + 1 times in b are "popular" and cannot seed a match (they can still extend
 * one). MRCR's official grader uses this ratio, so scores must match Python's exactly.
 */
export function sequenceRatio(a: string, b: string, autojunk = true): number {
  const sa = Array.from(a);
  const sb = Array.from(b);
  const total = sa.length + sb.length;
  return total === 0 ? 1 : (2 * matchingCount(sa, sb, autojunk)) / total;
}

function chainB(b: string[], autojunk: boolean): Map<string, number[]> {
  const b2j = new Map<string, number[]>();
  b.forEach((elt, j) => {
    const list = b2j.get(elt);
    if (list === undefined) b2j.set(elt, [j]);
    else list.push(j);
  });
  if (autojunk && b.length >= 200) {
    const ntest = Math.floor(b.length / 100) + 1;
    for (const [elt, idxs] of [...b2j]) if (idxs.length > ntest) b2j.delete(elt);
  }
  return b2j;
}

/** find_longest_match with no junk function (isjunk=None): only the extension steps remain. */
function longestMatch(
  a: string[],
  b: string[],
  b2j: Map<string, number[]>,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
): [number, number, number] {
  let besti = alo;
  let bestj = blo;
  let bestsize = 0;
  let j2len = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const next = new Map<number, number>();
    for (const j of b2j.get(a[i] as string) ?? []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const k = (j2len.get(j - 1) ?? 0) + 1;
      next.set(j, k);
      if (k > bestsize) {
        besti = i - k + 1;
        bestj = j - k + 1;
        bestsize = k;
      }
    }
    j2len = next;
  }
  while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
    besti--;
    bestj--;
    bestsize++;
  }
  while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
  return [besti, bestj, bestsize];
}

function matchingCount(a: string[], b: string[], autojunk: boolean): number {
  const b2j = chainB(b, autojunk);
  const queue: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  let matches = 0;
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop() as [number, number, number, number];
    const [i, j, k] = longestMatch(a, b, b2j, alo, ahi, blo, bhi);
    if (k === 0) continue;
    matches += k;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
  }
  return matches;
}
