import { HOUR } from '../../../nodes/core/clock';
import {
	freeEntryPointStartedBy,
	freeEntryPointStatus,
	isFreeEntryPoint,
	startsFreeEntryPoint,
	windowStatus,
} from '../../../nodes/core/policy';
import { T0, windowState } from './fixtures';

describe('fep', () => {
	const fromAd = windowState(T0, { referralAt: T0 });

	it('starts with a reply less than 24 hours after a message from a click-to-WhatsApp ad', () => {
		expect(startsFreeEntryPoint(fromAd, T0 + 24 * HOUR - 1)).toBe(true);
		expect(startsFreeEntryPoint(fromAd, T0 + 24 * HOUR)).toBe(false);
	});

	it('does not start for a contact who did not come from an ad or Page button', () => {
		expect(startsFreeEntryPoint(windowState(T0), T0 + HOUR)).toBe(false);
		expect(startsFreeEntryPoint(undefined, T0)).toBe(false);
	});

	it('starts once per referral: later replies ride on the window the first one opened', () => {
		const started = windowState(T0, { referralAt: T0, fepStartedAt: T0 + HOUR });
		expect(startsFreeEntryPoint(started, T0 + 2 * HOUR)).toBe(false);
	});

	it('is not extended by a newer referral while it is open', () => {
		const again = windowState(T0 + 10 * HOUR, { referralAt: T0 + 10 * HOUR, fepStartedAt: T0 });
		expect(startsFreeEntryPoint(again, T0 + 11 * HOUR)).toBe(false);
	});

	it('starts again for a new referral after the previous window ended', () => {
		const later = windowState(T0 + 80 * HOUR, { referralAt: T0 + 80 * HOUR, fepStartedAt: T0 });
		expect(startsFreeEntryPoint(later, T0 + 81 * HOUR)).toBe(true);
	});

	it('is started by the first of the replies that left, in the order they left', () => {
		expect(freeEntryPointStartedBy(fromAd, [T0 + 2 * HOUR, T0 + HOUR])).toBe(T0 + HOUR);
		// Not before the referral, nor 24 hours after it; the later reply of the two starts it.
		expect(freeEntryPointStartedBy(fromAd, [T0 - 1, T0 + 24 * HOUR, T0 + 3 * HOUR])).toBe(
			T0 + 3 * HOUR,
		);
		expect(freeEntryPointStartedBy(fromAd, [T0 + 24 * HOUR])).toBeUndefined();
		expect(freeEntryPointStartedBy(undefined, [T0])).toBeUndefined();
		// An open window keeps its start through a newer referral; after 72 hours one starts anew.
		const open = windowState(T0 + 10 * HOUR, { referralAt: T0 + 10 * HOUR, fepStartedAt: T0 });
		expect(freeEntryPointStartedBy(open, [T0 + 11 * HOUR])).toBeUndefined();
		const ended = windowState(T0 + 80 * HOUR, { referralAt: T0 + 80 * HOUR, fepStartedAt: T0 });
		expect(freeEntryPointStartedBy(ended, [T0 + 81 * HOUR, T0 + 82 * HOUR])).toBe(T0 + 81 * HOUR);
	});

	it('is open for 72 hours from the reply that started it', () => {
		const started = windowState(T0, { referralAt: T0, fepStartedAt: T0 + HOUR });
		expect(freeEntryPointStatus(started, T0 + 73 * HOUR - 1)).toEqual({
			open: true,
			openUntil: T0 + 73 * HOUR,
		});
		expect(freeEntryPointStatus(started, T0 + 73 * HOUR).open).toBe(false);
		expect(freeEntryPointStatus(windowState(T0), T0)).toEqual({ open: false });
	});

	it('makes the reply that starts it free as well', () => {
		expect(isFreeEntryPoint(fromAd, T0 + HOUR)).toBe(true);
		expect(isFreeEntryPoint(windowState(T0), T0 + HOUR)).toBe(false);
	});

	it('is pricing only: it does not keep the customer service window open', () => {
		const started = windowState(T0, { referralAt: T0, fepStartedAt: T0 + HOUR });
		const at = T0 + 30 * HOUR;
		expect(isFreeEntryPoint(started, at)).toBe(true);
		expect(windowStatus(started, at).open).toBe(false);
	});
});
