import {
	DEFAULT_CONFIRMATION_KEYWORDS,
	DEFAULT_OPT_IN_KEYWORDS,
	DEFAULT_OPT_OUT_KEYWORDS,
	KeywordListError,
	KeywordMatcher,
	keywordWords,
	MAX_KEYWORD_MESSAGE_LENGTH,
	normalizePayload,
} from '../../../nodes/core/webhook/keywords';

const optOut = new KeywordMatcher(DEFAULT_OPT_OUT_KEYWORDS);
const optIn = new KeywordMatcher(DEFAULT_OPT_IN_KEYWORDS);
const confirmation = new KeywordMatcher(DEFAULT_CONFIRMATION_KEYWORDS);

describe('keywords: opt-out, matched the way people type them', () => {
	it.each([
		// English
		['STOP', 'STOP'],
		['stop', 'STOP'],
		['Stop!', 'STOP'],
		[' stop. ', 'STOP'],
		['STOP 🙏', 'STOP'],
		['🛑 Stop 🛑', 'STOP'],
		['stop stop stop', 'STOP'],
		['S T O P', 'STOP'],
		['please stop', 'STOP'],
		['Stop please!', 'STOP'],
		['stop, thank you', 'STOP'],
		['Hi, stop now please', 'STOP'],
		['STOP ALL', 'STOPALL'], // one keyword, typed with or without the space
		['stopall', 'STOPALL'],
		['Unsubscribe me', 'UNSUBSCRIBE'],
		['unsubscribe', 'UNSUBSCRIBE'],
		['cancel', 'CANCEL'],
		['End.', 'END'],
		['quit', 'QUIT'],
		['opt out', 'OPTOUT'],
		['Opt-Out', 'OPTOUT'],
		['optout', 'OPTOUT'],
		['revoke', 'REVOKE'],
		// German
		['Stopp', 'STOPP'],
		['STOPP!!!', 'STOPP'],
		['Abmelden', 'ABMELDEN'],
		['abmelden bitte', 'ABMELDEN'],
		['Hallo, bitte abmelden!', 'ABMELDEN'],
		['abbestellen', 'ABBESTELLEN'],
		['Austragen, danke', 'AUSTRAGEN'],
		// Spanish
		['Baja', 'BAJA'],
		['baja por favor', 'BAJA'],
		['PARAR', 'PARAR'],
		['cancelar', 'CANCELAR'],
		['Detener', 'DETENER'],
		// Portuguese
		['sair', 'SAIR'],
		['Parar, obrigado', 'PARAR'],
		// French
		['ARRET', 'ARRET'],
		['Arrêt', 'ARRET'],
		['arrêter', 'ARRÊTER'],
		['Arrêtez !', 'ARRÊTEZ'],
		['désabonner', 'DÉSABONNER'],
		["Stop s'il vous plaît", 'STOP'],
		['stop svp', 'STOP'],
		// Italian
		['Basta', 'BASTA'],
		['annulla', 'ANNULLA'],
		['Disiscrivi per favore', 'DISISCRIVI'],
		// Dutch
		['afmelden', 'AFMELDEN'],
		['Uitschrijven a.u.b.', 'UITSCHRIJVEN'],
		['stop alsjeblieft', 'STOP'],
		// Turkish
		['DUR', 'DUR'],
		['İptal', 'İPTAL'],
		['iptal', 'İPTAL'],
		['IPTAL', 'İPTAL'],
		['ıptal', 'İPTAL'],
		['ayrıl', 'AYRIL'],
		['iptal lütfen', 'İPTAL'],
		// Full-width letters, as some keyboards send them
		['ＳＴＯＰ', 'STOP'],
	])('%j is the opt-out keyword %s', (text, keyword) => {
		expect(optOut.match(text)).toBe(keyword);
	});

	it.each([
		"don't stop",
		'Dont stop',
		'when does the sale stop?',
		'Stop by our store tomorrow',
		'stop it', // "it" is not a filler: a sentence, not a keyword
		'Can I cancel my order?',
		'cancel order 4411',
		'the end',
		'Ich möchte mich abmelden',
		'Bitte nicht abmelden',
		'unstoppable',
		'stopover',
		'STOP2',
		'baja calidad',
		'c’est dur',
		'please',
		'',
		'   ',
		'🙏🙏',
		'...',
	])('%j is not an opt-out keyword', (text) => {
		expect(optOut.match(text)).toBeUndefined();
	});

	it('does not match what is not text', () => {
		expect(optOut.match(undefined)).toBeUndefined();
		expect(optOut.match(42 as unknown as string)).toBeUndefined();
	});

	it('leaves KÜNDIGEN out of the defaults: it means cancelling a contract', () => {
		expect(optOut.match('kündigen')).toBeUndefined();
	});
});

describe('keywords: long messages', () => {
	it('are never a keyword beyond 256 characters, so a long text is not split into words', () => {
		expect(MAX_KEYWORD_MESSAGE_LENGTH).toBe(256);
		const padded = (length: number) => `${' '.repeat(length - 4)}STOP`;
		expect(optOut.match(padded(MAX_KEYWORD_MESSAGE_LENGTH))).toBe('STOP');
		expect(optOut.match(padded(MAX_KEYWORD_MESSAGE_LENGTH + 1))).toBeUndefined();
		expect(optOut.match(`${'please '.repeat(500_000)}stop`)).toBeUndefined();
	});
});

describe('keywords: opt-in and confirmation', () => {
	it.each([
		['START', 'START'],
		['start please', 'START'],
		['Unstop', 'UNSTOP'],
		['subscribe', 'SUBSCRIBE'],
		['Anmelden', 'ANMELDEN'],
		['aanmelden', 'AANMELDEN'],
		['Alta', 'ALTA'],
	])('%j is the opt-in keyword %s', (text, keyword) => {
		expect(optIn.match(text)).toBe(keyword);
	});

	it.each(['yes', 'Ja', 'sí', 'oui', 'sim', 'start the engine', 'restart'])(
		'%j is not an opt-in keyword (answers are confirmations, not opt-ins)',
		(text) => {
			expect(optIn.match(text)).toBeUndefined();
		},
	);

	it.each([
		['Yes', 'YES'],
		['yes please', 'YES'],
		['Ja', 'JA'],
		['Ja, bitte!', 'JA'],
		['Sí', 'SI'],
		['Si', 'SI'],
		['Sim', 'SIM'],
		['Oui merci', 'OUI'],
		['Evet', 'EVET'],
		['Bestätigen', 'BESTÄTIGEN'],
		['confirm', 'CONFIRM'],
	])('%j is the confirmation answer %s', (text, keyword) => {
		expect(confirmation.match(text)).toBe(keyword);
	});

	it.each(['yes, but what about my order?', 'ja gerne', 'no', 'nein', 'yesterday'])(
		'%j is not a confirmation answer',
		(text) => {
			expect(confirmation.match(text)).toBeUndefined();
		},
	);
});

describe('keywords: configuration', () => {
	it('takes the user’s own list and fillers', () => {
		const custom = new KeywordMatcher(['Ende', 'Keine Werbung'], ['bitte']);
		expect(custom.match('ende bitte')).toBe('Ende');
		expect(custom.match('KEINE WERBUNG!')).toBe('Keine Werbung');
		expect(custom.match('keinewerbung')).toBe('Keine Werbung');
		expect(custom.match('stop')).toBeUndefined();
		expect(custom.match('ende danke')).toBeUndefined();
	});

	it('a keyword that is also a filler still matches on its own', () => {
		expect(new KeywordMatcher(['OK']).match('ok')).toBe('OK');
	});

	it('rejects keywords without letters or digits, naming the entry', () => {
		let error: unknown;
		try {
			new KeywordMatcher(['STOP', '!!!'], undefined, 'optOutKeywords');
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(KeywordListError);
		expect((error as KeywordListError).field).toBe('optOutKeywords[1]');
		expect(() => new KeywordMatcher(['STOP', '!!!'], undefined, 'optOutKeywords')).toThrow(
			/optOutKeywords\[1\] \("!!!"\) has no letters or digits/,
		);
		expect(() => new KeywordMatcher('STOP' as unknown as string[])).toThrow(/must be a list/);
	});

	it('an empty list matches nothing', () => {
		expect(new KeywordMatcher([]).match('stop')).toBeUndefined();
	});
});

describe('keywords: normalisation', () => {
	it('folds case, accents, width and punctuation into words', () => {
		expect(keywordWords("  S'il vous plaît, ARRÊTEZ!! 🙏 ")).toEqual([
			'S',
			'IL',
			'VOUS',
			'PLAIT',
			'ARRETEZ',
		]);
		expect(keywordWords('İptal')).toEqual(['IPTAL']);
		expect(keywordWords('Straße')).toEqual(['STRASSE']);
	});

	it('payloads compare without case, underscores or hyphens', () => {
		expect(normalizePayload('STOP_PROMOTIONS')).toBe(normalizePayload('Stop promotions'));
		expect(normalizePayload('stop-promotions')).toBe('STOP PROMOTIONS');
	});
});
