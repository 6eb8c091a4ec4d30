/** Webhook effects: the rules compiled once per options (see index.ts). */

import type { StoreEffects } from '../../store/types';
import { canonicalJson } from '../dedupe';
import type { WhatsAppEvent } from '../events';
import type { EffectContext, WebhookEffectOptions } from './options';
import { WebhookEffectRules } from './rules';

const compiled = new WeakMap<WebhookEffectOptions, WebhookEffectRules>();
/** By content too: a trigger builds a new options object per request from the same parameters. */
const compiledByContent = new Map<string, WebhookEffectRules>();
const COMPILED_LIMIT = 64;

/**
 * The rules for `options`, compiled once per options object and per distinct content (compiling
 * the keyword lists costs more than handling a small POST).
 */
export function effectRules(
	options: WebhookEffectOptions | WebhookEffectRules = {},
): WebhookEffectRules {
	if (options instanceof WebhookEffectRules) return options;
	let rules = compiled.get(options);
	if (rules) return rules;
	const key = canonicalJson(options);
	rules = compiledByContent.get(key);
	if (!rules) {
		rules = new WebhookEffectRules(options);
		if (compiledByContent.size >= COMPILED_LIMIT) compiledByContent.clear();
		compiledByContent.set(key, rules);
	}
	compiled.set(options, rules);
	return rules;
}

/** The store changes of one event (see the list in index.ts). */
export function deriveEffects(
	event: WhatsAppEvent,
	options: WebhookEffectOptions | WebhookEffectRules,
	context: EffectContext,
): StoreEffects {
	return effectRules(options).derive(event, context);
}
