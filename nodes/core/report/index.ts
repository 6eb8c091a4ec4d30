/**
 * Reports from the store's records: the days of a period in the reader's time zone, and the cost
 * report built from the cost ledger's sums.
 */
export * from './calendar';
export * from './costReport';
