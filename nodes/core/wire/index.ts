/**
 * Wire formats: what Meta sends us (inbound webhooks, template definitions) and what we send Meta
 * (message payloads), in Meta's own snake_case. Pure: no I/O, no n8n.
 */
export * from './inbound';
export * from './templates';
export * from './outbound';
export * from './callback';
export { WireError } from './wireError';
