import {
	countItems,
	countValues,
	cutDeep,
	DEEP_VALUE,
	jsonShape,
	MAX_ITEM_VALUES,
	MAX_JSON_DEPTH,
	MAX_WEBHOOK_ITEMS,
} from '../../../nodes/core/wire/bodyLimits';

describe('webhook body limits', () => {
	it('counts the values of an update, itself included, and stops past the limit', () => {
		expect(countValues('x')).toBe(1);
		expect(countValues({ a: [1, 2, { b: null }], c: 'd' })).toBe(7);
		expect(countValues(Array(MAX_ITEM_VALUES).fill(0))).toBe(MAX_ITEM_VALUES + 1);
		expect(countValues(Array(10 * MAX_ITEM_VALUES).fill({}))).toBe(MAX_ITEM_VALUES + 1);
	});

	it('counts the arrays and objects of JSON text and their depth, not those inside strings', () => {
		expect(jsonShape('{"a":[1,{"b":"[{\\"}"}],"c":"\\\\"}')).toEqual({
			containers: 3,
			tooDeep: false,
		});
		expect(jsonShape('[]')).toEqual({ containers: 1, tooDeep: false });
		const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
		expect(jsonShape(deep(MAX_JSON_DEPTH)).tooDeep).toBe(false);
		expect(jsonShape(deep(MAX_JSON_DEPTH + 1)).tooDeep).toBe(true);
	});

	it('cuts what nests deeper than Meta’s JSON, so JSON.stringify can write it again', () => {
		const value = JSON.parse(`{"keep":1,"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
		expect(() => JSON.stringify(value)).toThrow(RangeError);
		const cut = cutDeep(value) as { keep: number; deep: unknown };
		expect(cut.keep).toBe(1);
		const text = JSON.stringify(cut);
		expect(text).toContain(DEEP_VALUE);
		expect(jsonShape(text).tooDeep).toBe(false);
		expect(jsonShape(text).containers).toBe(MAX_JSON_DEPTH);
	});

	it('counts a body’s updates and contact cards from its shape, and stops past the limit', () => {
		const change = (value: unknown) => ({ field: 'messages', value });
		const body = {
			entry: [
				{ changes: [change({ messages: [1, 2], contacts: [1, 2], statuses: [1] }), change({})] },
				{ changes: 'none' },
				7,
			],
		};
		expect(countItems(body)).toBe(8);
		expect(countItems({ entry: 'x' })).toBe(0);
		const many = { entry: [{ changes: [change({ statuses: new Array(10 ** 6).fill(1) })] }] };
		expect(countItems(many)).toBeGreaterThan(MAX_WEBHOOK_ITEMS);
	});
});
