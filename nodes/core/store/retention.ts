/** How long the slot ledgers of both backends keep pair rows that say nothing any more. */

/** The send budget's pair rows are pruned every this many leases of a process. */
export const PAIR_PRUNE_EVERY = 100;

/** 131056 strikes count as "in a row" for at most this long (schedule.ts holdPair). */
export const PAIR_STRIKES_KEPT_MS = 60 * 60 * 1000;
