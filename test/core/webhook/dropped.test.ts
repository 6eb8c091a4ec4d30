import { DAY } from '../../../nodes/core/clock';
import type { CostEntry } from '../../../nodes/core/model';
import type { StandingEntry } from '../../../nodes/core/standing';
import {
	droppedLogLine,
	DROPPED_SHOWN,
	MAX_EFFECT_TEXT_LENGTH,
	usableEffects,
	type DroppedChange,
} from '../../../nodes/core/webhook/dropped';

const AT = Date.UTC(2026, 0, 15);

function change(i: number): DroppedChange {
	return {
		field: 'phone_number_quality_update',
		kind: 'phone_number_quality',
		dedupeKey: `evt:phone_number_quality_update:${i}`,
		reason: 'standing value must be a non-empty string, got ""',
	};
}

describe('dropped changes', () => {
	it('keeps the effects the store accepts and names the one it would refuse', () => {
		const good: StandingEntry = {
			subject: '106540352242922',
			name: 'quality_rating',
			value: 'GREEN',
			at: AT - DAY,
			source: 'phone_number_quality_update',
		};
		const { effects, problems } = usableEffects({ standing: [good, { ...good, value: '' }] }, AT);
		expect(effects).toEqual({ standing: [good] });
		expect(problems).toEqual(['standing value must be a non-empty string, got ""']);
	});

	it('leaves out an effect carrying a text longer than any Meta sends', () => {
		const cost: CostEntry = {
			wamid: 'wamid.1',
			sender: '106540352242922',
			contact: '4915112345678',
			category: 'x'.repeat(MAX_EFFECT_TEXT_LENGTH + 1),
			pricingType: 'regular',
			billable: true,
			at: AT - DAY,
		};
		const { effects, problems } = usableEffects({ costs: [cost] }, AT);
		expect(effects).toEqual({});
		expect(problems).toEqual([
			`costs category has ${MAX_EFFECT_TEXT_LENGTH + 1} characters, more than any text Meta sends (${MAX_EFFECT_TEXT_LENGTH})`,
		]);
	});

	it('the log line names each dropped change up to DROPPED_SHOWN and counts the rest', () => {
		expect(droppedLogLine([change(1)])).toBe(
			'WhatsApp webhook recorded, but 1 change has an invalid field and changed nothing in the compliance store; the rest of the webhook was recorded: phone_number_quality_update [phone_number_quality, evt:phone_number_quality_update:1]: standing value must be a non-empty string, got ""',
		);
		const many = Array.from({ length: DROPPED_SHOWN + 2 }, (_, i) => change(i));
		const line = droppedLogLine(many);
		expect(line).toMatch(/^WhatsApp webhook recorded, but 7 changes have an invalid field/);
		expect(line.split(' | ')).toHaveLength(DROPPED_SHOWN + 1);
		expect(line).toMatch(/ \| and 2 more$/);
	});
});
