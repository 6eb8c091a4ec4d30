import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
	bundledSeedInput,
	loadSeed,
	SeedError,
	type SandboxSeedInput,
} from '../../sandbox/seedLoader';
import { resolveOptions } from '../../sandbox/options';
import { startSandbox } from '../../sandbox/server';
import type { Json } from './support';

describe('bundled seed', () => {
	const seed = loadSeed(undefined);
	const template = (name: string, language = 'en') =>
		seed.templates.find((t) => t.definition.name === name && t.definition.language === language)!
			.definition;

	it('has back_in_stock: marketing, approved, named, image header, "Stop promotions" quick reply', () => {
		const t = template('back_in_stock');
		expect(t).toMatchObject({
			category: 'MARKETING',
			status: 'APPROVED',
			parameter_format: 'NAMED',
		});
		expect(t.components).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ type: 'HEADER', format: 'IMAGE' }),
				{
					type: 'BUTTONS',
					buttons: expect.arrayContaining([{ type: 'QUICK_REPLY', text: 'Stop promotions' }]),
				},
			]),
		);
	});

	it('has order_update: utility, approved, positional', () => {
		expect(template('order_update')).toMatchObject({
			category: 'UTILITY',
			status: 'APPROVED',
			parameter_format: 'POSITIONAL',
		});
	});

	it('has login_code: authentication with a copy-code one-time password button', () => {
		const t = template('login_code');
		expect(t.category).toBe('AUTHENTICATION');
		expect(JSON.stringify(t.components)).toContain('"otp_type":"COPY_CODE"');
	});

	it('has a paused marketing template', () => {
		expect(
			seed.templates.some(
				(t) => t.definition.status === 'PAUSED' && t.definition.category === 'MARKETING',
			),
		).toBe(true);
	});

	it('has consent_confirmation (utility, "Yes, subscribe" / "No") and opt_out_confirmation (utility)', () => {
		const consent = template('consent_confirmation');
		expect(consent.category).toBe('UTILITY');
		expect(JSON.stringify(consent.components)).toContain('"Yes, subscribe"');
		expect(JSON.stringify(consent.components)).toContain('"text":"No"');
		expect(template('opt_out_confirmation').category).toBe('UTILITY');
	});

	it('has contacts in Germany (+49 15x), the US (+1, real area code) and Brazil (+55)', () => {
		const byCountry = (c: string) =>
			seed.contacts.filter((x) => x.country === c).map((x) => x.wa_id);
		expect(byCountry('DE').every((id) => /^4915/.test(id) || /^4917/.test(id))).toBe(true);
		expect(byCountry('US').every((id) => /^1(415|212)\d{7}$/.test(id))).toBe(true);
		expect(byCountry('BR').every((id) => /^55\d{10,11}$/.test(id))).toBe(true);
	});
});

describe('seed checks', () => {
	const withTemplate = (change: (t: Json) => void) => {
		const seed = bundledSeedInput() as Json;
		change(seed.templates[2]);
		return seed;
	};

	it('names the template entry and the field that is wrong', () => {
		const seed = withTemplate((t) => {
			t.components[0].format = undefined;
		});
		expect(() => loadSeed(seed)).toThrow(SeedError);
		expect(() => loadSeed(seed)).toThrow(
			/templates\[2\] \("order_update"\): components\[0\]\.format/,
		);
	});

	it("rejects a template name with capitals, naming Meta's rule", () => {
		expect(() => loadSeed(withTemplate((t) => (t.name = 'OrderUpdate')))).toThrow(/lower-case/);
	});

	it('rejects a name and language defined twice', () => {
		const seed = bundledSeedInput() as Json;
		seed.templates.push({ ...seed.templates[2], id: '1' });
		expect(() => loadSeed(seed)).toThrow(/order_update \(en\) is defined twice/);
	});

	it('names the contact whose wa_id is wrong', () => {
		const seed = bundledSeedInput() as Json;
		seed.contacts[1].wa_id = '+49 176 1234';
		expect(() => loadSeed(seed)).toThrow(/contacts\[1\].*wa_id must be 8 to 15 digits/);
	});

	it('rejects a display number without its country code', () => {
		const seed = bundledSeedInput() as Json;
		seed.phone_numbers[0].display_phone_number = '030 57700180';
		expect(() => loadSeed(seed)).toThrow(/display_phone_number must be "\+", the country code/);
	});

	it('reads a seed file and names the file when it is not JSON', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-seed-'));
		const good = path.join(dir, 'good.json');
		const bad = path.join(dir, 'bad.json');
		fs.writeFileSync(good, JSON.stringify({ ...bundledSeedInput(), contacts: [] }));
		fs.writeFileSync(bad, '{ not json');
		expect(loadSeed(good).contacts).toEqual([]);
		expect(() => loadSeed(bad)).toThrow(
			new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not JSON`),
		);
		expect(() => loadSeed(path.join(dir, 'missing.json'))).toThrow(
			/Cannot read the seed file .*ENOENT/,
		);
	});

	it('makes startSandbox fail with the seed error before listening', async () => {
		const seed = bundledSeedInput() as Json;
		seed.phone_numbers = [];
		await expect(startSandbox({ seed: seed as SandboxSeedInput })).rejects.toThrow(
			/at least one phone number/,
		);
	});

	it('lets options replace the account id and the phone numbers', () => {
		const seed = loadSeed(undefined, {
			businessAccountId: '111222333',
			phoneNumbers: [
				{ id: '555666777', display_phone_number: '+44 20 7946 0000', verified_name: 'UK Shop' },
			],
		});
		expect(seed.business_account.id).toBe('111222333');
		expect(seed.phone_numbers).toEqual([
			{
				id: '555666777',
				display_phone_number: '+44 20 7946 0000',
				verified_name: 'UK Shop',
				quality_rating: 'GREEN',
				throughput: 80,
			},
		]);
	});
});

describe('options', () => {
	it('documents its defaults', () => {
		const options = resolveOptions();
		expect(options).toMatchObject({
			port: 0,
			host: '127.0.0.1',
			accessToken: 'sandbox-token',
			appSecret: 'sandbox-app-secret',
			latencyMs: 0,
			pairBurst: 45,
			pairIntervalMs: 6000,
			webhookRetryScheduleMs: [1000, 5000, 30000, 120000, 600000],
			reengagement: 'async',
			undeliverable: 'async',
			usMarketingPaused: true,
		});
	});

	it.each([
		[{ port: 70000 }, /port must be/],
		[{ latencyMs: -1 }, /latencyMs must be 0 or more/],
		[{ ratePerSecond: 0 }, /ratePerSecond must be more than 0/],
		[{ pairLimit: { burst: 0.5 } }, /pairLimit.burst must be a whole number/],
		[{ webhookRetryScheduleMs: [10, -5] }, /webhookRetryScheduleMs\[1\]/],
		[{ webhookUrl: 'localhost:5678' }, /webhookUrl must/],
		[{ reengagement: 'later' as 'sync' }, /reengagement must be 'async' or 'sync'/],
		[{ statusDelaysMs: { sent: 100, delivered: 50 } }, /delivered must not be less than/],
	])('rejects %p naming the option', (options, message) => {
		expect(() => resolveOptions(options)).toThrow(message);
	});
});
