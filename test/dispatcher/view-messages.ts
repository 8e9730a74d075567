/**
 * The messages of one batch as the dispatcher sends a view's parts, for tests: applied to an agent's
 * AssignedTasks, each as it comes off `wire` (by default as built; or encoded and decoded).
 */
import type { AssignedTasks, ReceivedAssignments } from '../../agent/session/assignments.ts';
import type { WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import type { ViewPart } from '../../server/dispatcher/view-parts.ts';

/** Applies `parts` as the messages of one batch to `a`; the sequence number the last results in. */
export function sendParts(
  a: AssignedTasks,
  parts: readonly ViewPart[],
  type: 'complete' | 'incremental',
  from: number,
  wire: (m: WireAssignmentsMessage) => ReceivedAssignments = m => m,
): number {
  let seq = from;
  parts.forEach((p, i) => {
    const first = i === 0;
    const next = first ? seq + 1 : seq;
    a.apply(
      wire({
        type: first ? type : 'incremental',
        appliesTo: first && type === 'complete' ? 0 : seq,
        resultsIn: next,
        changes: [],
        networkView: p.full?.view ?? null,
        viewSeq: p.full?.seq ?? 0,
        viewDelta: p.delta ?? null,
        more: i < parts.length - 1,
        keptNetworks: p.full?.kept ?? [],
      }),
    );
    seq = next;
  });
  return seq;
}
