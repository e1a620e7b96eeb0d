/**
 * A token's assignment epoch: which of its successive assignments is current. Unassigning moves it on,
 * so what was made for the previous user can no longer serve:
 *
 * - the emergency code's stored verifier is peppered with the epoch (ports/pepper.ts): a code issued to
 *   the previous assignment never matches online, and a new code is issued at the next login;
 * - offline data carries the epoch and binds to it both the tokencode pads and the emergency code's
 *   verifier (offline-data.ts), and the agent library refuses data older than an epoch it has seen for
 *   the serial (shared/agent, `DATA_SUPERSEDED`).
 *
 * Data made before epochs existed counts as epoch 0 and is derived exactly as before.
 */
export interface HasAssignmentEpoch {
  assignmentEpoch?: number;
}

export const assignmentEpochOf = (item: HasAssignmentEpoch): number => item.assignmentEpoch ?? 0;

/** The epoch after an unassignment. */
export const nextAssignmentEpoch = (item: HasAssignmentEpoch): number => assignmentEpochOf(item) + 1;
