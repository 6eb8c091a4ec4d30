/**
 * Send Template through the shared send pipeline: what differs from Reply in Window is reading the
 * item (item.ts), fetching each template's definition once and building the payloads from it, the
 * template rules (core evaluateTemplateBatch) and the template's fields on the output items.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { systemClock, type Clock } from '../core/clock';
import type { GraphClient } from '../core/client/client';
import { evaluateTemplateBatchWithBudget, type TemplateBatchItem } from '../core/policy';
import { standingFromTemplates } from '../core/standing';
import type { ComplianceStore, TemplateKey } from '../core/store/types';
import { contactRuleFacts } from '../core/store/snapshot';
import { WireError } from '../core/wire';
import { getCloudApi, type CloudApiSettings } from '../shared/cloudApi';
import { toNodeError } from '../shared/nodeErrors';
import { runIdentityOf } from '../shared/idempotencyKeys';
import { verdictsOf, type SendSpec } from '../shared/send/job';
import { nodeRateLimitOf, unique } from '../shared/send/options';
import { sendBudgets } from '../shared/send/senderBudget';
import { runSendPipeline } from '../shared/send/pipeline';
import { runPooled } from '../shared/send/pool';
import { getComplianceStore } from '../shared/store';
import { sendToolResult, toolRunOf } from '../shared/tool';
import { AccountGuard } from './account';
import { BatchCommons, longestCapPeriod, payloadOf, prepare, type TemplateJob } from './item';
import {
	fetchTemplateFamily,
	findDefinition,
	templateStateOf,
	type TemplateFamily,
} from './templates';

/** Template names fetched at once. */
const MAX_CONCURRENT_LISTINGS = 4;

/** `clock` is for tests. */
export async function execute(
	this: IExecuteFunctions,
	clock: Clock = systemClock,
): Promise<INodeExecutionData[][]> {
	if (this.getInputData().length === 0) return [[], []];
	const node = this.getNode();
	let settings: CloudApiSettings;
	let client: GraphClient;
	let store: ComplianceStore;
	let nodeRate: number | undefined;
	try {
		nodeRate = nodeRateLimitOf(this);
		({ client, settings } = await getCloudApi(this));
		store = await getComplianceStore(this);
	} catch (error) {
		throw toNodeError(node, error);
	}
	const waba = settings.businessAccountId;
	const run = runIdentityOf(this);
	const commons = new BatchCommons();
	const timeZone = this.getTimezone();
	const signal = this.getExecutionCancelSignal();
	const templateKey = (job: TemplateJob): TemplateKey => ({
		account: waba,
		name: job.template.name,
		language: job.template.language,
	});

	const account = new AccountGuard(client, store, signal);
	const tool = toolRunOf(this);

	const spec: SendSpec<TemplateJob> = {
		prepare: (i) =>
			prepare(
				this,
				i,
				settings.phoneNumberId,
				run,
				timeZone,
				settings.messagingLimit,
				commons,
				tool !== undefined,
			),

		// The definitions of each template name, fetched once; the store learns their status; then
		// the payloads, with Meta's limits and the template's variables checked.
		async complete(jobs, fail) {
			if (!waba) {
				for (const job of jobs) {
					const missing = toNodeError(
						node,
						new Error('The WhatsApp Cloud API credential has no WhatsApp Business Account ID'),
						job.index,
					);
					missing.description =
						'Enter it in the credential: the template definitions are read from it.';
					fail(job, missing);
				}
				return [];
			}
			const families = await fetchFamilies(
				client,
				waba,
				jobs.map((job) => job.template.name),
				signal,
			);
			const now = clock.now();
			const definitions = [...families.values()].flatMap((family) =>
				'definitions' in family ? family.definitions : [],
			);
			const states = definitions.map((d) => templateStateOf(waba, d, now));
			const qualities = standingFromTemplates(waba, definitions, now);
			try {
				if (states.length > 0) await store.upsertTemplateStates(states);
				if (qualities.length > 0) await store.recordStanding(qualities);
			} catch (error) {
				throw toNodeError(node, error);
			}
			const built: TemplateJob[] = [];
			for (const job of jobs) {
				const family = families.get(job.template.name);
				if (!family || 'error' in family) {
					fail(job, family?.error);
					continue;
				}
				const definition = findDefinition(family, job.template.language);
				const issues = family.unreadable.get(job.template.language);
				try {
					if (!definition && issues) {
						throw new WireError(
							'template',
							`Meta's definition of template "${job.template.name}" (${job.template.language}) could not be read: ${issues.join('; ')}. Send it with Variables Mode "Components JSON".`,
						);
					}
					job.definition = definition;
					// Built here to find its problems before anything is sent; kept by a dry run only.
					const payload = payloadOf(job, definition);
					if (job.dryRun) job.payload = payload;
					built.push(job);
				} catch (error) {
					fail(job, error);
				}
			}
			return built;
		},

		snapshotRequest: (group, now) => ({
			marketingSince: now - longestCapPeriod(group),
			templates: uniqueTemplates(group.map(templateKey)),
			...account.snapshotRequest(group, now),
		}),

		refresh: (sender, _group, snapshot, now) => account.refresh(sender, snapshot, now),

		decide(jobs, view, now) {
			const batch = jobs.map((job): TemplateBatchItem => {
				const { contact, existingSend, templates } = view(job);
				const key = templateKey(job);
				return {
					contactKey: job.recipient.contact,
					options: job.policy,
					input: {
						contact: job.recipient.input,
						country: job.recipient.country,
						timeZones: job.recipient.timeZones,
						template: { name: key.name, language: key.language },
						templateState: job.definition
							? (templates.find(
									(t) =>
										t.account === key.account && t.name === key.name && t.language === key.language,
								) ?? templateStateOf(waba, job.definition, now))
							: undefined,
						...contactRuleFacts(contact),
						idempotencyKey: job.idempotencyKey,
						existingSend,
						topic: job.topic,
						doiConfirmation: job.doiConfirmation,
						...account.ruleInput(job, contact?.reachedAt),
					},
				};
			});
			const outcome = evaluateTemplateBatchWithBudget(batch, now);
			account.decided(outcome.messagingLimit, jobs);
			const verdicts = verdictsOf(outcome.results, (decision, k) => {
				jobs[k].categoryChanged = decision.categoryChanged;
				jobs[k].countsTowardLimit = decision.countsTowardMessagingLimit;
				return decision.category;
			});
			return verdicts;
		},

		reserve: (jobs, verdicts, now) => account.reserve(jobs, verdicts, now),
		release: (unsent) => account.release(unsent),

		// Built again right before the request: checked in complete(), so it builds.
		payload: async (job) => payloadOf(job, job.definition)!,

		fields: (job) => ({
			template: job.template.name,
			language: job.template.language,
			categoryChanged: job.categoryChanged ?? null,
			payload: job.dryRun ? (job.payload ?? null) : null,
			messagingLimit: account.itemField(),
		}),

		toolResult: (json) => sendToolResult(json, ['template', 'language', 'category']),
	};
	const outputs = await runSendPipeline(this, spec, {
		client,
		store,
		...sendBudgets(this, store, settings.messagesPerSecond, nodeRate),
		clock,
		tool,
	});
	// The messaging limit's warning and what Meta could not tell, in the output pane.
	const hints = account.hints();
	if (hints.length > 0) {
		this.addExecutionHints(
			...hints.map((message) => ({
				type: 'warning' as const,
				location: 'outputPane' as const,
				message,
			})),
		);
	}
	return outputs;
}

/** Every language of each template name, fetched once per name, a few names at a time. */
async function fetchFamilies(
	client: GraphClient,
	account: string,
	names: string[],
	signal: AbortSignal | undefined,
): Promise<Map<string, TemplateFamily | { error: unknown }>> {
	const families = new Map<string, TemplateFamily | { error: unknown }>();
	await runPooled(unique(names), MAX_CONCURRENT_LISTINGS, async (name) => {
		try {
			families.set(name, await fetchTemplateFamily(client, account, name, signal));
		} catch (error) {
			families.set(name, { error });
		}
	});
	return families;
}

function uniqueTemplates(keys: TemplateKey[]): TemplateKey[] {
	const seen = new Map<string, TemplateKey>();
	for (const key of keys) seen.set(JSON.stringify([key.account, key.name, key.language]), key);
	return [...seen.values()];
}
