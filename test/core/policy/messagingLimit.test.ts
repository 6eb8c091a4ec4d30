import { DAY, HOUR } from '../../../nodes/core/clock';
import {
	admitRecipients,
	checkMessagingLimit,
	lowerMessagingLimit,
	MESSAGING_LIMIT_TIERS,
	messagingLimitBudget,
	messagingLimitFromMeta,
	messagingLimitUsage,
	metaTierOf,
	placeAfterFailedSend,
	nextSlotAt,
	placesLeft,
	PolicyOptionError,
	reachListLength,
	resolveMessagingLimitOptions,
	type MessagingLimitInput,
} from '../../../nodes/core/policy';
import { CONTACT, T0 } from './fixtures';

/** A template to a new contact outside the window, with the portfolio's recipients reached at `times`. */
const send = (
	limit: MessagingLimitInput['limit'],
	times: number[],
	extra: Partial<MessagingLimitInput> = {},
): MessagingLimitInput => ({
	contact: CONTACT,
	limit,
	businessInitiated: true,
	recipientReachedAt: undefined,
	usage: messagingLimitUsage(times, T0),
	...extra,
});

describe('messaging limit', () => {
	it('lets new contacts through until the portfolio reached its limit in the last 24 hours', () => {
		expect(checkMessagingLimit(send(3, [T0 - 2 * HOUR, T0 - HOUR]), {}, T0).allowed).toBe(true);
		const decision = checkMessagingLimit(send(2, [T0 - 2 * HOUR, T0 - HOUR]), {}, T0);
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'messaging limit',
			reason: 'messaging_limit',
			retryAt: T0 + 22 * HOUR,
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('already reached 2 contacts');
		expect(decision.message).toContain('messaging limit, shared by all its numbers, is 2');
		expect(decision.message).toContain(CONTACT);
		expect(decision.message).toContain('2026-03-03 10:00 UTC');
	});

	it('holds until the oldest counted contact leaves the 24 hours', () => {
		const times = [T0 - HOUR, T0 - 20 * HOUR, T0 - 5 * HOUR];
		expect(checkMessagingLimit(send(3, times), {}, T0)).toMatchObject({ retryAt: T0 + 4 * HOUR });
		// Over the limit (it was lowered): as many must leave as it takes to get below it.
		expect(checkMessagingLimit(send(2, times), {}, T0)).toMatchObject({ retryAt: T0 + 19 * HOUR });
	});

	it('counts a contact reached 24 hours minus 1 ms ago and not one reached exactly 24 hours ago', () => {
		const oldest = T0 - DAY;
		expect(messagingLimitUsage([oldest, oldest + 1, T0 - HOUR], T0)).toEqual({
			count: 2,
			oldestReachedAt: [oldest + 1, T0 - HOUR],
		});
	});

	it('never holds a reply inside the customer service window', () => {
		const full = send(1, [T0 - HOUR], { businessInitiated: false });
		expect(checkMessagingLimit(full, {}, T0).allowed).toBe(true);
	});

	it('never holds a contact already counted in the last 24 hours, whichever number reached them', () => {
		const full = send(1, [T0 - HOUR], { recipientReachedAt: T0 - HOUR });
		expect(checkMessagingLimit(full, {}, T0).allowed).toBe(true);
		const longAgo = send(1, [T0 - HOUR], { recipientReachedAt: T0 - DAY });
		expect(checkMessagingLimit(longAgo, {}, T0).allowed).toBe(false);
	});

	it('leaves the limit less the contacts reached, never below zero, and nothing to count while unlimited or unknown', () => {
		expect(placesLeft(250, 100)).toBe(150);
		expect(placesLeft(250, 300)).toBe(0);
		expect(placesLeft('unlimited', 300)).toBeNull();
		expect(placesLeft(null, 3)).toBeNull();
		expect(placesLeft(undefined, 3)).toBeNull();
	});

	it('holds nothing while the limit is unlimited or unknown', () => {
		const times = [T0 - 2 * HOUR, T0 - HOUR];
		expect(checkMessagingLimit(send('unlimited', times), {}, T0).allowed).toBe(true);
		expect(checkMessagingLimit(send(undefined, times), {}, T0).allowed).toBe(true);
	});

	it('uses a limit set by hand when it is lower than Meta’s or Meta’s is unknown, or nothing when turned off', () => {
		const times = [T0 - 2 * HOUR, T0 - HOUR];
		expect(checkMessagingLimit(send(2000, times), { limit: 2 }, T0).allowed).toBe(false);
		expect(checkMessagingLimit(send(undefined, times), { limit: 2 }, T0).allowed).toBe(false);
		expect(checkMessagingLimit(send(2, times), { limit: 'unlimited' }, T0).allowed).toBe(false);
		expect(checkMessagingLimit(send(2, times), { limit: 250 }, T0).allowed).toBe(false);
		expect(checkMessagingLimit(send(2, times), { enabled: false }, T0).allowed).toBe(true);
		expect(lowerMessagingLimit(undefined, 'unlimited')).toBe('unlimited');
		expect(lowerMessagingLimit(250, 'unlimited')).toBe(250);
		expect(lowerMessagingLimit(undefined, undefined)).toBeUndefined();
	});

	it('holds without a retry time when the store listed fewer contacts than it needs', () => {
		const cut = send(2, [], { usage: { count: 3, oldestReachedAt: [T0 - 5 * HOUR] } });
		const decision = checkMessagingLimit(cut, {}, T0);
		expect(decision).toMatchObject({ allowed: false, reason: 'messaging_limit' });
		expect(decision).not.toHaveProperty('retryAt');
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('once a contact reached earlier leaves the 24 hours');
	});

	it("frees places in turn: stored contacts oldest first, then the batch's own, then those that waited", () => {
		const usage = messagingLimitUsage([T0 - 20 * HOUR, T0 - 10 * HOUR], T0);
		expect(nextSlotAt(usage, 3, { reached: 0, held: 0 }, T0)).toBeUndefined();
		expect(nextSlotAt(usage, 2, { reached: 0, held: 0 }, T0)).toBe(T0 + 4 * HOUR);
		expect(nextSlotAt(usage, 2, { reached: 0, held: 1 }, T0)).toBe(T0 + 14 * HOUR);
		// Both stored contacts' places are taken by the first two waiting: the third waits for the first.
		expect(nextSlotAt(usage, 2, { reached: 0, held: 2 }, T0)).toBe(T0 + 4 * HOUR + DAY);
		// Limit 2 with 3 counted (one the batch's own): two must leave before the first waiting fits.
		expect(nextSlotAt(usage, 2, { reached: 1, held: 0 }, T0)).toBe(T0 + 14 * HOUR);
		expect(nextSlotAt(usage, 2, { reached: 1, held: 1 }, T0)).toBe(T0 + DAY);
		expect(nextSlotAt(usage, 2, { reached: 1, held: 2 }, T0)).toBe(T0 + 14 * HOUR + DAY);
	});

	it('reports the budget a batch leaves', () => {
		const usage = messagingLimitUsage([T0 - 20 * HOUR], T0);
		expect(messagingLimitBudget(250, usage, { reached: 10, held: 0 }, T0)).toEqual({
			limit: 250,
			usedBefore: 1,
			reached: 10,
			held: 0,
			remaining: 239,
			exceeded: false,
		});
		expect(messagingLimitBudget(2, usage, { reached: 1, held: 5 }, T0)).toEqual({
			limit: 2,
			usedBefore: 1,
			reached: 1,
			held: 5,
			remaining: 0,
			exceeded: true,
			nextSlotAt: T0 + 4 * HOUR,
		});
		expect(messagingLimitBudget('unlimited', usage, { reached: 3, held: 0 }, T0)).toMatchObject({
			remaining: null,
			exceeded: false,
		});
	});

	it("reads Meta's forms of the limit", () => {
		expect(MESSAGING_LIMIT_TIERS).toEqual([250, 2000, 10000, 100000, 'unlimited']);
		expect(messagingLimitFromMeta('TIER_250')).toBe(250);
		expect(messagingLimitFromMeta('TIER_2K')).toBe(2000);
		expect(messagingLimitFromMeta('tier_10k ')).toBe(10000);
		expect(messagingLimitFromMeta('TIER_100K')).toBe(100000);
		expect(messagingLimitFromMeta('TIER_UNLIMITED')).toBe('unlimited');
		expect(messagingLimitFromMeta('UNLIMITED')).toBe('unlimited');
		// Per-number tiers from before October 2025.
		expect(messagingLimitFromMeta('TIER_50')).toBe(50);
		expect(messagingLimitFromMeta('TIER_1K')).toBe(1000);
		// business_capability_update: integers, -1 for unlimited.
		expect(messagingLimitFromMeta(2000)).toBe(2000);
		expect(messagingLimitFromMeta(-1)).toBe('unlimited');
		expect(messagingLimitFromMeta('-1')).toBe('unlimited');
		expect(messagingLimitFromMeta('10000')).toBe(10000);
		for (const none of ['TIER_NOT_SET', 'TIER_5', '', 0, 2.5, null, undefined, {}]) {
			expect(messagingLimitFromMeta(none)).toBeUndefined();
		}
		expect(metaTierOf(2000)).toBe('TIER_2K');
		expect(metaTierOf('unlimited')).toBe('TIER_UNLIMITED');
		expect(metaTierOf(1234)).toBeUndefined();
	});

	it('rejects options it cannot use, naming the field', () => {
		const error = (options: object) => {
			try {
				resolveMessagingLimitOptions(options);
			} catch (e) {
				return e as PolicyOptionError;
			}
			throw new Error('expected a PolicyOptionError');
		};
		expect(error({ limit: 0 })).toMatchObject({ field: 'messagingLimit.limit' });
		expect(error({ limit: 0 }).message).toContain("at least 1 or 'unlimited', got 0");
		expect(error({ limit: 2.5 }).field).toBe('messagingLimit.limit');
		expect(error({ limit: 'TIER_2K' }).field).toBe('messagingLimit.limit');
		expect(error({ enabled: 'yes' })).toMatchObject({ field: 'messagingLimit.enabled' });
		expect(resolveMessagingLimitOptions({})).toEqual({ enabled: true, limit: undefined });
	});
});

describe('messaging limit: admission (the store applies the rule when a batch reserves its places)', () => {
	const admit = (
		recipients: string[],
		counted: string[],
		count: number,
		limit: Parameters<typeof admitRecipients>[4],
	) =>
		admitRecipients(
			recipients,
			(r) => r,
			(r) => counted.includes(r),
			count,
			limit,
		);

	it('admits contacts already counted, then new ones in order while fewer than the limit are counted', () => {
		expect(admit(['new-1', 'old', 'new-2', 'new-3'], ['old'], 2, 4)).toEqual({
			refreshed: ['old'],
			added: ['new-1', 'new-2'],
			refused: ['new-3'],
		});
	});

	it('refuses every new contact at the limit and none when it is unknown or unlimited', () => {
		expect(admit(['a', 'b'], [], 3, 3).refused).toEqual(['a', 'b']);
		expect(admit(['a', 'b'], [], 3, 2).refused).toEqual(['a', 'b']);
		expect(admit(['a', 'b'], [], 3, undefined).added).toEqual(['a', 'b']);
		expect(admit(['a', 'b'], [], 3, 'unlimited').added).toEqual(['a', 'b']);
	});

	it('takes a contact given twice once', () => {
		expect(admit(['a', 'a', 'b'], [], 0, 1)).toEqual({
			refreshed: [],
			added: ['a'],
			refused: ['b'],
		});
	});
});

describe('messaging limit: the reach times a store reads (reachListLength)', () => {
	it('reads none while the batch fits, and those a held item waits for once it does not', () => {
		// 10 counted, limit 100: a batch of 5 fits.
		expect(reachListLength(10, 100, 5)).toBe(0);
		// 98 counted: the 3rd to 5th of the batch wait for the 1st to 3rd oldest to leave.
		expect(reachListLength(98, 100, 5)).toBe(3);
		// Already past a lowered limit: the first count - limit leave before any place frees.
		expect(reachListLength(120, 100, 5)).toBe(25);
	});

	it('reads as many as the batch when the limit is unknown or unlimited, never more than are counted', () => {
		expect(reachListLength(10, undefined, 5)).toBe(5);
		expect(reachListLength(10, 'unlimited', 5)).toBe(5);
		expect(reachListLength(3, undefined, 5)).toBe(3);
		expect(reachListLength(120, 100, 500)).toBe(120);
	});
});

describe('messaging limit: a send that reached nobody gives its place back', () => {
	it('frees the place a failed template took, since Meta counts only messages that reached someone', () => {
		expect(placeAfterFailedSend({ reservedBy: 'send-1', previousAt: undefined }, 'send-1')).toBe(
			'freed',
		);
	});

	it('puts the place back to the earlier reach time when the failed template only refreshed it', () => {
		expect(placeAfterFailedSend({ reservedBy: 'send-2', previousAt: T0 - HOUR }, 'send-2')).toBe(
			'earlier',
		);
	});

	it('keeps the place a later send holds now, and one no send holds any more', () => {
		expect(placeAfterFailedSend({ reservedBy: 'send-3', previousAt: T0 }, 'send-2')).toBe('kept');
		expect(placeAfterFailedSend({ reservedBy: undefined, previousAt: undefined }, 'send-2')).toBe(
			'kept',
		);
	});
});
