import { NodeOperationError } from 'n8n-workflow';

import { DAY, HOUR } from '../../../nodes/core/clock';
import { evaluateTemplateSend } from '../../../nodes/core/policy';
import type { TemplateCategory } from '../../../nodes/core/model';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { contactNo, run, tempStore } from './context';

const store = tempStore();
let db: ComplianceStore;

beforeAll(async () => {
	db = await store.open();
});
afterAll(async () => {
	await store.cleanUp();
});

const T0 = Date.UTC(2026, 0, 10, 9, 0, 0);
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

const optIn = (extra: Record<string, unknown> = {}) => ({
	resource: 'consent',
	operation: 'optIn',
	wording: 'Yes, send me offers on WhatsApp.',
	...extra,
});

/** Records an opt-out of marketing only (Chosen Purposes, the default purpose) at `time`. */
const optOutOfMarketing = (contact: string, time: string) =>
	run({
		storePath: store.path,
		parameters: {
			resource: 'consent',
			operation: 'optOut',
			contact,
			optOutScope: 'chosen',
			options: { time },
		},
	});

describe('opt in', () => {
	it('records an opt-in per purpose and topic with its source, wording, evidence and recorder', async () => {
		const c = contactNo(1);
		const [out] = await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				purposes: ['marketing', 'transactional'],
				topics: 'back_in_stock, price_drop',
				source: 'checkout',
				evidence: { url: 'https://shop.example/checkout', ip: '203.0.113.7' },
				options: { time: at(0) },
			}),
		});
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[0].json).toMatchObject({
			contact: c.waId,
			phone: c.e164,
			recorded: true,
			status: 'opted_in',
			doubleOptIn: false,
			time: at(0),
			source: 'checkout',
		});
		expect(out[0].json.purposes).toEqual(
			['marketing', 'transactional', 'back_in_stock', 'price_drop'].map((purpose) => ({
				purpose,
				recorded: true,
				applied: true,
				status: 'opted_in',
			})),
		);
		const history = await db.getConsentHistory(c.waId);
		expect(history).toHaveLength(4);
		expect(history[0]).toMatchObject({
			action: 'opt_in',
			source: 'checkout',
			wording: 'Yes, send me offers on WhatsApp.',
			evidence: { url: 'https://shop.example/checkout', ip: '203.0.113.7' },
			recordedBy: 'n8n workflow "Consent tests" (wf-1), node "Opt-in Manager"',
		});
	});

	it('reads national numbers with the Default Country', async () => {
		const c = contactNo(2);
		const [out] = await run({
			storePath: store.path,
			parameters: optIn({ contact: c.national, options: { defaultCountry: 'DE' } }),
		});
		expect(out[0].json.contact).toBe(c.waId);
		expect((await db.getConsents([c.waId])).get(c.waId)).toHaveLength(1);
	});

	it('keeps a business-scoped user ID as it is and refuses a username', async () => {
		const [out] = await run({
			storePath: store.path,
			continueOnFail: true,
			parameters: optIn(),
			items: [{}, {}],
			perItem: (i) => ({ contact: i === 0 ? 'US.13491208655302741918' : '@pablo.morales' }),
		});
		expect(out[0].json).toMatchObject({ contact: 'US.13491208655302741918', recorded: true });
		expect(out[0].json.phone).toBeUndefined();
		expect(out[1].json.error).toMatch(
			/^\[item 1\] "@pablo.morales" looks like a WhatsApp username/,
		);
	});

	it('records 1,000 items with one store call', async () => {
		const spy = jest.spyOn(db, 'recordConsent');
		try {
			const [out] = await run({
				storePath: store.path,
				parameters: optIn({ options: { time: at(1) } }),
				items: Array.from({ length: 1000 }, () => ({})),
				perItem: (i) => ({ contact: `+49 170 ${String(1000000 + i)}` }),
			});
			expect(out).toHaveLength(1000);
			expect(out.every((item, i) => (item.pairedItem as { item: number }).item === i)).toBe(true);
			expect(out.every((item) => item.json.recorded === true)).toBe(true);
			expect(spy).toHaveBeenCalledTimes(1);
		} finally {
			spy.mockRestore();
		}
	});

	it('reports "mixed" when the purposes end in different statuses', async () => {
		const c = contactNo(50);
		await optOutOfMarketing(c.e164, at(5));
		const [out] = await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				purposes: ['marketing', 'transactional'],
				options: { time: at(4) },
			}),
		});
		expect(out[0].json).toMatchObject({ recorded: true, applied: false, status: 'mixed' });
		expect(out[0].json.purposes).toEqual([
			{ purpose: 'marketing', recorded: true, applied: false, status: 'opted_out' },
			{ purpose: 'transactional', recorded: true, applied: true, status: 'opted_in' },
		]);
	});

	it('reports a bad item on its own with Continue On Fail and records the others', async () => {
		const good = contactNo(3);
		const [out] = await run({
			storePath: store.path,
			continueOnFail: true,
			parameters: optIn({ options: { time: at(1) } }),
			items: [{}, {}, {}],
			perItem: (i) => ({ contact: i === 1 ? '12345' : contactNo(3 + i).e164 }),
		});
		expect(out).toHaveLength(3);
		expect(out[0].json).toMatchObject({ contact: good.waId, recorded: true });
		expect(out[1].pairedItem).toEqual({ item: 1 });
		expect(out[1].json.error).toMatch(/^\[item 1\] /);
		expect(out[2].json).toMatchObject({ contact: contactNo(5).waId, recorded: true });
	});

	it('throws for a bad item without Continue On Fail, before recording anything', async () => {
		const c = contactNo(6);
		const attempt = run({
			storePath: store.path,
			parameters: optIn(),
			items: [{}, {}],
			perItem: (i) => ({ contact: i === 0 ? c.e164 : 'not a number' }),
		});
		await expect(attempt).rejects.toBeInstanceOf(NodeOperationError);
		await expect(attempt).rejects.toMatchObject({ context: { itemIndex: 1 } });
		expect((await db.getConsents([c.waId])).get(c.waId)).toEqual([]);
	});

	it('refuses an opt-in without the wording the contact agreed to', async () => {
		const [out] = await run({
			storePath: store.path,
			continueOnFail: true,
			parameters: optIn({ contact: contactNo(7).e164, wording: '  ' }),
		});
		expect(out[0].json.error).toBe('[item 0] Wording is empty');
		expect(out[0].json.errorDescription).toMatch(/proof of consent/);
	});

	it('refuses a time in the future and an unreadable time', async () => {
		const [out] = await run({
			storePath: store.path,
			continueOnFail: true,
			parameters: optIn({ contact: contactNo(7).e164 }),
			items: [{}, {}],
			perItem: (i) => ({
				options: { time: i === 0 ? new Date(Date.now() + 2 * DAY).toISOString() : 'soon' },
			}),
		});
		expect(out[0].json.error).toMatch(/is in the future/);
		expect(out[1].json.error).toMatch(/"soon" is not a date and time/);
	});

	it('skips the same opt-in (contact, purpose, time, source) recorded again', async () => {
		const parameters = optIn({ contact: contactNo(8).e164, options: { time: at(2) } });
		await run({ storePath: store.path, parameters });
		const [out] = await run({ storePath: store.path, parameters });
		expect(out[0].json).toMatchObject({
			recorded: false,
			applied: false,
			status: null,
			purposes: [{ purpose: 'marketing', recorded: false, applied: false, skipped: 'duplicate' }],
		});
		expect(out[0].json.message).toMatch(/recorded before with the same time and source/);
	});

	it('keeps an opt-in older than a later opt-out in the history without reviving consent', async () => {
		const c = contactNo(9);
		await optOutOfMarketing(c.e164, at(5));
		const [out] = await run({
			storePath: store.path,
			parameters: optIn({ contact: c.e164, options: { time: at(4) } }),
		});
		expect(out[0].json.purposes).toEqual([
			{ purpose: 'marketing', recorded: true, applied: false, status: 'opted_out' },
		]);
		// The item reports the store's answer, not the status asked for.
		expect(out[0].json).toMatchObject({ recorded: true, applied: false, status: 'opted_out' });
		expect(out[0].json.message).toMatch(/a newer change decides its status \(opted out\)/);
	});
});

describe('double opt-in', () => {
	const c = contactNo(10);

	const check = async (purpose = 'marketing') => {
		const [allowed, notAllowed] = await run({
			storePath: store.path,
			parameters: { resource: 'consent', operation: 'check', contact: c.e164, purpose },
		});
		return allowed.length === 1 ? allowed[0].json.consentCheck : notAllowed[0].json.consentCheck;
	};

	it('keeps an opt-in with Double Opt-In pending, which permits no marketing', async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				doubleOptIn: true,
				source: 'web_form',
				options: { time: at(0) },
			}),
		});
		expect(out[0].json).toMatchObject({ status: 'pending', doubleOptIn: true, recorded: true });
		expect(out[0].json.message).toMatch(/pending .*Confirm Opt-In/);
		expect(await check()).toMatchObject({
			allowed: false,
			rule: 'double opt-in',
			reason: 'consent_pending',
		});
	});

	it('confirms every pending purpose and says so', async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'confirm',
				contact: c.e164,
				evidence: { messageId: 'wamid.CONFIRM1' },
				options: { time: at(1) },
			},
		});
		expect(out[0].json).toMatchObject({
			confirmed: true,
			purposes: [
				{ purpose: 'marketing', confirmed: true, reason: 'confirmed', status: 'opted_in' },
			],
		});
		expect(await check()).toMatchObject({ allowed: true });
		const history = await db.getConsentHistory(c.waId);
		expect(history.map((e) => e.action)).toEqual(['request_confirmation', 'confirm']);
		expect(history[1].evidence).toEqual({ messageId: 'wamid.CONFIRM1' });
	});

	it('says there is nothing to confirm when nothing is pending', async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'confirm',
				contact: c.e164,
				options: { time: at(2) },
			},
		});
		expect(out[0].json).toMatchObject({ confirmed: false, purposes: [] });
		expect(out[0].json.message).toMatch(/^Nothing to confirm/);
	});

	it('does not confirm a chosen purpose that is not pending, and says why', async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'confirm',
				contact: c.e164,
				confirmScope: 'chosen',
				purposes: ['marketing'],
				topics: 'back_in_stock',
				options: { time: at(3) },
			},
		});
		expect(out[0].json).toMatchObject({
			confirmed: false,
			purposes: [
				{ purpose: 'marketing', confirmed: false, reason: 'already_opted_in', status: 'opted_in' },
				{ purpose: 'back_in_stock', confirmed: false, reason: 'not_requested' },
			],
		});
		expect(out[0].json.message).toMatch(/back_in_stock not confirmed: no opt-in was requested/);
	});
});

describe('opt out', () => {
	it('records a full opt-out on every purpose ("*"), which blocks utility templates too', async () => {
		const c = contactNo(11);
		await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				purposes: ['marketing', 'transactional'],
				options: { time: at(0) },
			}),
		});
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'optOut',
				contact: c.e164,
				reason: 'Asked in the shop',
				source: 'paper',
				options: { time: at(1) },
			},
		});
		expect(out[0].json).toMatchObject({
			optedOut: true,
			scope: 'all',
			purposes: [{ purpose: '*', recorded: true, applied: true, status: 'opted_out' }],
		});
		const [allowed, notAllowed] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'check',
				contact: c.e164,
				purpose: 'transactional',
			},
		});
		expect(allowed).toEqual([]);
		expect(notAllowed[0].json.consentCheck).toMatchObject({ allowed: false, reason: 'opted_out' });
		const history = await db.getConsentHistory(c.waId);
		expect(history[history.length - 1]).toMatchObject({
			purpose: '*',
			reason: 'Asked in the shop',
			source: 'paper',
		});
	});

	it('records an opt-out of chosen purposes only', async () => {
		const c = contactNo(12);
		await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				purposes: ['marketing', 'transactional'],
				options: { time: at(0) },
			}),
		});
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'optOut',
				contact: c.e164,
				optOutScope: 'chosen',
				purposes: ['marketing'],
				options: { time: at(1) },
			},
		});
		expect(out[0].json).toMatchObject({ optedOut: true, scope: 'chosen' });
		const consents = (await db.getConsents([c.waId])).get(c.waId)!;
		expect(consents.map((r) => [r.purpose, r.status])).toEqual([
			['marketing', 'opted_out'],
			['transactional', 'opted_in'],
		]);
	});
});

describe('check', () => {
	it('sends items to Allowed or Not Allowed, passing the item through with the reason', async () => {
		const yes = contactNo(13);
		const no = contactNo(14);
		await run({
			storePath: store.path,
			parameters: optIn({ contact: yes.e164, options: { time: at(0) } }),
		});
		const [allowed, notAllowed] = await run({
			storePath: store.path,
			parameters: { resource: 'consent', operation: 'check', purpose: 'marketing' },
			items: [
				{ json: { phone: no.e164, name: 'No' } },
				{
					json: { phone: yes.e164, name: 'Yes' },
					binary: { file: { data: 'eA==', mimeType: 'text/plain' } },
				},
			],
			perItem: (i) => ({ contact: i === 0 ? no.e164 : yes.e164 }),
		});
		expect(allowed).toHaveLength(1);
		expect(allowed[0]).toMatchObject({
			json: {
				phone: yes.e164,
				name: 'Yes',
				consentCheck: {
					allowed: true,
					purpose: 'marketing',
					category: 'marketing',
					asOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/),
				},
			},
			binary: { file: { data: 'eA==' } },
			pairedItem: { item: 1 },
		});
		expect(notAllowed).toHaveLength(1);
		expect(notAllowed[0].pairedItem).toEqual({ item: 0 });
		expect(notAllowed[0].json.consentCheck).toMatchObject({
			allowed: false,
			rule: 'consent',
			reason: 'no_consent',
			message: expect.stringContaining('has not opted in to marketing messages'),
		});
	});

	it('puts items with errors on Not Allowed with Continue On Fail', async () => {
		const [allowed, notAllowed] = await run({
			storePath: store.path,
			continueOnFail: true,
			parameters: { resource: 'consent', operation: 'check', contact: '', purpose: 'marketing' },
		});
		expect(allowed).toEqual([]);
		expect(notAllowed[0].json.error).toMatch(/^\[item 0\] The phone number is empty/);
	});

	it('checks a topic: the topic must be opted in and marketing not stopped', async () => {
		const c = contactNo(15);
		await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				purposes: [],
				topics: 'back_in_stock',
				options: { time: at(0) },
			}),
		});
		const check = async () => {
			const [allowed, notAllowed] = await run({
				storePath: store.path,
				parameters: {
					resource: 'consent',
					operation: 'check',
					contact: c.e164,
					purpose: 'topic',
					topic: 'back_in_stock',
				},
			});
			return (allowed[0] ?? notAllowed[0]).json.consentCheck;
		};
		expect(await check()).toMatchObject({
			allowed: true,
			purpose: 'back_in_stock',
			category: 'marketing',
		});
		await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'optOut',
				contact: c.e164,
				optOutScope: 'chosen',
				purposes: ['marketing'],
				options: { time: at(1) },
			},
		});
		expect(await check()).toMatchObject({ allowed: false, reason: 'marketing_opted_out' });
	});

	it('takes a Purpose an expression names: a topic, or a built-in purpose', async () => {
		const c = contactNo(91);
		await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				purposes: [],
				topics: 'price_drop',
				options: { time: at(0) },
			}),
		});
		const check = async (purpose: string) => {
			// What n8n passes once it has resolved e.g. {{ $json.purpose }}; Topic stays empty.
			const [allowed, notAllowed] = await run({
				storePath: store.path,
				parameters: { resource: 'consent', operation: 'check', contact: c.e164, purpose },
			});
			return (allowed[0] ?? notAllowed[0]).json.consentCheck;
		};
		expect(await check('price_drop')).toMatchObject({ allowed: true, purpose: 'price_drop' });
		expect(await check('marketing')).toMatchObject({ allowed: false, reason: 'no_consent' });
	});

	it('gives the answer Send Template gives for every consent situation and purpose', async () => {
		// Situations recorded through the node, oldest change first (hours after T0).
		const situations: Array<Array<Record<string, unknown>>> = [
			[],
			[optIn({ options: { time: at(0) } })],
			[optIn({ doubleOptIn: true, options: { time: at(0) } })],
			[
				optIn({ options: { time: at(0) } }),
				{ resource: 'consent', operation: 'optOut', options: { time: at(1) } },
			],
			[optIn({ purposes: ['transactional'], options: { time: at(0) } })],
			[
				optIn({ purposes: ['marketing', 'transactional'], options: { time: at(0) } }),
				{
					resource: 'consent',
					operation: 'optOut',
					optOutScope: 'chosen',
					purposes: ['marketing'],
					options: { time: at(1) },
				},
			],
			[optIn({ purposes: [], topics: 'back_in_stock', options: { time: at(0) } })],
			[
				{ resource: 'consent', operation: 'optOut', options: { time: at(0) } },
				optIn({ purposes: ['transactional'], options: { time: at(1) } }),
			],
			[optIn({ options: { time: at(0) } }), { resource: 'contact', operation: 'erase' }],
		];
		const purposes: Array<{ purpose: string; topic?: string; category: TemplateCategory }> = [
			{ purpose: 'marketing', category: 'marketing' },
			{ purpose: 'transactional', category: 'utility' },
			{ purpose: 'topic', topic: 'back_in_stock', category: 'marketing' },
		];
		let compared = 0;
		for (const [n, steps] of situations.entries()) {
			const c = contactNo(40 + n);
			for (const step of steps)
				await run({ storePath: store.path, parameters: { ...step, contact: c.e164 } });
			const snapshot = await db.getSnapshot({ sender: '1', contacts: [c.waId], marketingSince: 0 });
			const entry = snapshot.contacts.get(c.waId)!;
			for (const p of purposes) {
				const [allowed, notAllowed] = await run({
					storePath: store.path,
					parameters: {
						resource: 'consent',
						operation: 'check',
						contact: c.e164,
						purpose: p.purpose,
						topic: p.topic ?? '',
					},
				});
				const check = (allowed[0] ?? notAllowed[0]).json.consentCheck as Record<string, unknown>;
				const send = evaluateTemplateSend(
					{
						contact: c.e164,
						template: { name: 'offer', language: 'en' },
						templateState: {
							account: 'waba',
							name: 'offer',
							language: 'en',
							status: 'APPROVED',
							category: p.category,
							updatedAt: 0,
						},
						consents: entry.consents,
						suppressed: entry.suppressed,
						window: undefined,
						marketingSentAt: [],
						existingSend: undefined,
						topic: p.topic,
					},
					{
						frequencyCap: { enabled: false },
						quietHours: { enabled: false },
						usMarketing: { enabled: false },
					},
					T0 + 2 * HOUR,
				);
				const sendReason = send.allowed ? undefined : send.reason;
				expect([n, p.purpose, check.allowed, check.reason]).toEqual([
					n,
					p.purpose,
					send.allowed,
					sendReason,
				]);
				if (!send.allowed) expect(check.message).toBe(send.message);
				compared++;
			}
		}
		expect(compared).toBe(situations.length * purposes.length);
	});
});

describe('get status', () => {
	const SENDER = '106540352242922';

	it('reports consent per purpose, the window with the sender number and marketing sent in the period', async () => {
		const c = contactNo(20);
		const now = Date.now();
		await run({
			storePath: store.path,
			parameters: optIn({
				contact: c.e164,
				topics: 'back_in_stock',
				options: { time: new Date(now - 3 * DAY).toISOString() },
			}),
		});
		await db.touchWindows([{ sender: SENDER, contact: c.waId, at: now - 2 * HOUR }]);
		const sends = [now - 10 * DAY, now - 3 * DAY, now - DAY].map((t, i) => ({
			idempotencyKey: `status-${i}`,
			sender: SENDER,
			contact: c.waId,
			kind: 'template:offer',
			category: 'marketing' as const,
			at: t,
		}));
		await db.reserveSends(sends);
		await db.completeSends(
			sends.map((s, i) => ({
				idempotencyKey: s.idempotencyKey,
				state: 'accepted' as const,
				wamid: `wamid.S${i}`,
				at: s.at,
			})),
		);

		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'getStatus',
				contact: c.e164,
				options: { senderNumberId: SENDER },
			},
		});
		const status = out[0].json;
		expect(status).toMatchObject({
			contact: c.waId,
			suppressed: false,
			fullOptOut: null,
			canReceive: { marketing: true, utility: true },
			window: { sender: SENDER, open: true, openUntil: new Date(now + 22 * HOUR).toISOString() },
			marketingSent: { count: 2, periodDays: 7, lastAt: new Date(now - DAY).toISOString() },
		});
		expect(status.purposes).toEqual([
			expect.objectContaining({ purpose: 'back_in_stock', status: 'opted_in', source: 'web_form' }),
			expect.objectContaining({
				purpose: 'marketing',
				status: 'opted_in',
				wording: 'Yes, send me offers on WhatsApp.',
				overriddenByFullOptOut: false,
			}),
		]);

		const [longer] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'getStatus',
				contact: c.e164,
				options: { frequencyCapDays: 30 },
			},
		});
		expect(longer[0].json).toMatchObject({
			window: null,
			marketingSent: { count: 3, periodDays: 30 },
		});
	});

	it('shows a full opt-out overriding each purpose', async () => {
		const c = contactNo(21);
		await run({
			storePath: store.path,
			parameters: optIn({ contact: c.e164, options: { time: at(0) } }),
		});
		await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'optOut',
				contact: c.e164,
				source: 'whatsapp',
				options: { time: at(1) },
			},
		});
		const [out] = await run({
			storePath: store.path,
			parameters: { resource: 'consent', operation: 'getStatus', contact: c.e164 },
		});
		expect(out[0].json).toMatchObject({
			fullOptOut: { at: at(1), source: 'whatsapp' },
			canReceive: { marketing: false, utility: false },
		});
		expect(out[0].json.purposes).toContainEqual(
			expect.objectContaining({
				purpose: 'marketing',
				status: 'opted_out',
				recordedStatus: 'opted_in',
				overriddenByFullOptOut: true,
			}),
		);
	});

	it('refuses a Sender Number ID that is not an ID', async () => {
		const [out] = await run({
			storePath: store.path,
			continueOnFail: true,
			parameters: {
				resource: 'consent',
				operation: 'getStatus',
				contact: contactNo(22).e164,
				options: { senderNumberId: '+49 151' },
			},
		});
		expect(out[0].json.error).toMatch(/Sender Number ID "\+49 151" is not a phone number ID/);
	});
});

describe('store failures', () => {
	// A file cannot hold a folder: opening the store fails with ENOTDIR.
	const unreachable = '/dev/null/store.sqlite';

	it('gives every item the error with Continue On Fail, on the item for the error output', async () => {
		const [out] = await run({
			storePath: unreachable,
			continueOnFail: true,
			parameters: optIn({ contact: contactNo(30).e164 }),
			items: [{}, {}],
		});
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of out) {
			expect(typeof item.json.error).toBe('string');
			// n8n routes an item to the error output (On Error: continue using error output) by it.
			expect(item.error).toBeInstanceOf(NodeOperationError);
			expect(item.error?.message).toBe(item.json.error);
		}
	});

	it('throws without Continue On Fail', async () => {
		await expect(
			run({ storePath: unreachable, parameters: optIn({ contact: contactNo(30).e164 }) }),
		).rejects.toBeInstanceOf(NodeOperationError);
	});
});
