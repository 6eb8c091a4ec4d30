/**
 * Rows to records and back, for both backends. Rows come as SQLite returns them (integers, 0/1,
 * JSON text) or as PostgreSQL does (bigint as string, booleans, jsonb objects); the mappers accept
 * both, so each shape is mapped once and a record from either backend deep-equals the other's.
 */
import type {
	ConsentAction,
	ConsentEvent,
	ConsentRecord,
	ConsentStatus,
	SendState,
	SentMessage,
	TemplateCategory,
	TemplateState,
	WindowState,
} from '../model';
import type { CostLedgerGroup } from '../report/costReport';
import type { StandingEntry, StandingName } from '../standing';
import type { CostSummaryRow, Delivery, Subscription } from './types';

/** A row as either driver returns it. */
export type Row = Record<string, unknown>;

function num(value: unknown): number | undefined {
	return value === null || value === undefined ? undefined : Number(value);
}

/** A nullable number column (SQLite number, PostgreSQL string for bigint) as a number. */
export const numberOrUndefined = num;

function str(value: unknown): string | undefined {
	return value === null || value === undefined ? undefined : String(value);
}

function bool(value: unknown): boolean {
	return value === true || value === 1 || value === 't';
}

/** Sets only defined values, so a record from either backend deep-equals the other's. */
function assign<T extends object>(target: T, extra: Partial<T>): T {
	for (const [k, v] of Object.entries(extra)) {
		if (v !== undefined) (target as Record<string, unknown>)[k] = v;
	}
	return target;
}

export function toConsentRecord(r: Row): ConsentRecord {
	return assign<ConsentRecord>(
		{
			contact: String(r.contact),
			purpose: String(r.purpose),
			status: r.status as ConsentStatus,
			changedAt: Number(r.changed_at),
			source: String(r.source),
		},
		{
			wording: str(r.wording),
			optedInAt: num(r.opted_in_at),
			confirmedAt: num(r.confirmed_at),
			optedOutAt: num(r.opted_out_at),
		},
	);
}

/** Consent rows grouped by contact, as the consent rule reads them (decideConsentBatch). */
export function recordsByContact(rows: readonly Row[]): Map<string, ConsentRecord[]> {
	const byContact = new Map<string, ConsentRecord[]>();
	for (const row of rows) {
		const record = toConsentRecord(row);
		const list = byContact.get(record.contact);
		if (list) list.push(record);
		else byContact.set(record.contact, [record]);
	}
	return byContact;
}

export function toConsentEvent(r: Row): ConsentEvent {
	const evidence =
		typeof r.evidence === 'string' ? JSON.parse(r.evidence) : (r.evidence ?? undefined);
	return assign<ConsentEvent>(
		{
			id: Number(r.id),
			contact: String(r.contact),
			purpose: String(r.purpose),
			action: r.action as ConsentAction,
			at: Number(r.at),
			source: String(r.source),
			recordedAt: Number(r.recorded_at),
			applied: bool(r.applied),
		},
		{
			wording: str(r.wording),
			evidence,
			reason: str(r.reason),
			recordedBy: str(r.recorded_by),
			eventKey: str(r.event_key),
			statusAfter: (r.status_after ?? undefined) as ConsentStatus | undefined,
			effectiveAt: num(r.effective_at),
		},
	);
}

export function toWindow(r: Row): WindowState {
	return assign<WindowState>(
		{
			sender: String(r.sender),
			contact: String(r.contact),
			lastInboundAt: Number(r.last_inbound_at),
		},
		{
			referralAt: num(r.referral_at),
			fepStartedAt: num(r.fep_started_at),
			closedAt: num(r.closed_at),
		},
	);
}

export function toSentMessage(r: Row): SentMessage {
	return assign<SentMessage>(
		{
			idempotencyKey: String(r.idempotency_key),
			sender: String(r.sender),
			contact: String(r.contact),
			state: r.state as SendState,
			kind: String(r.kind),
			category: r.category as TemplateCategory | 'service',
			createdAt: Number(r.created_at),
		},
		{
			wamid: str(r.wamid),
			sentAt: num(r.sent_at),
			estimatedPrice: num(r.estimated_price),
			currency: str(r.currency),
			errorCode: num(r.error_code),
			callbackId: str(r.callback_id),
			leftAt: num(r.left_at),
		},
	);
}

export function toTemplateState(r: Row): TemplateState {
	return assign<TemplateState>(
		{
			account: String(r.account),
			name: String(r.name),
			language: String(r.language),
			status: String(r.status),
			updatedAt: Number(r.updated_at),
		},
		{
			category: (r.category ?? undefined) as TemplateCategory | undefined,
			quality: str(r.quality),
			reason: str(r.reason),
		},
	);
}

export function toStandingEntry(r: Row): StandingEntry {
	return {
		subject: String(r.subject),
		name: String(r.name) as StandingName,
		value: String(r.value),
		at: Number(r.at),
		source: String(r.source),
	};
}

/** A row of costSummary as either backend returns it. */
export function toCostSummaryRow(r: Row): CostSummaryRow {
	return assign<CostSummaryRow>(
		{
			category: String(r.category),
			pricingType: String(r.pricing_type),
			messages: Number(r.messages),
			billable: Number(r.billable),
			estimatedTotal: Number(r.total),
		},
		{ currency: str(r.currency) },
	);
}

/** A cost report group as either backend returns it. */
export function toCostLedgerGroup(r: Row): CostLedgerGroup {
	return {
		day: Number(r.day),
		...(r.template === null || r.template === undefined ? {} : { template: String(r.template) }),
		category: String(r.category),
		pricingType: String(r.pricing_type),
		...(r.market === null || r.market === undefined ? {} : { market: String(r.market) }),
		...(r.currency === null || r.currency === undefined ? {} : { currency: String(r.currency) }),
		messages: Number(r.messages),
		billable: Number(r.billable),
		estimatedTotal: Number(r.total),
	};
}

/** A subscription's row values in column order (both backends' INSERT lists them so). */
export function subscriptionRow(s: Subscription): Array<string | number | null> {
	return [
		s.id,
		s.app,
		s.instance,
		s.mode,
		s.path,
		s.workflowId,
		s.node,
		JSON.stringify(s.filter ?? {}),
		JSON.stringify(s.effects ?? {}),
		s.registeredAt,
		s.expiresAt ?? null,
	];
}

export const SUBSCRIPTION_COLUMNS =
	'id, app, instance, mode, path, workflow_id, node, filter, effects, registered_at, expires_at';

export function toSubscription(r: Row): Subscription {
	const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : (value ?? {}));
	return assign<Subscription>(
		{
			id: String(r.id),
			app: String(r.app),
			instance: String(r.instance),
			mode: r.mode as Subscription['mode'],
			path: String(r.path),
			workflowId: String(r.workflow_id),
			node: String(r.node),
			filter: json(r.filter),
			effects: json(r.effects),
			registeredAt: Number(r.registered_at),
		},
		{ expiresAt: numberOrUndefined(r.expires_at) },
	);
}

export function toDelivery(r: Row): Delivery {
	return {
		seq: Number(r.seq),
		subscription: String(r.subscription),
		eventKey: String(r.event_key),
		event: String(r.event),
		createdAt: Number(r.created_at),
	};
}
