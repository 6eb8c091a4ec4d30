import { HOUR, ManualClock } from '../../../nodes/core/clock';
import { checkWindow, windowStatus } from '../../../nodes/core/policy';
import { CONTACT, T0, windowState } from './fixtures';

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
