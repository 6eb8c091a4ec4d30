/**
 * Send Template and the account's standing: the sender number's quality and the portfolio's
 * messaging limit as the store knows them, read from Meta when that is an hour old; the places a
 * batch takes of the limit, reserved in the store for the whole batch before anything is sent
 * (the authority between processes) and given back for sends that certainly reached nobody;
 * what the output items and the node's hint say of the limit.
 */
import type { IDataObject } from 'n8n-workflow';

import type { GraphClient } from '../core/client/client';
import {
	checkMessagingLimit,
	lowerMessagingLimit,
	placesLeft,
	resolveMessagingLimitOptions,
	type Hold,
	type MessagingLimit,
	type MessagingLimitBudget,
	type MessagingLimitUsage,
} from '../core/policy';
import {
	STANDING_FIELDS,
	senderStanding,
	standingFromPhoneNumber,
	standingIsStale,
	type SenderStanding,
} from '../core/standing';
import type { ReachStore, Snapshot, StandingStore } from '../core/store/types';
import type { Verdict } from '../shared/send/job';
import type { TemplateJob } from './item';

/** What the output items show of the portfolio's messaging limit after the batch. */
interface MessagingLimitField {
	/** The limit applied: Meta's, or the credential's or node's where lower; null when unknown. */
	limit: MessagingLimit | null;
	/** Unique contacts reached outside the customer service window in the last 24 hours. */
	reachedLast24h: number;
	/** New contacts that still fit; null when the limit is unknown or unlimited. */
	remaining: number | null;
	/** Set when the batch had more new contacts than were left. */
	warning: string | null;
}

export class AccountGuard {
	/** The standing of each sender number, after the store and, when old, Meta were read. */
	readonly #standing = new Map<string, SenderStanding>();
	/** What could not be read from Meta, one line per sender number. */
	readonly problems: string[] = [];
	#usage: MessagingLimitUsage | undefined;
	#budget: MessagingLimitBudget | undefined;
	/** The limit in force for the batch (the lowest of its items'). */
	#limit: MessagingLimit | undefined;
	/** After the store's reservation: the usage it reports and how many it refused. */
	#reserved: { usage: MessagingLimitUsage; refused: number } | undefined;
	#item: IDataObject | undefined;
	/** The contacts reserved, each with the key it was reserved under and its jobs. */
	readonly #reservations = new Map<string, { key: string; jobs: TemplateJob[] }>();

	constructor(
		private readonly client: GraphClient,
		private readonly store: ReachStore & StandingStore,
		private readonly signal: AbortSignal | undefined,
	) {}

	/** The snapshot reads the portfolio's usage and the sender's standing too. */
	snapshotRequest(jobs: TemplateJob[], now: number) {
		return {
			reach: { now, oldest: jobs.length, limit: handLimit(jobs) },
			standing: true,
		};
	}

	/**
	 * Reads the sender number from Meta when the store's standing of it is an hour old (or was
	 * never read), and keeps what Meta says in the store and the snapshot. If Meta cannot be read,
	 * the stored standing is used and `problems` says why.
	 */
	async refresh(sender: string, snapshot: Snapshot, now: number): Promise<void> {
		const stored = snapshot.standing ?? [];
		let standing = senderStanding(stored, sender);
		if (standingIsStale(standing, now)) {
			let info;
			try {
				info = await this.client.getPhoneNumber(sender, STANDING_FIELDS, { signal: this.signal });
			} catch (error) {
				this.problems.push(
					`The messaging limit and quality rating of sender number ${sender} could not be read from Meta (${error instanceof Error ? error.message : String(error)}), so the values last stored were used.`,
				);
			}
			if (info) {
				const entries = standingFromPhoneNumber(sender, info, now);
				await this.store.recordStanding(entries);
				snapshot.standing = [...stored, ...entries];
				standing = senderStanding(snapshot.standing, sender);
			}
		}
		this.#standing.set(sender, standing);
		this.#usage ??= snapshot.reach;
	}

	/** What the rules need of the account for one job. */
	ruleInput(job: TemplateJob, reachedAt: number | undefined) {
		const standing = this.#standing.get(job.sender) ?? {};
		return {
			numberQuality: standing.numberQuality?.value,
			messagingLimit: {
				limit: standing.messagingLimit?.value,
				usage: this.#usage ?? { count: 0, oldestReachedAt: [] },
				recipientReachedAt: reachedAt,
			},
		};
	}

	/** The rules' budget for the batch (evaluateTemplateBatchWithBudget). */
	decided(budget: MessagingLimitBudget | undefined, jobs: TemplateJob[]): void {
		this.#budget = budget;
		this.#limit =
			budget?.limit ??
			lowerMessagingLimit(
				lowestMetaLimit(jobs.map((job) => this.#standing.get(job.sender))),
				handLimit(jobs),
			);
	}

	/**
	 * Reserves the places of the allowed sends that reach a contact outside the window, in one
	 * store call for the batch; a contact the store refuses (another process took the last places)
	 * is held with the messaging limit rule's reason and retryAt.
	 */
	async reserve(jobs: TemplateJob[], verdicts: Verdict[], now: number): Promise<Verdict[]> {
		const enforced: TemplateJob[] = [];
		const counted: TemplateJob[] = [];
		jobs.forEach((job, k) => {
			if (verdicts[k].kind !== 'allow' || job.dryRun || !job.countsTowardLimit) return;
			const mine = this.#reservations.get(job.recipient.contact);
			if (mine) {
				mine.jobs.push(job);
				return;
			}
			this.#reservations.set(job.recipient.contact, { key: job.idempotencyKey, jobs: [job] });
			const enforce = resolveMessagingLimitOptions(job.policy.messagingLimit).enabled;
			(enforce ? enforced : counted).push(job);
		});
		if (enforced.length + counted.length === 0) return verdicts;
		const recipients = (list: TemplateJob[]) =>
			list.map((job) => ({ contact: job.recipient.contact, key: job.idempotencyKey }));
		const heldBefore = this.#budget?.held ?? 0;
		let result = await this.store.reserveReach({
			now,
			limit: this.#limit,
			recipients: recipients(enforced),
			oldest: heldBefore + enforced.length,
		});
		if (counted.length > 0) {
			// Items with the rule switched off still count for the others, and are never refused.
			const all = await this.store.reserveReach({
				now,
				limit: undefined,
				recipients: recipients(counted),
				oldest: 0,
			});
			result = { refused: result.refused, usage: { ...result.usage, count: all.usage.count } };
		}
		this.#reserved = { usage: result.usage, refused: result.refused.length };
		if (result.refused.length === 0) return verdicts;
		const holds = new Map<string, Hold>();
		result.refused.forEach((contact, position) => {
			const job = this.#reservations.get(contact)!.jobs[0];
			this.#reservations.delete(contact);
			const decision = checkMessagingLimit(
				{
					contact: job.recipient.input,
					limit: this.#limit,
					businessInitiated: true,
					recipientReachedAt: undefined,
					usage: result.usage,
					batch: { reached: 0, held: heldBefore + position },
				},
				{},
				now,
			);
			if (!decision.allowed) holds.set(contact, decision);
		});
		return verdicts.map((verdict, k) => {
			const hold = holds.get(jobs[k].recipient.contact);
			if (verdict.kind !== 'allow' || !hold || jobs[k].dryRun) return verdict;
			return { kind: 'hold', hold: { ...hold, category: verdict.category } };
		});
	}

	/** Gives back the places of contacts none of whose sends of this batch reached them. */
	async release(unsent: TemplateJob[]): Promise<void> {
		const gone = new Set(unsent);
		const keys = [...this.#reservations.values()]
			.filter(({ jobs }) => jobs.every((job) => gone.has(job)))
			.map(({ key }) => key);
		if (keys.length > 0) await this.store.releaseReach(keys);
	}

	/** The item field: the limit, the contacts reached in 24 hours and what is left after the batch. */
	field(): MessagingLimitField {
		const limit = this.#limit ?? null;
		const before = this.#usage?.count ?? 0;
		const reachedLast24h = this.#reserved
			? this.#reserved.usage.count
			: before + (this.#budget?.reached ?? 0);
		const remaining = placesLeft(limit, reachedLast24h);
		const waiting = (this.#budget?.held ?? 0) + (this.#reserved?.refused ?? 0);
		const warning =
			waiting === 0 || limit === null
				? null
				: `This batch had ${waiting} more new contact${waiting === 1 ? '' : 's'} than the business portfolio's messaging limit (${limit} unique contacts outside the customer service window in 24 hours, ${reachedLast24h} reached) leaves: ${waiting === 1 ? 'it was' : 'they were'} skipped with reason messaging_limit and a retryAt. Send ${waiting === 1 ? 'it' : 'them'} again from then, or split campaigns over days.`;
		return { limit, reachedLast24h, remaining, warning };
	}

	/** The node's execution hints: the limit's warning and what Meta could not tell. */
	hints(): string[] {
		const { warning } = this.field();
		return [...(warning ? [warning] : []), ...this.problems];
	}

	/**
	 * The field as an item field: one object for every item of the batch (the numbers are the
	 * batch's, set once the places are reserved), not one copy per item.
	 */
	itemField(): IDataObject {
		this.#item ??= this.field() as unknown as IDataObject;
		return this.#item;
	}
}

/** The lowest of the credential's and node's limits of the jobs (each job carries the lower one). */
function handLimit(jobs: TemplateJob[]): MessagingLimit | undefined {
	let limit: MessagingLimit | undefined;
	for (const job of jobs) limit = lowerMessagingLimit(limit, job.policy.messagingLimit?.limit);
	return limit;
}

function lowestMetaLimit(standings: Array<SenderStanding | undefined>): MessagingLimit | undefined {
	let limit: MessagingLimit | undefined;
	for (const s of standings) limit = lowerMessagingLimit(limit, s?.messagingLimit?.value);
	return limit;
}
