import { HOUR } from '../../../nodes/core/clock';
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

const T0 = Date.UTC(2026, 1, 1, 12, 0, 0);
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

/** Opt-in with double opt-in, confirmation, then a marketing opt-out: a three-step trail. */
async function trailOf(phone: string) {
	await run({
		storePath: store.path,
		parameters: {
			resource: 'consent',
			operation: 'optIn',
			contact: phone,
			wording: 'Send me offers on WhatsApp',
			doubleOptIn: true,
			evidence: { url: 'https://shop.example/form', userAgent: 'Mozilla/5.0' },
			options: { time: at(0) },
		},
	});
	await run({
		storePath: store.path,
		parameters: {
			resource: 'consent',
			operation: 'confirm',
			contact: phone,
			evidence: { messageId: 'wamid.YES' },
			options: { time: at(1) },
		},
	});
	await run({
		storePath: store.path,
		parameters: {
			resource: 'consent',
			operation: 'optOut',
			contact: phone,
			optOutScope: 'chosen',
			purposes: ['marketing'],
			reason: 'Too many offers',
			options: { time: at(2) },
		},
	});
}

describe('get history', () => {
	it('returns the whole proof trail of a contact in one item, oldest first', async () => {
		const c = contactNo(1);
		await trailOf(c.e164);
		const [out] = await run({
			storePath: store.path,
			parameters: { resource: 'contact', operation: 'getHistory', contact: c.e164 },
		});
		expect(out).toHaveLength(1);
		const trail = out[0].json;
		expect(trail).toMatchObject({
			contact: c.waId,
			phone: c.e164,
			suppressed: false,
			events: 3,
			consents: [
				{ purpose: 'marketing', status: 'opted_out', changedAt: at(2), source: 'whatsapp' },
			],
			message: `3 consent changes on record for ${c.e164}, oldest first.`,
		});
		expect(trail.trail).toEqual([
			expect.objectContaining({
				action: 'request_confirmation',
				at: at(0),
				source: 'web_form',
				wording: 'Send me offers on WhatsApp',
				evidence: { url: 'https://shop.example/form', userAgent: 'Mozilla/5.0' },
				applied: true,
				statusAfter: 'pending',
			}),
			expect.objectContaining({
				action: 'confirm',
				at: at(1),
				evidence: { messageId: 'wamid.YES' },
				statusAfter: 'opted_in',
			}),
			expect.objectContaining({
				action: 'opt_out',
				at: at(2),
				reason: 'Too many offers',
				statusAfter: 'opted_out',
			}),
		]);
	});

	it('returns one item per change when asked, each paired with its contact item', async () => {
		const a = contactNo(2);
		const b = contactNo(3);
		await trailOf(a.e164);
		await trailOf(b.e164);
		const [out] = await run({
			storePath: store.path,
			parameters: { resource: 'contact', operation: 'getHistory', output: 'events' },
			items: [{}, {}],
			perItem: (i) => ({ contact: i === 0 ? a.e164 : b.e164 }),
		});
		expect(out.map((item) => [item.pairedItem, item.json.contact, item.json.action])).toEqual([
			[{ item: 0 }, a.waId, 'request_confirmation'],
			[{ item: 0 }, a.waId, 'confirm'],
			[{ item: 0 }, a.waId, 'opt_out'],
			[{ item: 1 }, b.waId, 'request_confirmation'],
			[{ item: 1 }, b.waId, 'confirm'],
			[{ item: 1 }, b.waId, 'opt_out'],
		]);
	});
});

describe('erase', () => {
	it('deletes the personal data, says what was erased, and keeps the number blocked', async () => {
		const c = contactNo(4);
		await trailOf(c.e164);
		await db.touchWindows([{ sender: '106540352242922', contact: c.waId, at: T0 }]);
		await db.reserveSends([
			{
				idempotencyKey: 'erase-1',
				sender: '106540352242922',
				contact: c.waId,
				kind: 'template:offer',
				category: 'marketing',
				at: T0,
			},
		]);

		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'contact',
				operation: 'erase',
				contact: c.national,
				options: { defaultCountry: 'DE' },
			},
		});
		const hash = await db.contactHash(c.waId);
		expect(out[0].json).toMatchObject({
			erased: true,
			contactHash: hash,
			deleted: { consentRecords: 1, consentEvents: 3, windows: 1 },
			sentMessagesAnonymised: 1,
			costEntriesAnonymised: 0,
			alreadySuppressed: false,
		});
		expect(out[0].json.message).toBe(
			"Erased the contact's personal data: deleted 1 consent record, 3 consent changes (the proof trail) and 1 customer service window. 1 sent message is kept for duplicate protection with the number replaced by its hash. Only a keyed hash of the number is kept, on the suppression list: nothing is sent to it again.",
		);
		expect(JSON.stringify(out[0].json)).not.toContain(c.waId);
		expect(await db.getConsentHistory(c.waId)).toEqual([]);

		// Blocked from now on: Check says so, an opt-in is not recorded, the history says why it is empty.
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
		expect(notAllowed[0].json.consentCheck).toMatchObject({
			allowed: false,
			rule: 'erasure',
			reason: 'suppressed',
		});
		const [optIn] = await run({
			storePath: store.path,
			parameters: {
				resource: 'consent',
				operation: 'optIn',
				contact: c.e164,
				wording: 'Yes',
				options: { time: at(3) },
			},
		});
		expect(optIn[0].json).toMatchObject({
			recorded: false,
			applied: false,
			status: null,
			purposes: [{ purpose: 'marketing', skipped: 'suppressed' }],
		});
		const [status] = await run({
			storePath: store.path,
			parameters: { resource: 'consent', operation: 'getStatus', contact: c.e164 },
		});
		expect(status[0].json).toMatchObject({
			suppressed: true,
			purposes: [],
			canReceive: { marketing: false, utility: false },
		});
		expect(optIn[0].json.message).toMatch(/^The opt-in was not recorded\. .*suppression list/);
		const [history] = await run({
			storePath: store.path,
			parameters: { resource: 'contact', operation: 'getHistory', contact: c.e164 },
		});
		expect(history[0].json).toMatchObject({ suppressed: true, events: 0, trail: [] });

		const [again] = await run({
			storePath: store.path,
			parameters: { resource: 'contact', operation: 'erase', contact: c.e164 },
		});
		expect(again[0].json).toMatchObject({ alreadySuppressed: true, deleted: { consentEvents: 0 } });
		expect(again[0].json.message).toMatch(/already on the suppression list/);
	});

	it('erases many items in one store call and reads their histories in one', async () => {
		const contacts = [contactNo(5), contactNo(6), contactNo(7)];
		for (const c of contacts) await trailOf(c.e164);
		const histories = jest.spyOn(db, 'getConsentHistories');
		const erase = jest.spyOn(db, 'eraseContacts');
		try {
			const items = contacts.map((c) => ({ phone: c.e164 }));
			const perItem = (i: number) => ({ contact: contacts[i].e164 });
			const [trails] = await run({
				storePath: store.path,
				parameters: { resource: 'contact', operation: 'getHistory' },
				items,
				perItem,
			});
			expect(trails.map((t) => t.json.events)).toEqual([3, 3, 3]);
			expect(histories).toHaveBeenCalledTimes(1);
			const [erased] = await run({
				storePath: store.path,
				parameters: { resource: 'contact', operation: 'erase' },
				items: [...items, { phone: contacts[0].e164 }],
				perItem: (i) => perItem(i % contacts.length),
			});
			expect(erase).toHaveBeenCalledTimes(1);
			expect(erase.mock.calls[0][0]).toEqual(contacts.map((c) => c.waId));
			expect(erased.map((e) => e.json.deleted)).toEqual(
				[0, 1, 2, 0].map(() => expect.objectContaining({ consentEvents: 3 })),
			);
			expect(erased.map((e) => e.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		} finally {
			histories.mockRestore();
			erase.mockRestore();
		}
	});
});
