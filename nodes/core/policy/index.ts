/**
 * The rules of docs/DESIGN.md's table as pure functions: plain values and `now` in, a Decision out.
 * evaluateTemplateSend and evaluateFreeForm run them in a fixed order for one message.
 */
export * from './types';
export * from './window';
export * from './fep';
export * from './consent';
export * from './erasure';
export * from './templateStatus';
export * from './usMarketing';
export * from './frequencyCap';
export * from './quietHours';
export * from './quality';
export * from './messagingLimit';
export * from './idempotency';
export * from './pricing';
export * from './evaluate';
export * from './agent';
