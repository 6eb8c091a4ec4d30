import { DAY, HOUR } from '../../../nodes/core/clock';
import { ALL_PURPOSES, MARKETING, TRANSACTIONAL } from '../../../nodes/core/model';
import {
	evaluateFreeForm,
	evaluateTemplateBatch,
	evaluateTemplateBatchWithBudget,
	evaluateTemplateSend,
	FREE_FORM_RULES,
	messagingLimitUsage,
	PolicyOptionError,
	TEMPLATE_SEND_RULES,
	type FreeFormInput,
	type PolicyOptions,
	type TemplateBatchResult,
	type TemplateSendInput,
} from '../../../nodes/core/policy';
import { CONTACT, SENDER, T0, WA_ID, consent, sent, templateState, windowState } from './fixtures';

/** A marketing template that every rule lets through at T0 (13:00 in Berlin). */
const marketingSend = (extra: Partial<TemplateSendInput> = {}): TemplateSendInput => ({
	contact: CONTACT,
	country: 'DE',
	timeZones: ['Europe/Berlin'],
	template: { name: 'spring_sale', language: 'de', category: 'marketing' },
	templateState: templateState('APPROVED', 'marketing'),
	consents: [consent(MARKETING, 'opted_in', T0 - DAY)],
	suppressed: false,
	window: undefined,
	marketingSentAt: [],
	idempotencyKey: `spring-sale-${WA_ID}`,
	existingSend: undefined,
	...extra,
});

const reason = (decision: { allowed: boolean; reason?: string }) =>
	decision.allowed ? 'allowed' : decision.reason;

describe('evaluateTemplateSend', () => {
	it('lets a template through every rule with its category and estimated price', () => {
		expect(evaluateTemplateSend(marketingSend(), {}, T0)).toEqual({
			allowed: true,
			category: 'marketing',
			categoryChanged: false,
			startsFreeEntryPoint: false,
			countsTowardMessagingLimit: true,
			price: {
				pricingCategory: 'marketing',
				billable: true,
				pricingType: 'regular',
				estimatedPrice: 0.1365,
				currency: 'USD',
				market: 'Germany',
			},
		});
	});

	it('runs the rules in the documented order', () => {
		expect(TEMPLATE_SEND_RULES).toEqual([
			'idempotency',
			'erasure',
			'template status',
			'consent',
			'us marketing',
			'quality',
			'frequency cap',
			'quiet hours',
			'messaging limit',
		]);
		// Every rule would hold this send; removing the cause of each hold in order reveals the next.
		const night = T0 + 9 * HOUR; // 22:00 in Berlin
		const atLimit = { limit: 2, usage: messagingLimitUsage([T0 - 2 * HOUR, T0 - HOUR], T0) };
		const input = marketingSend({
			country: 'US',
			timeZones: ['America/New_York'],
			existingSend: sent('accepted', { wamid: 'wamid.first' }),
			suppressed: false,
			templateState: undefined,
			consents: [],
			marketingSentAt: [T0 - 2 * DAY, T0 - DAY],
			numberQuality: 'RED',
			messagingLimit: atLimit,
		});
		const steps: Array<[Partial<TemplateSendInput>, string]> = [
			[{}, 'duplicate'],
			[{ existingSend: undefined, suppressed: true }, 'suppressed'],
			[{ suppressed: false }, 'template_unknown'],
			[{ templateState: templateState('APPROVED', 'marketing', { quality: 'RED' }) }, 'no_consent'],
			[{ consents: [consent(MARKETING, 'opted_in', T0 - DAY)] }, 'us_marketing'],
			[{ country: 'DE', timeZones: ['Europe/Berlin'] }, 'quality_low'],
			[{ numberQuality: 'GREEN' }, 'template_quality_low'],
			[
				{ templateState: templateState('APPROVED', 'marketing', { quality: 'GREEN' }) },
				'frequency_cap',
			],
			[{ marketingSentAt: [] }, 'quiet_hours'],
		];
		let current = input;
		for (const [change, expected] of steps) {
			current = { ...current, ...change };
			expect(reason(evaluateTemplateSend(current, {}, night))).toBe(expected);
		}
		expect(reason(evaluateTemplateSend(current, {}, T0))).toBe('messaging_limit');
		current = { ...current, messagingLimit: { ...atLimit, limit: 3 } };
		expect(reason(evaluateTemplateSend(current, {}, T0))).toBe('allowed');
	});

	it('returns the first wamid of a duplicate even when a later rule would hold it now', () => {
		const night = T0 + 9 * HOUR; // 22:00 in Berlin
		const decision = evaluateTemplateSend(
			marketingSend({
				existingSend: sent('accepted', { wamid: 'wamid.first' }),
				marketingSentAt: [T0 - DAY, T0 - HOUR],
			}),
			{},
			night,
		);
		expect(decision).toMatchObject({ allowed: false, rule: 'idempotency', wamid: 'wamid.first' });
	});

	describe('a duplicate of a contact who withdrew since the first send', () => {
		it('is held with the opt-out, naming the earlier send, not reported as sent', () => {
			const decision = evaluateTemplateSend(
				marketingSend({
					existingSend: sent('accepted', { wamid: 'wamid.first', sentAt: T0 - HOUR }),
					consents: [consent(MARKETING, 'opted_out', T0 - 10 * 60_000, 'button')],
				}),
				{},
				T0,
			);
			expect(decision).toMatchObject({
				allowed: false,
				rule: 'opt-out wins',
				reason: 'marketing_opted_out',
			});
			expect(decision.allowed || decision.message).toMatch(
				/had gone to them before \(WhatsApp message id wamid\.first\); nothing was sent now\.$/,
			);
		});

		it('is held as erased when the contact was erased since', () => {
			const decision = evaluateTemplateSend(
				marketingSend({
					existingSend: sent('accepted', { wamid: 'wamid.first' }),
					suppressed: true,
				}),
				{},
				T0,
			);
			expect(decision).toMatchObject({ allowed: false, rule: 'erasure', reason: 'suppressed' });
		});

		it('stays a duplicate when the opt-out came before the first send', () => {
			const decision = evaluateTemplateSend(
				marketingSend({
					template: { name: 'order_shipped', language: 'de', category: 'utility' },
					templateState: templateState('APPROVED', 'utility'),
					existingSend: sent('accepted', { wamid: 'wamid.first', sentAt: T0 - HOUR }),
					consents: [
						consent(MARKETING, 'opted_out', T0 - 2 * HOUR, 'button'),
						consent(TRANSACTIONAL, 'opted_in', T0 - DAY),
					],
				}),
				{},
				T0,
			);
			expect(decision).toMatchObject({ allowed: false, reason: 'duplicate' });
		});
	});

	it('applies consent to the category Meta has now, not the one the caller assumed', () => {
		const input = marketingSend({
			template: { name: 'order_news', language: 'de', category: 'utility' },
			templateState: templateState('APPROVED', 'marketing'),
			consents: [consent(TRANSACTIONAL, 'opted_in', T0 - DAY)],
		});
		expect(evaluateTemplateSend(input, {}, T0)).toMatchObject({
			allowed: false,
			reason: 'no_consent',
			category: 'marketing',
		});
		const allowed = evaluateTemplateSend(
			{ ...input, consents: [consent(MARKETING, 'opted_in', 0)] },
			{},
			T0,
		);
		expect(allowed).toMatchObject({ allowed: true, category: 'marketing', categoryChanged: true });
	});

	it('lets utility templates past the marketing-only rules', () => {
		const decision = evaluateTemplateSend(
			marketingSend({
				country: 'US',
				timeZones: ['America/New_York'],
				template: { name: 'order_shipped', language: 'en_US', category: 'utility' },
				templateState: templateState('APPROVED', 'utility'),
				consents: [consent(TRANSACTIONAL, 'opted_in', T0 - DAY)],
				marketingSentAt: [T0 - 2 * DAY, T0 - DAY],
			}),
			{},
			T0 + 9 * HOUR,
		);
		expect(decision).toMatchObject({
			allowed: true,
			category: 'utility',
			price: { estimatedPrice: 0.0034 },
		});
	});

	it('passes the double opt-in confirmation request and the topic on to the consent rule', () => {
		const utility = marketingSend({
			template: { name: 'confirm_optin', language: 'de', category: 'utility' },
			templateState: templateState('APPROVED', 'utility'),
			consents: [consent(MARKETING, 'pending', T0 - HOUR)],
		});
		expect(reason(evaluateTemplateSend(utility, {}, T0))).toBe('consent_pending');
		expect(reason(evaluateTemplateSend({ ...utility, doiConfirmation: true }, {}, T0))).toBe(
			'allowed',
		);
		const topic = marketingSend({ topic: 'back_in_stock' });
		expect(reason(evaluateTemplateSend(topic, {}, T0))).toBe('no_consent');
	});

	it('uses the configured frequency cap and quiet hours', () => {
		const input = marketingSend({ marketingSentAt: [T0 - 2 * DAY, T0 - DAY] });
		expect(reason(evaluateTemplateSend(input, { frequencyCap: { max: 3 } }, T0))).toBe('allowed');
		expect(
			reason(
				evaluateTemplateSend(
					input,
					{ frequencyCap: { enabled: false }, quietHours: { start: '12:00', end: '14:00' } },
					T0,
				),
			),
		).toBe('quiet_hours');
	});

	it('marks the reply that opens a free entry point window, and prices it free', () => {
		const fromAd = windowState(T0 - HOUR, { referralAt: T0 - HOUR });
		expect(evaluateTemplateSend(marketingSend({ window: fromAd }), {}, T0)).toMatchObject({
			allowed: true,
			startsFreeEntryPoint: true,
			price: { pricingType: 'free_entry_point', billable: false, estimatedPrice: 0 },
		});
	});

	it('holds marketing while the number or the template is rated low, not utility, unless turned off', () => {
		const lowNumber = marketingSend({ numberQuality: 'RED' });
		expect(evaluateTemplateSend(lowNumber, {}, T0)).toMatchObject({
			allowed: false,
			rule: 'quality',
			reason: 'quality_low',
			category: 'marketing',
		});
		const lowTemplate = marketingSend({
			templateState: templateState('APPROVED', 'marketing', { quality: 'RED' }),
		});
		expect(reason(evaluateTemplateSend(lowTemplate, {}, T0))).toBe('template_quality_low');
		const utility = marketingSend({
			numberQuality: 'RED',
			template: { name: 'order_shipped', language: 'de', category: 'utility' },
			templateState: templateState('APPROVED', 'utility', { quality: 'RED' }),
			consents: [consent(TRANSACTIONAL, 'opted_in', T0 - DAY)],
		});
		expect(reason(evaluateTemplateSend(utility, {}, T0))).toBe('allowed');
		const off = { quality: { enabled: false } };
		expect(reason(evaluateTemplateSend(lowNumber, off, T0))).toBe('allowed');
		expect(reason(evaluateTemplateSend(lowTemplate, off, T0))).toBe('allowed');
	});

	it('applies the messaging limit only to templates outside the window, to contacts not yet reached', () => {
		const atLimit = { limit: 1, usage: messagingLimitUsage([T0 - HOUR], T0) };
		const outside = marketingSend({ messagingLimit: atLimit });
		expect(evaluateTemplateSend(outside, {}, T0)).toMatchObject({
			allowed: false,
			rule: 'messaging limit',
			reason: 'messaging_limit',
			retryAt: T0 + 23 * HOUR,
		});
		const inWindow = { ...outside, window: windowState(T0 - HOUR) };
		expect(evaluateTemplateSend(inWindow, {}, T0)).toMatchObject({
			allowed: true,
			countsTowardMessagingLimit: false,
		});
		const reached = marketingSend({
			messagingLimit: { ...atLimit, recipientReachedAt: T0 - HOUR },
		});
		expect(evaluateTemplateSend(reached, {}, T0)).toMatchObject({
			allowed: true,
			countsTowardMessagingLimit: true,
		});
		expect(reason(evaluateTemplateSend(outside, { messagingLimit: { enabled: false } }, T0))).toBe(
			'allowed',
		);
		// Without the input (callers that do not read the usage yet) nothing is held.
		expect(reason(evaluateTemplateSend(marketingSend(), {}, T0))).toBe('allowed');
	});

	it('checks every option before any item, so a bad option fails the whole batch', () => {
		const duplicate = marketingSend({ existingSend: sent('accepted', { wamid: 'wamid.first' }) });
		expect(() => evaluateTemplateSend(duplicate, { frequencyCap: { max: 0 } }, T0)).toThrow(
			PolicyOptionError,
		);
		expect(() => evaluateTemplateSend(duplicate, { quietHours: { start: 'late' } }, T0)).toThrow(
			/quietHours.start/,
		);
		expect(() =>
			evaluateTemplateSend(duplicate, { pricing: { countryRates: { DE: { utility: -1 } } } }, T0),
		).toThrow(/pricing.countryRates.DE.utility/);
		expect(() =>
			evaluateTemplateSend(duplicate, { quality: { enabled: 'no' as unknown as boolean } }, T0),
		).toThrow(/quality.enabled/);
		expect(() => evaluateTemplateSend(duplicate, { messagingLimit: { limit: 0 } }, T0)).toThrow(
			/messagingLimit.limit/,
		);
	});
});

describe('evaluateTemplateBatch', () => {
	const item = (extra: Partial<TemplateSendInput> = {}, options: PolicyOptions = {}) => ({
		input: marketingSend(extra),
		options,
		contactKey: WA_ID,
	});
	const outcome = (result: TemplateBatchResult) =>
		result.kind === 'same_key' ? `same as ${result.first}` : reason(result.decision);

	it('counts the marketing templates it allows against the frequency cap of later items', () => {
		const cap = { frequencyCap: { max: 2 } };
		const results = evaluateTemplateBatch(
			[
				item({ idempotencyKey: 'a' }, cap),
				item({ idempotencyKey: 'b' }, cap),
				item({ idempotencyKey: 'c' }, cap),
			],
			T0,
		);
		expect(results.map(outcome)).toEqual(['allowed', 'allowed', 'frequency_cap']);
	});

	it('counts per contact, with the sends the store already has', () => {
		const other = {
			input: marketingSend({ idempotencyKey: 'o' }),
			options: {},
			contactKey: '49170',
		};
		const results = evaluateTemplateBatch(
			[
				item({ idempotencyKey: 'a', marketingSentAt: [T0 - DAY] }),
				other,
				item({ idempotencyKey: 'b', marketingSentAt: [T0 - DAY] }),
			],
			T0,
		);
		expect(results.map(outcome)).toEqual(['allowed', 'allowed', 'frequency_cap']);
	});

	it('counts neither held items nor utility templates', () => {
		const utility = {
			template: { name: 'order_shipped', language: 'de', category: 'utility' as const },
			templateState: templateState('APPROVED', 'utility'),
			consents: [consent(TRANSACTIONAL, 'opted_in', T0 - DAY)],
		};
		const results = evaluateTemplateBatch(
			[
				item({ idempotencyKey: 'u1', ...utility }),
				item({ idempotencyKey: 'held', consents: [] }),
				item({ idempotencyKey: 'u2', ...utility }),
				item({ idempotencyKey: 'm1' }),
				item({ idempotencyKey: 'm2' }),
			],
			T0,
		);
		expect(results.map(outcome)).toEqual([
			'allowed',
			'no_consent',
			'allowed',
			'allowed',
			'allowed',
		]);
	});

	it('does not evaluate an item repeating the key of an earlier allowed item: it is the same send', () => {
		const results = evaluateTemplateBatch(
			[
				item({ idempotencyKey: 'same' }, { frequencyCap: { max: 1 } }),
				item({ idempotencyKey: 'same' }, { frequencyCap: { max: 1 } }),
			],
			T0,
		);
		expect(results.map(outcome)).toEqual(['allowed', 'same as 0']);
	});

	it('evaluates an item repeating the key of an earlier held item on its own', () => {
		const results = evaluateTemplateBatch(
			[item({ idempotencyKey: 'k', consents: [] }), item({ idempotencyKey: 'k' })],
			T0,
		);
		expect(results.map(outcome)).toEqual(['no_consent', 'allowed']);
	});

	it('checks every option before deciding anything', () => {
		expect(() =>
			evaluateTemplateBatch(
				[
					item({ idempotencyKey: 'a' }),
					item({ idempotencyKey: 'b' }, { frequencyCap: { max: 0 } }),
				],
				T0,
			),
		).toThrow(PolicyOptionError);
	});
});

describe('evaluateFreeForm', () => {
	const reply = (extra: Partial<FreeFormInput> = {}): FreeFormInput => ({
		contact: CONTACT,
		country: 'DE',
		consents: [],
		suppressed: false,
		window: windowState(T0 - HOUR),
		existingSend: undefined,
		...extra,
	});

	it('runs the rules in the documented order', () => {
		expect(FREE_FORM_RULES).toEqual(['idempotency', 'window', 'erasure', 'opt-out wins']);
		// The opt-out came before the first send (which was its confirmation): still a duplicate.
		const stopped = [consent(ALL_PURPOSES, 'opted_out', T0 - 2 * HOUR, 'keyword')];
		const steps: Array<[Partial<FreeFormInput>, string]> = [
			[{}, 'duplicate'],
			[{ existingSend: undefined }, 'window_closed'],
			[{ window: windowState(T0 - 3 * HOUR), suppressed: true }, 'suppressed'],
			[{ suppressed: false }, 'opted_out'],
			[{ consents: [] }, 'allowed'],
		];
		let current = reply({
			idempotencyKey: 'reply-1',
			existingSend: sent('accepted', { wamid: 'wamid.first' }),
			window: undefined,
			suppressed: false,
			consents: stopped,
		});
		for (const [change, expected] of steps) {
			current = { ...current, ...change };
			expect(reason(evaluateFreeForm(current, T0))).toBe(expected);
		}
	});

	it('holds a repeated reply to a contact who opted out of everything since it was sent', () => {
		const decision = evaluateFreeForm(
			reply({
				idempotencyKey: 'reply-1',
				existingSend: sent('accepted', { wamid: 'wamid.first', sentAt: T0 - 2 * HOUR }),
				window: windowState(T0 - 3 * HOUR),
				consents: [consent(ALL_PURPOSES, 'opted_out', T0 - HOUR, 'keyword')],
			}),
			T0,
		);
		expect(decision).toMatchObject({ allowed: false, rule: 'opt-out wins', reason: 'opted_out' });
	});

	it('needs no opt-in to answer the contact inside the window, and says until when it may', () => {
		expect(evaluateFreeForm(reply(), T0)).toEqual({
			allowed: true,
			openUntil: T0 + 23 * HOUR,
			startsFreeEntryPoint: false,
			price: {
				pricingCategory: 'service',
				billable: false,
				pricingType: 'free_customer_service',
				estimatedPrice: 0,
				currency: 'USD',
			},
		});
	});

	it('is held outside the window even while a free entry point window is open', () => {
		const window = windowState(T0 - 30 * HOUR, {
			referralAt: T0 - 30 * HOUR,
			fepStartedAt: T0 - 29 * HOUR,
		});
		const decision = evaluateFreeForm(reply({ window }), T0);
		expect(decision).toMatchObject({ allowed: false, rule: 'window', reason: 'window_closed' });
	});

	it('after a STOP, sends only the opt-out confirmation as the reply to it', () => {
		const consents = [
			consent(MARKETING, 'opted_in', T0 - DAY),
			consent(ALL_PURPOSES, 'opted_out', T0 - HOUR, 'keyword'),
		];
		expect(evaluateFreeForm(reply({ consents }), T0)).toMatchObject({
			allowed: false,
			rule: 'opt-out wins',
			reason: 'opted_out',
		});
		expect(evaluateFreeForm(reply({ consents, optOutConfirmation: true }), T0).allowed).toBe(true);
	});

	it('answers a contact who writes again after opting out', () => {
		const consents = [consent(ALL_PURPOSES, 'opted_out', T0 - 2 * HOUR, 'keyword')];
		expect(evaluateFreeForm(reply({ consents }), T0).allowed).toBe(true);
	});

	it("answers within the window the item's own message opens when the store has none", () => {
		const itemInbound = { sender: SENDER, contact: WA_ID, at: T0 - HOUR, referral: true };
		expect(evaluateFreeForm(reply({ window: undefined, itemInbound }), T0)).toMatchObject({
			allowed: true,
			openUntil: T0 + 23 * HOUR,
			startsFreeEntryPoint: true,
		});
	});

	it("never lets the item's own message lift a STOP the store does not know was followed by a message", () => {
		const consents = [consent(ALL_PURPOSES, 'opted_out', T0 - 2 * HOUR, 'keyword')];
		const stored = windowState(T0 - 2 * HOUR);
		const itemInbound = { sender: SENDER, contact: WA_ID, at: T0 - HOUR, referral: false };
		expect(evaluateFreeForm(reply({ consents, window: stored, itemInbound }), T0)).toMatchObject({
			allowed: false,
			rule: 'opt-out wins',
			reason: 'opted_out',
		});
		// The same message recorded in the store does lift it.
		const recorded = windowState(T0 - HOUR);
		expect(evaluateFreeForm(reply({ consents, window: recorded }), T0).allowed).toBe(true);
	});

	it('still answers a contact who only stopped marketing', () => {
		const consents = [consent(MARKETING, 'opted_out', T0 - HOUR, 'user_preferences')];
		expect(evaluateFreeForm(reply({ consents }), T0).allowed).toBe(true);
	});

	it('prices the first reply to an ad free and marks it as opening the free entry point window', () => {
		const window = windowState(T0 - HOUR, { referralAt: T0 - HOUR });
		expect(evaluateFreeForm(reply({ window }), T0)).toMatchObject({
			allowed: true,
			startsFreeEntryPoint: true,
			price: { pricingCategory: 'referral_conversion', pricingType: 'free_entry_point' },
		});
	});

	it('may send again a reply whose earlier send failed', () => {
		const decision = evaluateFreeForm(
			reply({ idempotencyKey: 'reply-1', existingSend: sent('failed') }),
			T0,
		);
		expect(decision.allowed).toBe(true);
	});
});

describe('evaluateTemplateBatchWithBudget', () => {
	const usage = (times: number[]) => messagingLimitUsage(times, T0);
	let sends = 0;
	/** A marketing template to a contact of its own, outside the window. */
	const to = (
		contactKey: string,
		limit: { limit: number | 'unlimited'; usage: ReturnType<typeof usage> },
		extra: Partial<TemplateSendInput> = {},
		options: PolicyOptions = {},
	) => ({
		input: marketingSend({
			idempotencyKey: `k-${contactKey}-${sends++}`,
			messagingLimit: limit,
			...extra,
		}),
		options,
		contactKey,
	});
	const outcome = (result: TemplateBatchResult) =>
		result.kind === 'same_key' ? `same as ${result.first}` : reason(result.decision);
	const retryAt = (result: TemplateBatchResult) =>
		result.kind === 'decision' && !result.decision.allowed ? result.decision.retryAt : undefined;

	it('counts the new contacts it allows against the messaging limit of later items, and reports the budget', () => {
		const limit = { limit: 3, usage: usage([T0 - 20 * HOUR]) };
		const { results, messagingLimit } = evaluateTemplateBatchWithBudget(
			['a', 'b', 'c', 'd'].map((c) => to(c, limit)),
			T0,
		);
		expect(results.map(outcome)).toEqual([
			'allowed',
			'allowed',
			'messaging_limit',
			'messaging_limit',
		]);
		expect(messagingLimit).toEqual({
			limit: 3,
			usedBefore: 1,
			reached: 2,
			held: 2,
			remaining: 0,
			exceeded: true,
			nextSlotAt: T0 + 4 * HOUR,
		});
	});

	it("gives held items the times places free up in turn, the batch's own contacts last", () => {
		const limit = { limit: 2, usage: usage([T0 - 20 * HOUR]) };
		const { results } = evaluateTemplateBatchWithBudget(
			['a', 'b', 'c', 'd', 'e'].map((c) => to(c, limit)),
			T0,
		);
		expect(results.map(outcome)).toEqual([
			'allowed',
			'messaging_limit',
			'messaging_limit',
			'messaging_limit',
			'messaging_limit',
		]);
		// b takes the place of the contact reached 20 hours ago; c that of a; d waits for b's.
		expect(results.map(retryAt)).toEqual([
			undefined,
			T0 + 4 * HOUR,
			T0 + DAY,
			T0 + 4 * HOUR + DAY,
			T0 + 2 * DAY,
		]);
	});

	it('lets a second item to a contact the batch already reached through, and queues it with its first', () => {
		const limit = { limit: 2, usage: usage([T0 - 20 * HOUR]) };
		const { results, messagingLimit } = evaluateTemplateBatchWithBudget(
			[to('a', limit), to('a', limit), to('b', limit), to('c', limit), to('b', limit)],
			T0,
		);
		expect(results.map(outcome)).toEqual([
			'allowed',
			'allowed',
			'messaging_limit',
			'messaging_limit',
			'messaging_limit',
		]);
		expect(results.map(retryAt)).toEqual([
			undefined,
			undefined,
			T0 + 4 * HOUR,
			T0 + DAY,
			T0 + 4 * HOUR,
		]);
		expect(messagingLimit).toMatchObject({ reached: 1, held: 2, remaining: 0 });
	});

	it('counts neither contacts reached in the last 24 hours, nor replies inside the window, nor held items', () => {
		const limit = { limit: 2, usage: usage([T0 - 20 * HOUR]) };
		const { results, messagingLimit } = evaluateTemplateBatchWithBudget(
			[
				to('known', limit, { messagingLimit: { ...limit, recipientReachedAt: T0 - 20 * HOUR } }),
				to('chatting', limit, { window: windowState(T0 - HOUR) }),
				to('no-consent', limit, { consents: [] }),
				to('new', limit),
				to('late', limit),
			],
			T0,
		);
		expect(results.map(outcome)).toEqual([
			'allowed',
			'allowed',
			'no_consent',
			'allowed',
			'messaging_limit',
		]);
		expect(messagingLimit).toMatchObject({ usedBefore: 1, reached: 1, held: 1, remaining: 0 });
	});

	it('reports the room left, the lower limit set by hand, and nothing without the input', () => {
		const limit = { limit: 2000, usage: usage([T0 - HOUR]) };
		const byHand = { messagingLimit: { limit: 3 } };
		const within = evaluateTemplateBatchWithBudget([to('a', limit, {}, byHand)], T0);
		expect(within.messagingLimit).toEqual({
			limit: 3,
			usedBefore: 1,
			reached: 1,
			held: 0,
			remaining: 1,
			exceeded: false,
		});
		const unlimited = evaluateTemplateBatchWithBudget(
			[to('a', { ...limit, limit: 'unlimited' })],
			T0,
		);
		expect(unlimited.messagingLimit).toMatchObject({
			limit: 'unlimited',
			remaining: null,
			reached: 1,
		});
		const without = evaluateTemplateBatchWithBudget(
			[{ input: marketingSend(), options: {}, contactKey: WA_ID }],
			T0,
		);
		expect(without).toEqual({
			results: [{ kind: 'decision', decision: expect.objectContaining({ allowed: true }) }],
		});
	});
});
