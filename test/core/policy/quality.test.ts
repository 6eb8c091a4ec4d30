import {
	checkQuality,
	isLowNumberQuality,
	isLowTemplateQuality,
	numberQualityRating,
	PolicyOptionError,
	resolveQualityOptions,
	type QualityInput,
} from '../../../nodes/core/policy';
import { CONTACT } from './fixtures';

const marketing = (extra: Partial<QualityInput> = {}): QualityInput => ({
	contact: CONTACT,
	category: 'marketing',
	template: { name: 'spring_sale', language: 'de' },
	...extra,
});

describe('quality', () => {
	it('holds marketing while the sending number is rated RED', () => {
		const decision = checkQuality(marketing({ numberQuality: 'RED' }));
		expect(decision).toMatchObject({ allowed: false, rule: 'quality', reason: 'quality_low' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('quality rating is low (RED)');
		expect(decision.message).toContain(CONTACT);
		expect(decision).not.toHaveProperty('retryAt');
	});

	it('holds marketing while the number is flagged, as Meta marked low numbers before October 2025', () => {
		expect(checkQuality(marketing({ numberQuality: 'flagged' }))).toMatchObject({
			reason: 'quality_low',
		});
	});

	it('holds a marketing template whose own quality is RED', () => {
		const decision = checkQuality(marketing({ templateQuality: 'RED', numberQuality: 'GREEN' }));
		expect(decision).toMatchObject({ allowed: false, reason: 'template_quality_low' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('"spring_sale" (de)');
	});

	it("names the number's rating first: another template would not help", () => {
		expect(checkQuality(marketing({ numberQuality: 'RED', templateQuality: 'RED' }))).toMatchObject(
			{ reason: 'quality_low' },
		);
	});

	it('lets medium, high, pending and unknown ratings through', () => {
		for (const rating of ['GREEN', 'YELLOW', 'NA', 'UNKNOWN', undefined]) {
			expect(
				checkQuality(marketing({ numberQuality: rating, templateQuality: rating })).allowed,
			).toBe(true);
		}
		expect(isLowNumberQuality(' red ')).toBe(true);
		expect(isLowTemplateQuality('FLAGGED')).toBe(false);
	});

	it('never holds utility or authentication templates', () => {
		for (const category of ['utility', 'authentication'] as const) {
			const low = marketing({ category, numberQuality: 'RED', templateQuality: 'RED' });
			expect(checkQuality(low).allowed).toBe(true);
		}
	});

	it('is on by default and can be turned off', () => {
		const low = marketing({ numberQuality: 'RED', templateQuality: 'RED' });
		expect(resolveQualityOptions()).toEqual({ enabled: true });
		expect(checkQuality(low, { enabled: false }).allowed).toBe(true);
		expect(() => resolveQualityOptions({ enabled: 'no' as unknown as boolean })).toThrow(
			PolicyOptionError,
		);
	});

	it("spells a number's rating one way, the read's: the webhook's FLAGGED is RED, UNFLAGGED YELLOW", () => {
		expect(numberQualityRating('FLAGGED')).toBe('RED');
		expect(numberQualityRating('unflagged')).toBe('YELLOW');
		expect(numberQualityRating(' green ')).toBe('GREEN');
		expect(numberQualityRating('NA')).toBe('NA');
		expect(isLowNumberQuality('FLAGGED')).toBe(true);
		expect(isLowNumberQuality('UNFLAGGED')).toBe(false);
		expect(checkQuality(marketing({ numberQuality: 'FLAGGED' }))).toMatchObject({
			message: expect.stringContaining('quality rating is low (RED)'),
		});
	});
});
