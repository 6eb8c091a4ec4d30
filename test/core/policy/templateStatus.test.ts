import {
	checkTemplateStatus,
	templateCategoryOf,
	type TemplateStatusInput,
} from '../../../nodes/core/policy';
import { CONTACT, templateState } from './fixtures';

const template = { name: 'spring_sale', language: 'de' };
const check = (
	state: TemplateStatusInput['state'],
	assumed?: TemplateStatusInput['template']['category'],
) => checkTemplateStatus({ contact: CONTACT, template: { ...template, category: assumed }, state });

describe('template status', () => {
	it('lets an approved template go, in the category Meta has now', () => {
		expect(check(templateState('APPROVED', 'utility'), 'utility')).toEqual({
			allowed: true,
			category: 'utility',
			categoryChanged: false,
		});
	});

	it('uses the category Meta has now over a stale one the caller assumed', () => {
		expect(check(templateState('APPROVED', 'marketing'), 'utility')).toEqual({
			allowed: true,
			category: 'marketing',
			categoryChanged: true,
		});
	});

	it('falls back to the assumed category, then to marketing, when Meta gave none', () => {
		expect(check(templateState('APPROVED', undefined), 'authentication')).toMatchObject({
			category: 'authentication',
			categoryChanged: false,
		});
		expect(check(templateState('APPROVED', undefined))).toMatchObject({ category: 'marketing' });
	});

	it('reads statuses and categories in any letter case', () => {
		const state = { ...templateState('approved', undefined), category: 'UTILITY' as never };
		expect(check(state)).toMatchObject({ allowed: true, category: 'utility' });
	});

	it('treats webhook events on an approved template (reinstated, flagged, locked) as sendable', () => {
		for (const status of ['REINSTATED', 'FLAGGED', 'LOCKED']) {
			expect(check(templateState(status, 'marketing')).allowed).toBe(true);
		}
	});

	it('holds an unknown template and says to check the name and language', () => {
		const decision = check(undefined, 'marketing');
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'template status',
			reason: 'template_unknown',
			category: 'marketing',
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('"spring_sale" (de)');
		expect(decision.message).toContain(CONTACT);
		expect(decision.message).toContain('name and language');
	});

	it('holds a paused template without a retry time (Meta does not say when it resumes)', () => {
		const decision = check(
			templateState('PAUSED', 'marketing', { quality: 'RED', reason: 'NONE' }),
		);
		expect(decision).toMatchObject({ allowed: false, reason: 'template_paused' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.retryAt).toBeUndefined();
		expect(decision.message).toContain('unpause');
		expect(decision.message).not.toContain('NONE');
	});

	it('holds a disabled template', () => {
		expect(check(templateState('DISABLED', 'marketing'))).toMatchObject({
			allowed: false,
			reason: 'template_disabled',
		});
	});

	it('holds templates in review, rejected, in appeal or deleted, with the fix for each', () => {
		const cases: Array<[string, string]> = [
			['PENDING', 'in review'],
			['REJECTED', 'rejected'],
			['IN_APPEAL', 'in appeal'],
			['PENDING_DELETION', 'being deleted'],
			['DELETED', 'deleted'],
			['ARCHIVED', 'archived'],
			['LIMIT_EXCEEDED', 'template limit'],
			['SOMETHING_NEW', 'SOMETHING_NEW, not APPROVED'],
		];
		for (const [status, words] of cases) {
			const decision = check(templateState(status, 'utility'));
			expect(decision).toMatchObject({ allowed: false, reason: 'template_not_approved' });
			if (decision.allowed) throw new Error('expected a hold');
			expect(decision.message).toContain(words);
		}
	});

	it("passes on Meta's rejection reason", () => {
		const decision = check(templateState('REJECTED', 'marketing', { reason: 'INVALID_FORMAT' }));
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('(reason: INVALID_FORMAT)');
	});

	it("reads Meta's category in either case and knows no other", () => {
		expect(['MARKETING', 'Utility', 'authentication'].map(templateCategoryOf)).toEqual([
			'marketing',
			'utility',
			'authentication',
		]);
		expect(templateCategoryOf('SERVICE')).toBeUndefined();
		expect(templateCategoryOf(undefined)).toBeUndefined();
	});
});
