import { ManualClock, SECOND } from '../../nodes/core/clock';
import type { Sandbox } from '../../sandbox/server';
import { control, JONAS, LENA, PHONE_US, say, send, startTestSandbox, text } from './support';

const START = Date.parse('2026-03-02T10:00:00Z');

describe('throughput (130429)', () => {
	let sandbox: Sandbox;
	let clock: ManualClock;
	beforeAll(async () => {
		clock = new ManualClock(START);
		sandbox = await startTestSandbox({ clock, ratePerSecond: 2 });
	});
	afterAll(() => sandbox.close());

	it("answers sends above the sender's rate with 130429, and accepts again a second later", async () => {
		await say(sandbox, LENA);
		await say(sandbox, JONAS);
		expect((await send(sandbox, text(LENA))).status).toBe(200);
		expect((await send(sandbox, text(JONAS))).status).toBe(200);
		const third = await send(sandbox, text(LENA));
		expect(third.status).toBe(400);
		expect(third.json.error).toMatchObject({ code: 130429, message: '(#130429) Rate limit hit' });
		expect(third.json.error.error_data.details).toContain('2 messages per second');
		clock.advance(SECOND);
		expect((await send(sandbox, text(LENA))).status).toBe(200);
	});

	it('counts each sender number on its own', async () => {
		clock.advance(SECOND);
		await say(sandbox, LENA, 'Hi', { phone_number_id: PHONE_US });
		expect((await send(sandbox, text(LENA))).status).toBe(200);
		expect((await send(sandbox, text(LENA))).status).toBe(200);
		expect((await send(sandbox, text(LENA))).json.error.code).toBe(130429);
		expect((await send(sandbox, text(LENA), PHONE_US)).status).toBe(200);
	});
});

describe('throughput of the seed numbers', () => {
	it('lets the 80-per-second number send 80 at once and not an 81st', async () => {
		const clock = new ManualClock(START);
		const sandbox = await startTestSandbox({ clock, pairLimit: { burst: 1000 } });
		try {
			await say(sandbox, LENA);
			const answers = [];
			for (let i = 0; i < 81; i++) answers.push(await send(sandbox, text(LENA)));
			expect(answers.slice(0, 80).every((a) => a.status === 200)).toBe(true);
			expect(answers[80].json.error.code).toBe(130429);
		} finally {
			await sandbox.close();
		}
	});
});

describe('pair limit (131056)', () => {
	let sandbox: Sandbox;
	let clock: ManualClock;
	beforeAll(async () => {
		clock = new ManualClock(START);
		sandbox = await startTestSandbox({ clock, pairLimit: { burst: 3, intervalMs: 6 * SECOND } });
	});
	afterAll(() => sandbox.close());
	beforeEach(async () => {
		await control(sandbox, 'POST', '/reset');
	});

	it('allows a burst to one contact, then answers 131056', async () => {
		await say(sandbox, LENA);
		for (let i = 0; i < 3; i++) expect((await send(sandbox, text(LENA))).status).toBe(200);
		const fourth = await send(sandbox, text(LENA));
		expect(fourth.status).toBe(400);
		expect(fourth.json.error.code).toBe(131056);
		expect(fourth.json.error.message).toBe(
			'(#131056) (Business Account, Consumer Account) pair rate limit hit',
		);
	});

	it('does not limit other contacts', async () => {
		await say(sandbox, LENA);
		await say(sandbox, JONAS);
		for (let i = 0; i < 3; i++) await send(sandbox, text(LENA));
		expect((await send(sandbox, text(LENA))).json.error.code).toBe(131056);
		expect((await send(sandbox, text(JONAS))).status).toBe(200);
	});

	it('lets one more message through per interval after a burst', async () => {
		await say(sandbox, LENA);
		for (let i = 0; i < 3; i++) await send(sandbox, text(LENA));
		clock.advance(6 * SECOND);
		expect((await send(sandbox, text(LENA))).status).toBe(200);
		expect((await send(sandbox, text(LENA))).json.error.code).toBe(131056);
	});

	it("uses Meta's 45 messages per burst by default", async () => {
		const defaults = await startTestSandbox({ clock: new ManualClock(START), ratePerSecond: 1000 });
		try {
			await say(defaults, LENA);
			const statuses = [];
			for (let i = 0; i < 46; i++) statuses.push((await send(defaults, text(LENA))).status);
			expect(statuses.filter((s) => s === 200)).toHaveLength(45);
			expect(statuses[45]).toBe(400);
		} finally {
			await defaults.close();
		}
	});

	it('counts templates too', async () => {
		const template = {
			to: `+${LENA}`,
			type: 'template',
			template: {
				name: 'opt_out_confirmation',
				language: { code: 'en' },
				components: [{ type: 'body', parameters: [{ type: 'text', text: 'offers' }] }],
			},
		};
		for (let i = 0; i < 3; i++) expect((await send(sandbox, template)).status).toBe(200);
		expect((await send(sandbox, template)).json.error.code).toBe(131056);
	});
});
