/**
 * The Webhook Trigger's core: signature and handshake checks, events, dedupe keys, keywords, store
 * side effects, and the request handler that runs them in order. No n8n import.
 */
export * from './verify';
export * from './events';
export * from './dedupe';
export * from './keywords';
export * from './effects';
export * from './handler';
export * from './filter';
export * from './fanout';
