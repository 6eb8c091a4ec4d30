import { mock } from 'jest-mock-extended';
import { NodeOperationError, type IExecuteFunctions, type INode } from 'n8n-workflow';

import {
	groupBy,
	MAX_SENDS_IN_FLIGHT,
	nodeRateLimitOf,
	sendsInFlight,
	unique,
} from '../../../nodes/shared/send/options';

function withRateLimit(rateLimit: unknown): IExecuteFunctions {
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue({ name: 'WhatsApp Send Template' } as INode);
	ctx.getNodeParameter.mockReturnValue(rateLimit === undefined ? {} : { rateLimit });
	return ctx;
}

describe('sending', () => {
	it.each([undefined, 0, ''])(
		"leaves the sender number's throughput alone when the Rate Limit is %p",
		(rateLimit) => {
			expect(nodeRateLimitOf(withRateLimit(rateLimit))).toBeUndefined();
		},
	);

	it('reads the Rate Limit as a number, also when an expression gives it as text', () => {
		expect(nodeRateLimitOf(withRateLimit(0.5))).toBe(0.5);
		expect(nodeRateLimitOf(withRateLimit('1000'))).toBe(1000);
	});

	it.each([-1, 1001, Number.NaN, 'fast'])(
		'refuses the Rate Limit %p, naming the limits',
		(rateLimit) => {
			expect(() => nodeRateLimitOf(withRateLimit(rateLimit))).toThrow(NodeOperationError);
			expect(() => nodeRateLimitOf(withRateLimit(rateLimit))).toThrow(
				/Rate Limit must be a number of messages per second above 0 and at most 1000/,
			);
		},
	);

	it('keeps rate x the slowest expected answer in flight, within 1 and the documented cap', () => {
		expect(sendsInFlight(0.5)).toBe(1);
		expect(sendsInFlight(80)).toBe(40);
		expect(sendsInFlight(200)).toBe(100);
		expect(sendsInFlight(1000)).toBe(MAX_SENDS_IN_FLIGHT);
	});

	it('groups and deduplicates in first order', () => {
		expect([...groupBy(['b1', 'a1', 'b2'], (s) => s[0])]).toEqual([
			['b', ['b1', 'b2']],
			['a', ['a1']],
		]);
		expect(unique(['b', 'a', 'b'])).toEqual(['b', 'a']);
	});
});
