import { CLOCK_SKEW_ALLOWANCE, HOUR, MINUTE, SECOND } from '../../../nodes/core/clock';
import {
	ALL_PURPOSES,
	MARKETING,
	TRANSACTIONAL,
	type ConsentEventInput,
	type ConsentRecord,
} from '../../../nodes/core/model';
import { checkConsent, checkReplyAfterOptOut, effectiveConsent } from '../../../nodes/core/policy';
import {
	decideConsent,
	decideConsentBatch,
	effectiveTime,
	type ConsentOutcome,
} from '../../../nodes/core/policy/consentChange';
import { deriveEffects } from '../../../nodes/core/webhook/effects';
import { normalizeEnvelope } from '../../../nodes/core/webhook/events';
import { parseWebhookEnvelope } from '../../../nodes/core/wire';
import {
	CONTACT_WA_ID,
	statusWebhook,
	templateButtonWebhook,
	textMessageWebhook,
	userPreferencesWebhook,
	type JsonObject,
} from '../wire/fixtures';

const T0 = Date.UTC(2025, 5, 1, 12);
const CONTACT = '4915112345678';

function event(
	action: ConsentEventInput['action'],
	at: number,
	extra: Partial<ConsentEventInput> = {},
): ConsentEventInput {
	return { contact: CONTACT, purpose: MARKETING, action, at, source: 'web_form', ...extra };
}

function record(
	status: ConsentRecord['status'],
	changedAt: number,
	extra: Partial<ConsentRecord> = {},
): ConsentRecord {
	return {
		contact: CONTACT,
		purpose: MARKETING,
		status,
		changedAt,
		source: 'web_form',
		optedInAt: T0 - HOUR,
		...extra,
	};
}

/** The records after applying `events` in order, starting from nothing. */
function recordsAfter(...events: ConsentEventInput[]): ConsentRecord[] {
	const { records } = decideConsentBatch({
		current: new Map(),
		events,
		knownEventKeys: new Set(),
		suppressed: new Set(),
	});
	return records;
}

describe('consent rule: the latest change decides', () => {
	it('lets a newer event decide and keeps the first opt-in time', () => {
		expect(decideConsent([record('opted_in', T0)], event('opt_out', T0 + HOUR))).toEqual({
			applied: true,
			statusAfter: 'opted_out',
			record: {
				contact: CONTACT,
				purpose: MARKETING,
				status: 'opted_out',
				changedAt: T0 + HOUR,
				source: 'web_form',
				optedInAt: T0 - HOUR,
				optedOutAt: T0 + HOUR,
			},
		});
	});

	it('keeps an older opt-in that arrives late in the history only', () => {
		expect(decideConsent([record('opted_out', T0)], event('opt_in', T0 - 1))).toEqual({
			applied: false,
			statusAfter: 'opted_out',
		});
	});

	it('breaks a tie towards the more restrictive status: opted out, opted in, pending', () => {
		expect(decideConsent([record('opted_in', T0)], event('opt_out', T0)).applied).toBe(true);
		expect(decideConsent([record('opted_out', T0)], event('opt_in', T0)).applied).toBe(false);
		expect(decideConsent([record('pending', T0)], event('opt_in', T0)).applied).toBe(true);
		expect(decideConsent([record('opted_in', T0)], event('request_confirmation', T0)).applied).toBe(
			false,
		);
		expect(decideConsent([record('opted_in', T0)], event('opt_in', T0)).applied).toBe(false);
	});

	it('starts a record for a first opt-in, request or opt-out', () => {
		expect(decideConsent([], event('request_confirmation', T0)).record).toEqual({
			contact: CONTACT,
			purpose: MARKETING,
			status: 'pending',
			changedAt: T0,
			source: 'web_form',
			optedInAt: T0,
		});
		expect(decideConsent([], event('opt_out', T0)).record).toEqual({
			contact: CONTACT,
			purpose: MARKETING,
			status: 'opted_out',
			changedAt: T0,
			source: 'web_form',
			optedOutAt: T0,
		});
	});

	it("reads only the event's own purpose", () => {
		const records = [record('opted_out', T0 + HOUR, { purpose: TRANSACTIONAL })];
		expect(decideConsent(records, event('opt_in', T0)).applied).toBe(true);
	});
});

describe('consent rule: opt-out wins within the clock allowance', () => {
	it('is five minutes, the allowance confirmations get too', () => {
		expect(CLOCK_SKEW_ALLOWANCE).toBe(5 * MINUTE);
	});

	it('lets a STOP stamped in the same second as an earlier opt-in win, at the opt-in time', () => {
		// The host stamped the opt-in at .077; Meta stamps the STOP that came after it at .000.
		const optedIn = record('opted_in', T0 + 77);
		expect(decideConsent([optedIn], event('opt_out', T0, { source: 'keyword' }))).toEqual({
			applied: true,
			effectiveAt: T0 + 77,
			statusAfter: 'opted_out',
			record: {
				contact: CONTACT,
				purpose: MARKETING,
				status: 'opted_out',
				changedAt: T0 + 77,
				source: 'keyword',
				optedInAt: T0 - HOUR,
				optedOutAt: T0 + 77,
			},
		});
	});

	it('wins over an opt-in, request or confirm stamped up to the allowance later (inclusive)', () => {
		for (const status of ['opted_in', 'pending'] as const) {
			const later = record(status, T0 + CLOCK_SKEW_ALLOWANCE, { confirmedAt: T0 });
			expect(decideConsent([later], event('opt_out', T0))).toMatchObject({
				applied: true,
				effectiveAt: T0 + CLOCK_SKEW_ALLOWANCE,
				record: { status: 'opted_out', changedAt: T0 + CLOCK_SKEW_ALLOWANCE },
			});
		}
	});

	it('does not win over a change stamped more than the allowance later', () => {
		const later = record('opted_in', T0 + CLOCK_SKEW_ALLOWANCE + 1);
		expect(decideConsent([later], event('opt_out', T0))).toEqual({
			applied: false,
			statusAfter: 'opted_in',
		});
	});

	it('lets a change recorded after the opt-out with a newer time win as usual', () => {
		const stop = event('opt_out', T0, { source: 'keyword' });
		// START a minute after the STOP: newer, so it decides.
		expect(recordsAfter(stop, event('opt_in', T0 + MINUTE))).toMatchObject([
			{ status: 'opted_in', changedAt: T0 + MINUTE, optedOutAt: T0 },
		]);
		// After a STOP that took effect at an opt-in's time, only a newer time wins; a tie is the opt-out's.
		const base = [event('opt_in', T0 + 77), stop];
		expect(recordsAfter(...base, event('opt_in', T0 + 77))).toMatchObject([
			{ status: 'opted_out', changedAt: T0 + 77 },
		]);
		expect(recordsAfter(...base, event('opt_in', T0 + 78))).toMatchObject([
			{ status: 'opted_in', changedAt: T0 + 78 },
		]);
	});

	it('moves an opt-out over an earlier opt-out only forward, and never to the allowance', () => {
		expect(decideConsent([record('opted_out', T0 + SECOND)], event('opt_out', T0))).toEqual({
			applied: false,
			statusAfter: 'opted_out',
		});
		expect(decideConsent([record('opted_out', T0)], event('opt_out', T0 + SECOND))).toMatchObject({
			applied: true,
			record: { changedAt: T0 + SECOND, optedOutAt: T0 + SECOND },
		});
		expect(
			decideConsent([record('opted_out', T0)], event('opt_out', T0 + SECOND)),
		).not.toHaveProperty('effectiveAt');
	});

	it('lets a STOP on all purposes take effect after every purpose change it overrides, so it overrides them', () => {
		const records = [
			record('opted_in', T0 + 77, { purpose: TRANSACTIONAL }),
			record('pending', T0 + 40, { purpose: 'back_in_stock' }),
			// A newer opt-out of a purpose does not move it: it overrides nothing there.
			record('opted_out', T0 + MINUTE, { purpose: 'price_drop' }),
			// Stamped beyond the allowance: a later change the STOP does not override.
			record('opted_in', T0 + CLOCK_SKEW_ALLOWANCE + SECOND, { purpose: 'news' }),
		];
		const stop = event('opt_out', T0, { purpose: ALL_PURPOSES, source: 'keyword' });
		const decision = decideConsent(records, stop);
		expect(decision).toMatchObject({ applied: true, effectiveAt: T0 + 77 });
		const after = [...records, decision.record!];
		expect(effectiveConsent(after, TRANSACTIONAL)).toMatchObject({
			status: 'opted_out',
			byFullOptOut: true,
		});
		expect(effectiveConsent(after, 'back_in_stock')?.status).toBe('opted_out');
		expect(effectiveConsent(after, 'news')).toMatchObject({ status: 'opted_in' });
	});

	it("moves a purpose's opt-out only with that purpose's own changes", () => {
		const records = [
			record('opted_in', T0 - HOUR),
			record('opted_in', T0 + 77, { purpose: TRANSACTIONAL }),
		];
		expect(decideConsent(records, event('opt_out', T0, { source: 'button' }))).toMatchObject({
			applied: true,
			record: { changedAt: T0 },
		});
	});

	it('holds marketing, utility and free-form replies after a STOP in the same second as the opt-in', () => {
		const records = recordsAfter(
			event('opt_in', T0 + 77),
			event('opt_in', T0 + 77, { purpose: TRANSACTIONAL }),
			// A STOP keyword is an opt-out on all purposes and on marketing (webhook/effects/rules.ts).
			event('opt_out', T0, { purpose: ALL_PURPOSES, source: 'keyword' }),
			event('opt_out', T0, { source: 'keyword' }),
		);
		for (const category of ['marketing', 'utility', 'authentication'] as const) {
			expect(checkConsent({ contact: CONTACT, category, consents: records })).toMatchObject({
				allowed: false,
				reason: 'opted_out',
			});
		}
		expect(
			checkReplyAfterOptOut({ contact: CONTACT, consents: records, lastInboundAt: T0 }),
		).toMatchObject({ allowed: false, reason: 'opted_out' });
	});

	describe('holds for every kind of opt-out a webhook records', () => {
		function consentOf(body: JsonObject): ConsentEventInput[] {
			const parsed = parseWebhookEnvelope(body);
			if (!parsed.ok) throw new Error(parsed.error);
			const [webhookEvent] = normalizeEnvelope(parsed.envelope, { receivedAt: T0 });
			const effects = deriveEffects(webhookEvent, {}, { receivedAt: T0 });
			expect(effects.consent?.length).toBeGreaterThan(0);
			return effects.consent!;
		}
		const cases: Array<[string, JsonObject]> = [
			['a STOP keyword', textMessageWebhook({ text: 'STOP' })],
			[
				'a "Stop promotions" tap',
				templateButtonWebhook({ payload: 'STOP_PROMOTIONS', text: 'Stop promotions' }),
			],
			[
				"WhatsApp's own marketing stop (user_preferences)",
				userPreferencesWebhook({ value: 'stop' }),
			],
			[
				'a 131050 failure',
				statusWebhook({
					status: 'failed',
					pricing: null,
					errors: [{ code: 131050, title: 'User has stopped marketing messages' }],
				}),
			],
		];
		it.each(cases)('%s in the same second as the opt-in', (_, body) => {
			const optOuts = consentOf(body);
			const at = optOuts[0].at;
			expect(at % SECOND).toBe(0);
			const records = recordsAfter(
				event('opt_in', at + 77, { contact: CONTACT_WA_ID }),
				...optOuts,
			);
			expect(
				checkConsent({ contact: CONTACT_WA_ID, category: 'marketing', consents: records }),
			).toMatchObject({ allowed: false });
			expect(effectiveConsent(records, MARKETING)).toMatchObject({
				status: 'opted_out',
				changedAt: at + 77,
			});
		});
	});
});

describe('consent rule: double opt-in', () => {
	it('confirms only a pending purpose', () => {
		expect(decideConsent([record('pending', T0)], event('confirm', T0 + 1))).toMatchObject({
			applied: true,
			record: { status: 'opted_in', confirmedAt: T0 + 1 },
		});
		expect(decideConsent([record('opted_out', T0)], event('confirm', T0 + 1)).applied).toBe(false);
		expect(decideConsent([], event('confirm', T0))).toEqual({ applied: false });
	});

	it('lets a confirmation stamped within the allowance before the request confirm it, at the request time', () => {
		const pending = record('pending', T0 + 400, { wording: 'Offers on WhatsApp' });
		const sameSecond = event('confirm', T0, { source: 'button', wording: 'Yes, subscribe' });
		expect(decideConsent([pending], sameSecond)).toEqual({
			applied: true,
			effectiveAt: T0 + 400,
			statusAfter: 'opted_in',
			record: {
				contact: CONTACT,
				purpose: MARKETING,
				status: 'opted_in',
				changedAt: T0 + 400,
				source: 'web_form',
				wording: 'Offers on WhatsApp',
				optedInAt: T0 - HOUR,
				confirmedAt: T0 + 400,
			},
		});
		const edge = event('confirm', T0 + 400 - CLOCK_SKEW_ALLOWANCE);
		expect(decideConsent([pending], edge)).toMatchObject({
			applied: true,
			effectiveAt: T0 + 400,
		});
	});

	it('keeps a confirmation older than the request by more than the allowance in the history only', () => {
		expect(
			decideConsent([record('pending', T0)], event('confirm', T0 - CLOCK_SKEW_ALLOWANCE - 1)),
		).toEqual({ applied: false, statusAfter: 'pending' });
	});

	it('does not let a confirmation reach back across an opt-out of the purpose', () => {
		const pending = record('pending', T0, { optedOutAt: T0 - 1000 });
		expect(decideConsent([pending], event('confirm', T0 - 1000)).applied).toBe(false);
		expect(decideConsent([pending], event('confirm', T0 - 999))).toMatchObject({
			applied: true,
			effectiveAt: T0,
			record: { optedOutAt: T0 - 1000, confirmedAt: T0 },
		});
	});

	it('loses to a STOP in the same second, whichever of the two arrives first', () => {
		const request = event('request_confirmation', T0 + 400);
		const confirm = event('confirm', T0, { source: 'button' });
		const stop = event('opt_out', T0, { source: 'keyword' });
		expect(recordsAfter(request, confirm, stop)).toMatchObject([
			{ status: 'opted_out', changedAt: T0 + 400 },
		]);
		expect(recordsAfter(request, stop, confirm)).toMatchObject([
			{ status: 'opted_out', changedAt: T0 + 400 },
		]);
	});

	it('keeps the source and wording the contact consented to when confirmed', () => {
		const pending = record('pending', T0, { wording: 'Offers on WhatsApp' });
		const tap = event('confirm', T0 + MINUTE, { source: 'button', wording: 'Yes, subscribe' });
		expect(decideConsent([pending], tap).record).toMatchObject({
			source: 'web_form',
			wording: 'Offers on WhatsApp',
			changedAt: T0 + MINUTE,
		});
		expect(decideConsent([record('pending', T0)], tap).record).not.toHaveProperty('wording');
	});
});

describe('consent rule: a batch', () => {
	const outcomeOf = (o: ConsentOutcome) =>
		o.skipped ? o.skipped : [o.applied, o.statusAfter, o.effectiveAt];

	it('applies the events in order, each seeing what the earlier ones left', () => {
		const decision = decideConsentBatch({
			current: new Map([[CONTACT, [record('opted_in', T0 + 77)]]]),
			events: [
				event('opt_out', T0, { source: 'keyword' }),
				event('opt_in', T0 + 77),
				event('opt_in', T0 + HOUR, { purpose: TRANSACTIONAL }),
			],
			knownEventKeys: new Set(),
			suppressed: new Set(),
		});
		expect(decision.outcomes.map(outcomeOf)).toEqual([
			[true, 'opted_out', T0 + 77],
			[false, 'opted_out', undefined],
			[true, 'opted_in', undefined],
		]);
		expect(decision.records.map((r) => [r.purpose, r.status, r.changedAt])).toEqual([
			[MARKETING, 'opted_out', T0 + 77],
			[TRANSACTIONAL, 'opted_in', T0 + HOUR],
		]);
	});

	it('skips events whose key was recorded before or came earlier in the batch', () => {
		const decision = decideConsentBatch({
			current: new Map(),
			events: [
				event('opt_in', T0, { eventKey: 'import-1' }),
				event('opt_out', T0 + 1, { eventKey: 'import-1' }),
				event('opt_out', T0 + 2, { eventKey: 'webhook-1' }),
				event('opt_in', T0 + 3),
			],
			knownEventKeys: new Set(['webhook-1']),
			suppressed: new Set(),
		});
		expect(decision.outcomes.map(outcomeOf)).toEqual([
			[true, 'opted_in', undefined],
			'duplicate',
			'duplicate',
			[true, 'opted_in', undefined],
		]);
	});

	it('skips every event of an erased contact and keeps the others', () => {
		const other = '4917600000000';
		const decision = decideConsentBatch({
			current: new Map(),
			events: [event('opt_in', T0), event('opt_in', T0, { contact: other })],
			knownEventKeys: new Set(),
			suppressed: new Set([CONTACT]),
		});
		expect(decision.outcomes.map(outcomeOf)).toEqual(['suppressed', [true, 'opted_in', undefined]]);
		expect(decision.records.map((r) => r.contact)).toEqual([other]);
	});

	it('orders histories by the time an event took effect', () => {
		expect(effectiveTime({ at: T0, effectiveAt: T0 + 77 })).toBe(T0 + 77);
		expect(effectiveTime({ at: T0 })).toBe(T0);
	});
});
