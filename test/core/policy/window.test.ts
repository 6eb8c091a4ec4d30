import { HOUR, ManualClock } from '../../../nodes/core/clock';
import {
	checkWindow,
	effectiveWindow,
	windowFromTriggerItem,
	windowStatus,
	type ItemInbound,
	type TriggerItemMessage,
} from '../../../nodes/core/policy';
import { CONTACT, SENDER, T0, WA_ID, windowState } from './fixtures';

describe('window', () => {
	it('is closed when the contact never wrote to this sender number', () => {
		const decision = checkWindow({ contact: CONTACT, window: undefined }, T0);
		expect(decision).toMatchObject({ allowed: false, rule: 'window', reason: 'window_closed' });
		expect(windowStatus(undefined, T0)).toEqual({ open: false });
	});

	it('is open until 1 ms before 24 hours after the last inbound message', () => {
		const clock = new ManualClock(T0 + 24 * HOUR - 1);
		const decision = checkWindow({ contact: CONTACT, window: windowState(T0) }, clock.now());
		expect(decision).toEqual({ allowed: true, openUntil: T0 + 24 * HOUR });
	});

	it('closes exactly 24 hours after the last inbound message', () => {
		const clock = new ManualClock(T0 + 24 * HOUR - 1);
		const window = windowState(T0);
		expect(checkWindow({ contact: CONTACT, window }, clock.now()).allowed).toBe(true);
		clock.advance(1);
		const decision = checkWindow({ contact: CONTACT, window }, clock.now());
		expect(decision).toMatchObject({ allowed: false, reason: 'window_closed' });
		expect(windowStatus(window, clock.now())).toEqual({ open: false, openUntil: T0 + 24 * HOUR });
	});

	it('refreshes with every message the contact sends', () => {
		const now = T0 + 30 * HOUR;
		expect(windowStatus(windowState(T0), now).open).toBe(false);
		expect(windowStatus(windowState(T0 + 10 * HOUR), now)).toEqual({
			open: true,
			openUntil: T0 + 34 * HOUR,
		});
	});

	it('closes when Meta answered 131047 after the last inbound message, whatever our clock says', () => {
		const window = windowState(T0, { closedAt: T0 + 2 * HOUR });
		expect(windowStatus(window, T0 + 2 * HOUR - 1)).toEqual({
			open: true,
			openUntil: T0 + 2 * HOUR,
		});
		const decision = checkWindow({ contact: CONTACT, window }, T0 + 2 * HOUR);
		expect(decision).toMatchObject({ allowed: false, reason: 'window_closed' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('WhatsApp reported');
	});

	it('opens again when the contact writes after a 131047', () => {
		const window = windowState(T0 + 3 * HOUR, { closedAt: T0 + 2 * HOUR });
		expect(windowStatus(window, T0 + 4 * HOUR)).toEqual({ open: true, openUntil: T0 + 27 * HOUR });
	});

	it('ignores a 131047 recorded at the same moment as the last inbound message', () => {
		const window = windowState(T0, { closedAt: T0 });
		expect(windowStatus(window, T0 + HOUR).open).toBe(true);
	});

	it('tells a non-developer to use a template, naming the contact', () => {
		const decision = checkWindow({ contact: CONTACT, window: windowState(T0) }, T0 + 25 * HOUR);
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain(CONTACT);
		expect(decision.message).toContain('template');
		expect(decision.message).toContain('2026-03-03 12:00 UTC');
		expect(decision.retryAt).toBeUndefined();
	});
});

describe('window from a trigger item', () => {
	const target = { sender: SENDER, contact: WA_ID };
	const message = (extra: Partial<TriggerItemMessage> = {}): TriggerItemMessage => ({
		kind: 'message',
		sender: SENDER,
		contacts: [WA_ID],
		at: T0 - HOUR,
		referral: false,
		...extra,
	});
	const inbound = (at: number, referral = false): ItemInbound => ({
		sender: SENDER,
		contact: WA_ID,
		at,
		referral,
	});

	it("counts the contact's message to this sender number", () => {
		expect(windowFromTriggerItem(message(), target, T0)).toEqual(inbound(T0 - HOUR));
		expect(windowFromTriggerItem(message({ kind: undefined }), target, T0)).toEqual(
			inbound(T0 - HOUR),
		);
	});

	it('ignores a status or another event, another sender number, another contact and no time', () => {
		expect(windowFromTriggerItem(message({ kind: 'status' }), target, T0)).toBeUndefined();
		expect(windowFromTriggerItem(message({ sender: '999' }), target, T0)).toBeUndefined();
		expect(
			windowFromTriggerItem(message({ contacts: ['4917600000000'] }), target, T0),
		).toBeUndefined();
		expect(windowFromTriggerItem(message({ at: undefined }), target, T0)).toBeUndefined();
		expect(windowFromTriggerItem(message({ at: Number.NaN }), target, T0)).toBeUndefined();
	});

	it('counts a time in the future as now, so item data cannot stretch the window', () => {
		const decided = windowFromTriggerItem(message({ at: T0 + 10 * HOUR }), target, T0);
		expect(decided?.at).toBe(T0);
	});

	it('keeps the stored window when it is as late as the item or later', () => {
		const stored = windowState(T0 - HOUR, { referralAt: T0 - HOUR });
		expect(effectiveWindow(stored, inbound(T0 - 2 * HOUR))).toEqual({
			window: stored,
			fromItem: false,
		});
		expect(effectiveWindow(stored, inbound(T0 - HOUR))).toEqual({
			window: stored,
			fromItem: false,
		});
		expect(effectiveWindow(stored, undefined)).toEqual({ window: stored, fromItem: false });
	});

	it("opens the window from the item's message when the store has none or an older one", () => {
		expect(effectiveWindow(undefined, inbound(T0 - HOUR))).toEqual({
			window: windowState(T0 - HOUR),
			fromItem: true,
		});
		const stored = windowState(T0 - 30 * HOUR, { closedAt: T0 - 6 * HOUR });
		const { window, fromItem } = effectiveWindow(stored, inbound(T0 - HOUR));
		expect(fromItem).toBe(true);
		expect(window).toEqual({ ...stored, lastInboundAt: T0 - HOUR });
		expect(windowStatus(window, T0).open).toBe(true);
	});

	it("takes the referral of the item's message, and keeps the stored one otherwise", () => {
		expect(effectiveWindow(undefined, inbound(T0 - HOUR, true)).window).toEqual(
			windowState(T0 - HOUR, { referralAt: T0 - HOUR }),
		);
		const stored = windowState(T0 - 3 * HOUR, { referralAt: T0 - 3 * HOUR });
		expect(effectiveWindow(stored, inbound(T0 - HOUR)).window?.referralAt).toBe(T0 - 3 * HOUR);
	});
});
