import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { systemClock } from '../core/clock';
import { GraphApiError, type GraphClient } from '../core/graph/client';
import {
	evaluateTemplateSend,
	resolveFrequencyCapOptions,
	type TemplateSendDecision,
} from '../core/policy';
import type {
	ComplianceStore,
	SendCompletion,
	Snapshot,
	TemplateKey,
	WindowClose,
} from '../core/store/types';
import { WireError } from '../core/wire';
import { getCloudApi, type CloudApiSettings } from '../shared/cloudApi';
import { errorOutputItem, toNodeError } from '../shared/errors';
import { runIdentityOf } from '../shared/idempotency';
import { runPooled } from '../shared/pool';
import { getComplianceStore } from '../shared/store';
import { OUTPUT_SENT, OUTPUT_SKIPPED } from './description';
import { prepare, rateLimitOf, type Prepared } from './item';
import {
	claimedElsewhere,
	dryRunJson,
	duplicateJson,
	sameKeyOutcome,
	sendError,
	sentJson,
	skippedJson,
	type Allowed,
	type Outcome,
	type Ready,
} from './results';
import {
	fetchTemplateFamily,
	findDefinition,
	templateStateOf,
	type TemplateFamily,
} from './templates';

/** Sends in flight at once, at most; the token bucket decides how fast they leave. */
const MAX_CONCURRENT_SENDS = 100;
/** Template names fetched at once. */
const MAX_CONCURRENT_LISTINGS = 4;

/**
 * The batch: read every item, fetch each template once, build the payloads, read the store once,
 * run the rules, then claim the idempotency keys and send the allowed items concurrently through
 * the sender's rate limiter. Outputs: Sent (sent, duplicates, dry runs) and Skipped (held back by
 * a rule, with the reason). Item errors go to Skipped with Continue On Fail (or to the error
 * output); otherwise the first one stops the node: before any send when it is found before
 * sending, after every send has finished and been recorded when a send failed.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[], []];
	const node = this.getNode();
	const now = systemClock.now();
	const signal = this.getExecutionCancelSignal();
	const continueOnFail = this.continueOnFail();
	const outcomes = new Map<number, Outcome>();
	/** Before any send: without Continue On Fail, the first problem stops the node here. */
	const fail = (index: number, error: unknown): void => {
		const nodeError = toNodeError(node, error, index);
		if (!continueOnFail) throw nodeError;
		outcomes.set(index, { output: 'error', error: nodeError });
	};

	const rate = rateLimitOf(this);
	let settings: CloudApiSettings;
	let client: GraphClient;
	let store: ComplianceStore;
	try {
		({ client, settings } = await getCloudApi(this, { ratePerSecond: rate }));
		store = await getComplianceStore(this);
	} catch (error) {
		throw toNodeError(node, error);
	}
	const account = settings.businessAccountId;

	// 1. Parameters, recipient and idempotency key of every item.
	const run = runIdentityOf(this);
	const timeZone = this.getTimezone();
	const prepared: Prepared[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push(prepare(this, i, settings.phoneNumberId, run, timeZone));
		} catch (error) {
			fail(i, error);
		}
	}

	// 2. The definitions of each template name, fetched once; the store learns their status.
	const families = new Map<string, TemplateFamily | { error: unknown }>();
	const names = [...new Set(prepared.map((p) => p.template.name))];
	if (names.length > 0 && !account) {
		const missing = new NodeOperationError(
			node,
			'The WhatsApp Cloud API credential has no WhatsApp Business Account ID',
			{ description: 'Enter it in the credential: the template definitions are read from it.' },
		);
		for (const name of names) families.set(name, { error: missing });
	} else {
		await runPooled(names, MAX_CONCURRENT_LISTINGS, async (name) => {
			try {
				families.set(name, await fetchTemplateFamily(client, account, name, signal));
			} catch (error) {
				families.set(name, { error });
			}
		});
		const states = [...families.values()].flatMap((family) =>
			'definitions' in family
				? family.definitions.map((d) => templateStateOf(account, d, now))
				: [],
		);
		try {
			if (states.length > 0) await store.upsertTemplateStates(states);
		} catch (error) {
			throw toNodeError(node, error);
		}
	}

	// 3. Payloads, with Meta's limits and the template's variables checked.
	const ready: Ready[] = [];
	for (const p of prepared) {
		const family = families.get(p.template.name);
		if (!family || 'error' in family) {
			fail(p.index, family?.error);
			continue;
		}
		const definition = findDefinition(family, p.template.language);
		const issues = family.unreadable.get(p.template.language);
		try {
			if (!definition && issues) {
				throw new WireError(
					'template',
					`Meta's definition of template "${p.template.name}" (${p.template.language}) could not be read: ${issues.join('; ')}. Send it with Variables Mode "Components JSON".`,
				);
			}
			ready.push({ p, definition, payload: p.build(definition) });
		} catch (error) {
			fail(p.index, error);
		}
	}

	// 4. One store read per sender number (normally one) for the whole batch.
	const snapshots = new Map<string, Snapshot>();
	try {
		for (const [sender, group] of groupBy(ready, (r) => r.p.sender)) {
			const periods = group.map(
				(r) => resolveFrequencyCapOptions(r.p.policy.frequencyCap).periodMs,
			);
			snapshots.set(
				sender,
				await store.getSnapshot({
					sender,
					contacts: unique(group.map((r) => r.p.recipient.contact)),
					marketingSince: now - Math.max(...periods),
					idempotencyKeys: unique(group.map((r) => r.p.idempotencyKey)),
					templates: uniqueTemplates(
						group.map((r) => ({
							account,
							name: r.p.template.name,
							language: r.p.template.language,
						})),
					),
				}),
			);
		}
	} catch (error) {
		throw toNodeError(node, error);
	}

	// 5. The rules, item by item; what this batch allows counts for the items after it.
	const decisions = new Map<number, Allowed>();
	const allowed: Ready[] = [];
	const firstWithKey = new Map<string, Ready>();
	const sameKeyAs = new Map<number, Ready>();
	const marketingInBatch = new Map<string, number[]>();
	for (const r of ready) {
		const { p } = r;
		const first = firstWithKey.get(p.idempotencyKey);
		if (first) {
			sameKeyAs.set(p.index, first);
			continue;
		}
		const snapshot = snapshots.get(p.sender)!;
		const contact = snapshot.contacts.get(p.recipient.contact);
		const existingSend = snapshot.sends.get(p.idempotencyKey);
		let decision: TemplateSendDecision;
		try {
			decision = evaluateTemplateSend(
				{
					contact: p.recipient.input,
					country: p.recipient.country,
					timeZones: p.recipient.timeZones,
					template: { name: p.template.name, language: p.template.language },
					templateState: r.definition
						? (snapshot.templates.find(
								(t) =>
									t.account === account &&
									t.name === p.template.name &&
									t.language === p.template.language,
							) ?? templateStateOf(account, r.definition, now))
						: undefined,
					consents: contact?.consents ?? [],
					suppressed: contact?.suppressed ?? false,
					window: contact?.window,
					marketingSentAt: [
						...(contact?.marketingSentAt ?? []),
						...(marketingInBatch.get(p.recipient.contact) ?? []),
					],
					idempotencyKey: p.idempotencyKey,
					existingSend,
					topic: p.topic,
					doiConfirmation: p.doiConfirmation,
				},
				p.policy,
				now,
			);
		} catch (error) {
			fail(p.index, error);
			continue;
		}
		if (decision.allowed) {
			decisions.set(p.index, decision);
			firstWithKey.set(p.idempotencyKey, r);
			if (decision.category === 'marketing') {
				const list = marketingInBatch.get(p.recipient.contact) ?? [];
				list.push(now);
				marketingInBatch.set(p.recipient.contact, list);
			}
			allowed.push(r);
		} else if (decision.reason === 'duplicate' && existingSend) {
			outcomes.set(p.index, { output: 'sent', json: duplicateJson(r, existingSend, decision) });
		} else {
			outcomes.set(p.index, { output: 'skipped', json: skippedJson(r, decision, items) });
		}
	}

	// 6. Dry run: the decision and the payload, nothing claimed or sent.
	const live: Ready[] = [];
	for (const r of allowed) {
		if (r.p.dryRun) {
			outcomes.set(r.p.index, { output: 'sent', json: dryRunJson(r, decisions.get(r.p.index)!) });
		} else {
			live.push(r);
		}
	}

	// 7. Claim the keys (one call; failed sends are claimed again); a key another execution
	// claimed meanwhile is not sent.
	const sendable: Ready[] = [];
	if (live.length > 0) {
		let claimed;
		try {
			claimed = await store.reserveSends(
				live.map((r) => ({
					idempotencyKey: r.p.idempotencyKey,
					sender: r.p.sender,
					contact: r.p.recipient.contact,
					kind: `template:${r.p.template.name}`,
					category: decisions.get(r.p.index)!.category,
					at: now,
				})),
			);
		} catch (error) {
			throw toNodeError(node, error);
		}
		const reserved = new Set(claimed.reserved);
		for (const r of live) {
			if (reserved.has(r.p.idempotencyKey)) {
				sendable.push(r);
				continue;
			}
			outcomes.set(
				r.p.index,
				claimedElsewhere(r, claimed.existing.get(r.p.idempotencyKey)!, items),
			);
		}
	}

	// 8. Send concurrently through the sender's token bucket and pair limiter; record every result.
	const completions: SendCompletion[] = [];
	const releases: string[] = [];
	const freeEntryPoints: WindowClose[] = [];
	let escaped: { error: unknown } | undefined;
	try {
		await runPooled(sendable, Math.min(Math.ceil(rate), MAX_CONCURRENT_SENDS), async (r) => {
			const { p } = r;
			const decision = decisions.get(p.index)!;
			try {
				const response = await client.sendMessage(p.sender, r.payload!, { signal });
				const at = systemClock.now();
				completions.push({
					idempotencyKey: p.idempotencyKey,
					state: 'accepted',
					wamid: response.messages[0].id,
					at,
					estimatedPrice: decision.price.estimatedPrice,
					currency: decision.price.currency,
				});
				if (decision.startsFreeEntryPoint) {
					freeEntryPoints.push({ sender: p.sender, contact: p.recipient.contact, at });
				}
				outcomes.set(p.index, { output: 'sent', json: sentJson(r, decision, response, at) });
			} catch (error) {
				const unknown = error instanceof GraphApiError && error.outcomeUnknown;
				// Certainly not sent: free the key, so a re-run (after a fix) sends it.
				if (!unknown) releases.push(p.idempotencyKey);
				outcomes.set(p.index, { output: 'error', error: sendError(node, error, p, unknown) });
			}
		});
	} catch (error) {
		escaped = { error };
	}
	// Recorded whatever happened above: a send Meta accepted must never be sent again.
	try {
		if (completions.length > 0) await store.completeSends(completions);
		if (releases.length > 0) await store.releaseSends(releases);
		if (freeEntryPoints.length > 0) await store.startFreeEntryPoints(freeEntryPoints);
	} catch (error) {
		throw toNodeError(node, error);
	}
	if (escaped) throw toNodeError(node, escaped.error);

	// 9. Items that repeat an idempotency key of this batch share the first one's result.
	for (const [index, first] of sameKeyAs) {
		outcomes.set(index, sameKeyOutcome(node, index, first, outcomes.get(first.p.index), items));
	}

	// 10. Outputs in item order.
	const sent: INodeExecutionData[] = [];
	const skipped: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		const outcome = outcomes.get(i);
		if (!outcome) continue;
		const pairedItem = { item: i };
		if (outcome.output === 'error') {
			if (!continueOnFail) throw outcome.error;
			skipped.push(errorOutputItem(outcome.error, i));
		} else if (outcome.output === 'sent') {
			sent.push({ json: outcome.json, pairedItem });
		} else {
			skipped.push({ json: outcome.json, pairedItem });
		}
	}
	const outputs: INodeExecutionData[][] = [];
	outputs[OUTPUT_SENT] = sent;
	outputs[OUTPUT_SKIPPED] = skipped;
	return outputs;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function unique(values: string[]): string[] {
	return [...new Set(values)];
}

function uniqueTemplates(keys: TemplateKey[]): TemplateKey[] {
	const seen = new Map<string, TemplateKey>();
	for (const key of keys) seen.set(JSON.stringify([key.account, key.name, key.language]), key);
	return [...seen.values()];
}

function groupBy<T>(list: T[], keyOf: (entry: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const entry of list) {
		const key = keyOf(entry);
		const group = groups.get(key);
		if (group) group.push(entry);
		else groups.set(key, [entry]);
	}
	return groups;
}
