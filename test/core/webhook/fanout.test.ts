import type { WhatsAppEvent } from '../../../nodes/core/webhook/events';
import { DEFAULT_OPT_OUT_KEYWORDS } from '../../../nodes/core/webhook/keywords';
import {
	appKey,
	mergeEffectOptions,
	readWakeUp,
	routeDeliveries,
	subscriptionId,
	WAKE_UP_HEADER,
	wakeUpRequest,
	type Subscription,
} from '../../../nodes/core/webhook/fanout';
import { computeSignature, verifySignature } from '../../../nodes/core/webhook/verify';
import { subscriptionOf } from './subscriptions';

const SECRET = 'f4c1a9e7d3b5c2a0e8f6d4b2a0c8e6f4';

const subscription = (id: string, extra: Partial<Subscription> = {}) =>
	subscriptionOf(id, appKey(SECRET), { path: id, ...extra });

const message = {
	kind: 'message',
	phoneNumberId: '111',
	contact: '4915112345678',
} as WhatsAppEvent;
const delivered = {
	kind: 'status',
	status: 'delivered',
	phoneNumberId: '111',
} as WhatsAppEvent;
const otherNumber = { kind: 'message', phoneNumberId: '222' } as WhatsAppEvent;
const templateUpdate = { kind: 'template_status' } as WhatsAppEvent;

describe('one app, many workflows (fanout)', () => {
	describe('the app of a trigger', () => {
		it('is the same for every trigger with the same app secret and differs for another', () => {
			expect(appKey(SECRET)).toBe(appKey(SECRET));
			expect(appKey(SECRET)).not.toBe(appKey(`${SECRET}x`));
		});

		it('does not contain or reveal the app secret', () => {
			expect(appKey(SECRET)).toMatch(/^app:[0-9a-f]{24}$/);
			expect(appKey(SECRET)).not.toContain(SECRET.slice(0, 8));
		});

		it('a subscription id tells the published trigger from its test listener', () => {
			expect(subscriptionId('wf1', 'node1', 'production')).not.toBe(
				subscriptionId('wf1', 'node1', 'test'),
			);
		});
	});

	describe('routing: each other workflow gets the events its Trigger On lets through', () => {
		it('never routes to the receiver itself', () => {
			expect(routeDeliveries([message], [subscription('a'), subscription('b')], 'a')).toEqual([
				['b'],
			]);
		});

		it('follows each subscription’s kinds, statuses and sender numbers', () => {
			const subscriptions = [
				subscription('inbox', { filter: { triggerOn: ['message'] } }),
				subscription('costs', { filter: { triggerOn: ['status'], statuses: ['delivered'] } }),
				subscription('number111', { filter: { phoneNumberIds: ['111'] } }),
			];
			expect(
				routeDeliveries(
					[message, delivered, otherNumber, templateUpdate],
					subscriptions,
					undefined,
				),
			).toEqual([
				['inbox', 'number111'],
				['costs', 'number111'],
				['inbox'],
				// Account events have no number: a number filter lets them through.
				['number111'],
			]);
		});

		it('a filter it cannot read (another version wrote it) gets everything: its trigger filters again', () => {
			const odd = subscription('odd', { filter: { triggerOn: 'message' as never } });
			expect(routeDeliveries([delivered], [odd], undefined)).toEqual([['odd']]);
		});
	});

	describe('side effects: once per event, on when any trigger of the app has them on', () => {
		it('one trigger keeps its own options', () => {
			const own = { openWindow: false };
			expect(mergeEffectOptions([own])).toBe(own);
			expect(mergeEffectOptions([])).toBeUndefined();
		});

		it('a switch is on when any trigger has it on (left out counts as on)', () => {
			const merged = mergeEffectOptions([
				{ openWindow: false, costLedger: false },
				{ costLedger: false },
			]);
			expect(merged).toMatchObject({ openWindow: true, costLedger: false, userPreferences: true });
		});

		it("an account's limit and quality webhooks count when any trigger's credential has the account; every account's when one has none", () => {
			expect(
				mergeEffectOptions([{ businessAccounts: ['111'] }, { businessAccounts: ['222', '111'] }])
					?.businessAccounts,
			).toEqual(['111', '222']);
			expect(mergeEffectOptions([{ businessAccounts: ['111'] }, {}])).not.toHaveProperty(
				'businessAccounts',
			);
		});

		it('keyword lists are joined; a trigger that left its list empty adds the built-in words', () => {
			const merged = mergeEffectOptions([{ optOutKeywords: ['HALT'] }, {}]);
			expect(merged?.optOutKeywords).toEqual(['HALT', ...DEFAULT_OPT_OUT_KEYWORDS]);
			expect(
				mergeEffectOptions([{ optOutKeywords: ['HALT'] }, { optOutKeywords: ['HALT', 'ENDE'] }])
					?.optOutKeywords,
			).toEqual(['HALT', 'ENDE']);
		});

		it('keywords are off only when every trigger switched them off', () => {
			expect(
				mergeEffectOptions([{ optOutKeywords: false }, { optOutKeywords: false }])?.optOutKeywords,
			).toBe(false);
			expect(
				mergeEffectOptions([{ optOutKeywords: false }, { optOutKeywords: ['HALT'] }])
					?.optOutKeywords,
			).toEqual(['HALT']);
		});
	});

	describe('wake-ups', () => {
		it('are read back with the app secret they were signed with', () => {
			const { body, signature } = wakeUpRequest('wf1:node1:production', SECRET);
			expect(readWakeUp(Buffer.from(body), signature, SECRET)).toEqual({
				subscription: 'wf1:node1:production',
			});
			expect(WAKE_UP_HEADER).toBe('x-whatsapp-compliance-wake-up');
		});

		it('are refused with another secret, a changed body, a missing or repeated header', () => {
			const { body, signature } = wakeUpRequest('wf1:node1:production', SECRET);
			expect(readWakeUp(body, signature, 'another-secret')).toBeUndefined();
			expect(readWakeUp(body.replace('wf1', 'wf2'), signature, SECRET)).toBeUndefined();
			expect(readWakeUp(body, undefined, SECRET)).toBeUndefined();
			expect(readWakeUp(body, [signature, signature], SECRET)).toBeUndefined();
			expect(readWakeUp(body, signature, '')).toBeUndefined();
		});

		it('cannot pass for a Meta webhook, nor a Meta signature for a wake-up', () => {
			const { body, signature } = wakeUpRequest('wf1:node1:production', SECRET);
			expect(verifySignature(body, signature, SECRET)).toBe(false);
			expect(readWakeUp(body, computeSignature(body, SECRET), SECRET)).toBeUndefined();
		});
	});
});
