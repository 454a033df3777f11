import { decodeTable } from '../../schema/decode.ts';
import { TABLES } from '../../schema/tables.ts';
import { expertUsage } from '../expert-usage.ts';
import { routingAgreement } from '../routing-agreement.ts';
import { routingGrid, type RoutingColumns, type RoutingGrid } from '../routing-grid.ts';
import type { ProbeLayout } from './attention-unit.ts';
import type { AgreementData } from './compute-routing.ts';
import type { RoutingData } from './routing-stats.ts';
import type { MetricsSource } from './source.ts';

/**
 * Reads routing one probe at a time (both models), reduces it to per-probe usage and agreement
 * arrays, and drops the rows — memory stays at one probe's grids, not the run's routing table.
 */
export async function loadRouting(
  source: MetricsSource,
  models: [string, string],
  probeIds: string[],
  layouts: Map<string, ProbeLayout>,
): Promise<{ data: RoutingData; agreement: AgreementData; layers: number[] }> {
  const P = probeIds.length;
  let layers: number[] | null = null;
  let E = 0;
  const usages: ({
    u: [ReturnType<typeof expertUsage>, ReturnType<typeof expertUsage>];
    agree: ReturnType<typeof routingAgreement>;
    E: number;
  } | null)[] = [];
  for (const id of probeIds) {
    if (!models.every((m) => source.has('routing', m, id))) {
      usages.push(null);
      continue;
    }
    const cols = await Promise.all(
      models.map(
        async (m) => decodeTable(TABLES.routing, await source.unit('routing', m, id)) as unknown as RoutingColumns,
      ),
    );
    if (layers === null) {
      const seen = new Set<number>();
      for (const c of cols) for (let i = 0; i < c.layer.length; i++) seen.add(c.layer[i]!);
      layers = [...seen].sort((a, b) => a - b);
    }
    const Ep = Math.max(...cols.map((c) => maxOf(c.expert) + 1));
    E = Math.max(E, Ep);
    const layout = layouts.get(id)!;
    const T = Math.max(layout.T, ...cols.map((c) => maxOf(c.position) + 1));
    const K = Math.max(...cols.map((c) => maxOf(c.rank) + 1));
    const grids = cols.map((c) => routingGrid(c, layers!, T, K)) as [RoutingGrid, RoutingGrid];
    const evidence = new Uint8Array(T);
    for (const s of layout.segments)
      if (s.kind === 'evidence') evidence.fill(1, Math.max(0, s.start), Math.min(T, s.end));
    // Each probe's usage has its own expert count Ep (≤ E, known only at the end); copied with stride Ep below.
    usages.push({
      u: [expertUsage(grids[0], Ep), expertUsage(grids[1], Ep)],
      agree: routingAgreement(grids[0], grids[1], evidence),
      E: Ep,
    });
  }
  const L = layers?.length ?? 0;
  const mk = () => new Float64Array(P * L * E);
  const data: RoutingData = {
    P,
    L,
    E,
    selections: [mk(), mk()],
    gates: [mk(), mk()],
    top1: [mk(), mk()],
    tokens: [new Float64Array(P * L), new Float64Array(P * L)],
    ok: new Uint8Array(P),
  };
  const z = () => new Float64Array(P * L);
  const agreement: AgreementData = { top1: [z(), z(), z()], jaccard: [z(), z(), z()], tokens: [z(), z(), z()] };
  usages.forEach((entry, i) => {
    if (entry === null) return;
    data.ok[i] = 1;
    for (let m = 0; m < 2; m++) {
      const u = entry.u[m]!;
      for (let l = 0; l < L; l++) {
        data.tokens[m]![i * L + l] = u.tokens[l]!;
        for (let e = 0; e < entry.E; e++) {
          data.selections[m]![(i * L + l) * E + e] = u.selections[l * entry.E + e]!;
          data.gates[m]![(i * L + l) * E + e] = u.gateMass[l * entry.E + e]!;
          data.top1[m]![(i * L + l) * E + e] = u.top1[l * entry.E + e]!;
        }
      }
    }
    const { inside, outside } = entry.agree;
    for (let l = 0; l < L; l++) {
      const at = i * L + l;
      agreement.top1[1][at] = inside.top1[l]!;
      agreement.jaccard[1][at] = inside.jaccard[l]!;
      agreement.tokens[1][at] = inside.tokens[l]!;
      agreement.top1[2][at] = outside.top1[l]!;
      agreement.jaccard[2][at] = outside.jaccard[l]!;
      agreement.tokens[2][at] = outside.tokens[l]!;
      agreement.top1[0][at] = inside.top1[l]! + outside.top1[l]!;
      agreement.jaccard[0][at] = inside.jaccard[l]! + outside.jaccard[l]!;
      agreement.tokens[0][at] = inside.tokens[l]! + outside.tokens[l]!;
    }
  });
  return { data, agreement, layers: layers ?? [] };
}

function maxOf(xs: ArrayLike<number>): number {
  let m = -1;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  return m;
}
