import {
	CALLBACK_ID_RESERVED,
	decodeCallbackData,
	encodeCallbackData,
	newCallbackId,
} from '../../../nodes/core/wire/callback';

describe('callback data (the send id in biz_opaque_callback_data)', () => {
	it("puts the send's id in front of the user's data and reads both back", () => {
		const id = newCallbackId();
		expect(id).toMatch(/^[0-9a-f]{16}$/);
		expect(decodeCallbackData(encodeCallbackData(id, 'order 42|x'))).toEqual({
			callbackId: id,
			userData: 'order 42|x',
		});
		expect(decodeCallbackData(encodeCallbackData(id))).toEqual({ callbackId: id });
		expect(encodeCallbackData(id, 'x')).toHaveLength(CALLBACK_ID_RESERVED + 1);
	});

	it('reads data it did not write as the user data, whole', () => {
		expect(decodeCallbackData('crm:77')).toEqual({ userData: 'crm:77' });
		expect(decodeCallbackData('wac1:nothex')).toEqual({ userData: 'wac1:nothex' });
		expect(decodeCallbackData('wac1:0123456789abcdefX')).toEqual({
			userData: 'wac1:0123456789abcdefX',
		});
		expect(decodeCallbackData(undefined)).toEqual({});
	});

	it('refuses an id that is not one', () => {
		expect(() => encodeCallbackData('short')).toThrow(TypeError);
	});
});
