import type { SelectionPatch } from '../charts/types.ts';
import { DEFAULT_STATE, formatState, parseState, type ViewState } from './url-state.ts';

/**
 * The linked selection shared by every view (family, layer, head, expert, probe, window, …),
 * mirrored in the URL. Provided through context; views read and write its fields.
 */
export class Selection {
  state: ViewState = $state({ ...DEFAULT_STATE });

  constructor(search: string) {
    this.state = parseState(search);
  }

  /** Merges what a chart click picked; choosing another probe resets its window and query row. */
  apply(patch: SelectionPatch): void {
    const s = this.state;
    if (patch.probe !== undefined && patch.probe !== s.probe) {
      s.probe = patch.probe;
      s.window = null;
      s.queryPos = null;
    }
    if (patch.family !== undefined) s.family = patch.family;
    if (patch.querySet !== undefined) s.querySet = patch.querySet;
    if (patch.layer !== undefined) s.layer = patch.layer;
    if (patch.head !== undefined) s.head = patch.head;
    if (patch.expert !== undefined) s.expert = patch.expert;
  }

  get search(): string {
    return formatState(this.state);
  }
}
