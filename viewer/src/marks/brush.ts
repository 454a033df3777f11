import { brushX, select } from 'd3';
import type { Window } from '../data/lod.ts';

/**
 * A horizontal brush over a chart frame, as a Svelte attachment: maps pixels to token positions
 * over `domain`, shows `selection`, and reports the brushed window when the user lets go.
 */
export function brushAttachment(o: {
  width: number;
  height: number;
  domain: Window;
  selection: Window | null;
  onbrush: (w: Window | null) => void;
}) {
  return (node: SVGSVGElement) => {
    const span = o.domain.end - o.domain.start;
    const toX = (p: number) => ((p - o.domain.start) / span) * o.width;
    const toP = (x: number) => Math.round(o.domain.start + (x / o.width) * span);
    const brush = brushX<unknown>()
      .extent([
        [0, 0],
        [o.width, o.height],
      ])
      .on('end', (event: { selection: [number, number] | null; sourceEvent?: unknown }) => {
        if (event.sourceEvent === undefined) return;
        if (event.selection === null) return o.onbrush(null);
        const [x0, x1] = event.selection;
        o.onbrush({ start: toP(x0), end: Math.max(toP(x0) + 1, toP(x1)) });
      });
    const g = select(node).append('g').attr('class', 'brush').call(brush);
    if (o.selection !== null) g.call(brush.move, [toX(o.selection.start), toX(o.selection.end)]);
    return () => g.remove();
  };
}
