import { DAY } from '../../../nodes/core/clock';
import { FREQUENCY_CAP_DEFAULTS } from '../../../nodes/core/policy/frequencyCap';
import { longestCapPeriod, type TemplateJob } from '../../../nodes/WhatsAppSendTemplate/item';

/** Jobs with only the policy the snapshot request reads. */
function jobsWith(policies: Array<TemplateJob['policy']>, count: number): TemplateJob[] {
	return Array.from(
		{ length: count },
		(_, i) => ({ policy: policies[i % policies.length] }) as TemplateJob,
	);
}

describe('the frequency cap period a batch reads sends back for', () => {
	it('is the longest period of the batch’s policies', () => {
		const week = { frequencyCap: { periodMs: 7 * DAY } } as TemplateJob['policy'];
		const defaults = {} as TemplateJob['policy'];
		expect(longestCapPeriod(jobsWith([defaults, week], 10))).toBe(7 * DAY);
		expect(longestCapPeriod(jobsWith([defaults], 3))).toBe(FREQUENCY_CAP_DEFAULTS.periodMs);
	});

	it('takes a batch of 200,000 items (spreading them into Math.max overflows the stack)', () => {
		const shared = { frequencyCap: { periodMs: 3 * DAY } } as TemplateJob['policy'];
		expect(longestCapPeriod(jobsWith([shared], 200_000))).toBe(3 * DAY);
	});
});
