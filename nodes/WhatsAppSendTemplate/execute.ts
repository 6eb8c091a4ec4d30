import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { systemClock, type Clock } from '../core/clock';
import { GraphApiError, type GraphClient } from '../core/graph/client';
import {
	evaluateTemplateBatch,
	resolveFrequencyCapOptions,
	type TemplateBatchItem,
} from '../core/policy';
import type { ComplianceStore, Snapshot, TemplateKey } from '../core/store/types';
import { WireError } from '../core/wire';
import { getCloudApi, type CloudApiSettings } from '../shared/cloudApi';
import { errorOutputItem, toNodeError } from '../shared/errors';
import { runIdentityOf } from '../shared/idempotency';
import { runPooled } from '../shared/pool';
import { SendRecorder } from '../shared/sendRecorder';
import { groupBy, rateLimitOf, sendsInFlight, unique } from '../shared/sending';
import { getComplianceStore } from '../shared/store';
import { OUTPUT_SENT, OUTPUT_SKIPPED } from './description';
import { prepare, type Prepared } from './item';
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

/** Template names fetched at once. */
const MAX_CONCURRENT_LISTINGS = 4;

/**
 * The batch: read every item, fetch each template once, build the payloads, read the store once,
 * run the rules, then claim the idempotency keys and send the allowed items concurrently through
 * the sender's rate limiter, recording the results in chunks as they come back. Outputs: Sent
 * (sent, duplicates, dry runs) and Skipped (held back by a rule, with the reason). Item errors go
 * to Skipped with Continue On Fail (or to the error output); otherwise the first one stops the
 * node: before any send when it is found before sending, after every send has finished and been
 * recorded when a send failed. `clock` is for tests.
 */
export async function execute(
	this: IExecuteFunctions,
	clock: Clock = systemClock,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[], []];
	const node = this.getNode();
	const now = clock.now();
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
	if (account) {
		const names = unique(prepared.map((p) => p.template.name));
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
		if (!account) {
			const missing = toNodeError(
				node,
				new Error('The WhatsApp Cloud API credential has no WhatsApp Business Account ID'),
				p.index,
			);
			missing.description =
				'Enter it in the credential: the template definitions are read from it.';
			fail(p.index, missing);
			continue;
		}
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

	// 5. The rules for the whole batch, in item order (core: evaluateTemplateBatch).
	const decisions = new Map<number, Allowed>();
	const allowed: Ready[] = [];
	const sameKeyAs = new Map<number, Ready>();
	const batch = ready.map((r): TemplateBatchItem => {
		const { p } = r;
		const snapshot = snapshots.get(p.sender)!;
		const contact = snapshot.contacts.get(p.recipient.contact);
		return {
			contactKey: p.recipient.contact,
			options: p.policy,
			input: {
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
				marketingSentAt: contact?.marketingSentAt ?? [],
				idempotencyKey: p.idempotencyKey,
				existingSend: snapshot.sends.get(p.idempotencyKey),
				topic: p.topic,
				doiConfirmation: p.doiConfirmation,
			},
		};
	});
	let results;
	try {
		results = evaluateTemplateBatch(batch, now);
	} catch (error) {
		throw toNodeError(node, error);
	}
	results.forEach((result, k) => {
		const r = ready[k];
		if (result.kind === 'same_key') {
			sameKeyAs.set(r.p.index, ready[result.first]);
			return;
		}
		const { decision } = result;
		const existingSend = batch[k].input.existingSend;
		if (decision.allowed) {
			decisions.set(r.p.index, decision);
			allowed.push(r);
		} else if (decision.reason === 'duplicate' && existingSend) {
			outcomes.set(r.p.index, { output: 'sent', json: duplicateJson(r, existingSend, decision) });
		} else {
			outcomes.set(r.p.index, { output: 'skipped', json: skippedJson(r, decision, items) });
		}
	});

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
				claimedElsewhere(r, claimed.existing.get(r.p.idempotencyKey)!, items, now),
			);
		}
	}

	// 8. Send concurrently through the sender's token bucket and pair limiter; the results are
	// recorded in chunks as they come back, so a crash leaves only the sends under way pending.
	const recorder = new SendRecorder(store, { clock });
	let escaped: { error: unknown } | undefined;
	try {
		await runPooled(sendable, sendsInFlight(rate), async (r) => {
			const { p } = r;
			const decision = decisions.get(p.index)!;
			let response;
			try {
				response = await client.sendMessage(p.sender, r.payload!, { signal });
			} catch (error) {
				// A cancel after the request left is a GraphApiError with outcomeUnknown too.
				const unknown = error instanceof GraphApiError && error.outcomeUnknown;
				outcomes.set(p.index, { output: 'error', error: sendError(node, error, p, unknown) });
				// Certainly not sent: free the key, so a re-run (after a fix) sends it.
				if (!unknown) await recorder.released(p.idempotencyKey);
				return;
			}
			const at = clock.now();
			outcomes.set(p.index, { output: 'sent', json: sentJson(r, decision, response, at) });
			await recorder.completed({
				idempotencyKey: p.idempotencyKey,
				state: 'accepted',
				wamid: response.messages[0].id,
				at,
				estimatedPrice: decision.price.estimatedPrice,
				currency: decision.price.currency,
			});
			if (decision.startsFreeEntryPoint) {
				await recorder.freeEntryPointStarted({
					sender: p.sender,
					contact: p.recipient.contact,
					at,
				});
			}
		});
	} catch (error) {
		escaped = { error };
	}
	// Recorded whatever happened above: a send Meta accepted must never be sent again.
	const recorded = await recorder.finish();
	if (!recorded.ok) throw toNodeError(node, recorded.error);
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

function uniqueTemplates(keys: TemplateKey[]): TemplateKey[] {
	const seen = new Map<string, TemplateKey>();
	for (const key of keys) seen.set(JSON.stringify([key.account, key.name, key.language]), key);
	return [...seen.values()];
}
