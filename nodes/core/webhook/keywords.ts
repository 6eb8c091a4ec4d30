/**
 * Opt-out, opt-in and confirmation keywords, matched the way people type them.
 *
 * Meta handles no STOP keyword: an inbound "STOP" is an ordinary text message, and honouring it is
 * the business's job. The matching rule:
 * - Case, accents and width do not count: the text is Unicode-normalised (NFKD), combining marks
 *   are dropped and letters upper-cased, so "arrêt", "ARRET" and "Arrét" are one word, and Turkish
 *   "İptal", "iptal" and "IPTAL" too.
 * - Only letters and digits count: punctuation, emoji and spacing around and between words are
 *   ignored ("Stop!", " stop. ", "STOP 🙏"), and a keyword may be typed with or without its inner
 *   spaces or hyphen ("OPT-OUT", "opt out", "optout"; "STOP ALL", "stopall").
 * - The keyword must be the whole message, apart from polite filler words before or after it from a
 *   small list ("please stop", "Stop, thanks", "Hallo, bitte abmelden"), or the keyword repeated
 *   ("stop stop"). Any other word means a sentence, which is not read as a keyword: "don't stop",
 *   "when does the sale stop?", "cancel my order". Twilio goes further and accepts the single word
 *   only; we accept fillers because people write them, and refuse sentences because a keyword
 *   inside a sentence often means something else. Sentences reach the workflow as the message text.
 */

/**
 * Full opt-out keywords (every purpose), by language. English: Twilio's and the CTIA's list.
 * German KÜNDIGEN is left out on purpose: it means cancelling a contract, not the messages.
 */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = [
	// English
	'STOP',
	'STOPALL',
	'STOP ALL',
	'UNSUBSCRIBE',
	'CANCEL',
	'END',
	'QUIT',
	'OPTOUT',
	'OPT-OUT',
	'REVOKE',
	// German
	'STOPP',
	'ABMELDEN',
	'ABBESTELLEN',
	'AUSTRAGEN',
	// Spanish
	'BAJA',
	'PARAR',
	'CANCELAR',
	'DETENER',
	// Portuguese (PARAR, CANCELAR as in Spanish)
	'SAIR',
	// French (STOP as in English)
	'ARRET',
	'ARRÊTER',
	'ARRÊTEZ',
	'DÉSABONNER',
	// Italian
	'BASTA',
	'ANNULLA',
	'DISISCRIVI',
	// Dutch
	'AFMELDEN',
	'UITSCHRIJVEN',
	// Turkish
	'DUR',
	'İPTAL',
	'AYRIL',
];

/**
 * Keywords that lift a full opt-out (recorded as an opt-in on every purpose, which counts for
 * utility and authentication templates but never as marketing consent: see model.ts ALL_PURPOSES).
 * Only words that mean "subscribe / start again" and nothing else in a chat: YES, JA, SI, SIM, OUI
 * answer too many questions to be read as a global opt-in (see DEFAULT_CONFIRMATION_KEYWORDS).
 */
export const DEFAULT_OPT_IN_KEYWORDS: readonly string[] = [
	'START',
	'UNSTOP',
	'SUBSCRIBE',
	'ANMELDEN',
	'AANMELDEN',
	'ALTA',
];

/**
 * Answers that confirm a double opt-in. Applied only as a confirmation of consent that is pending
 * for the contact (the store confirms only pending purposes), never as an opt-in of their own.
 */
export const DEFAULT_CONFIRMATION_KEYWORDS: readonly string[] = [
	'YES',
	'CONFIRM',
	'JA',
	'BESTÄTIGEN',
	'SI',
	'SIM',
	'OUI',
	'EVET',
];

/**
 * Polite words people put around a keyword, in the same languages. A keyword surrounded by these
 * (and nothing else) still matches. Greetings are included: "Hallo, bitte abmelden" is an opt-out.
 * Words that are keywords themselves (JA, the Portuguese "já") are not fillers.
 */
export const DEFAULT_FILLER_WORDS: readonly string[] = [
	// English
	'PLEASE',
	'PLS',
	'PLZ',
	'NOW',
	'THANKS',
	'THANK YOU',
	'THX',
	'TY',
	'OK',
	'OKAY',
	'HI',
	'HELLO',
	'HEY',
	'ME',
	// German
	'BITTE',
	'DANKE',
	'JETZT',
	'SOFORT',
	'HALLO',
	// Spanish, Portuguese
	'POR FAVOR',
	'PORFA',
	'GRACIAS',
	'YA',
	'HOLA',
	'OBRIGADO',
	'OBRIGADA',
	'OLA',
	'OI',
	// French
	"S'IL VOUS PLAÎT",
	"S'IL TE PLAÎT",
	'SVP',
	'STP',
	'MERCI',
	'MAINTENANT',
	'BONJOUR',
	'SALUT',
	// Italian
	'PER FAVORE',
	'GRAZIE',
	'ADESSO',
	'CIAO',
	// Dutch
	'ALSJEBLIEFT',
	'ALSTUBLIEFT',
	'AUB',
	'A.U.B.',
	'BEDANKT',
	'DANK JE',
	'DANKJEWEL',
	'NU',
	'HOI',
	// Turkish
	'LÜTFEN',
	'TEŞEKKÜRLER',
	'TEŞEKKÜR EDERİM',
	'SAĞOL',
	'ARTIK',
	'MERHABA',
];

/**
 * The words of a text as compared: NFKD, combining marks dropped, upper case, split at everything
 * that is not a letter or a digit. "Arrêtez !" -> ["ARRETEZ"]; "s'il vous plaît" -> ["S", "IL",
 * "VOUS", "PLAIT"].
 */
export function keywordWords(text: string): string[] {
	const folded = String(text ?? '')
		.normalize('NFKD')
		.replace(/\p{M}+/gu, '')
		.toUpperCase();
	return folded.split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
}

/**
 * The comparable form of a button payload or keyword: its words joined by single spaces
 * ("STOP_PROMOTIONS", "Stop promotions" and "stop-promotions" are all "STOP PROMOTIONS").
 */
export function normalizePayload(text: string): string {
	return keywordWords(text).join(' ');
}

/**
 * A message longer than this (in UTF-16 code units) is never a keyword: a keyword with a few
 * polite words is far shorter, and not splitting longer texts into words keeps the work per
 * message small (a text message may have 4096 characters; a forged body far more).
 */
export const MAX_KEYWORD_MESSAGE_LENGTH = 256;

/**
 * A tapped button payload longer than this is never compared with the configured payloads: the
 * payloads Meta takes are shorter (a reply button id 256 characters, a quick-reply payload 1,000).
 */
export const MAX_PAYLOAD_LENGTH = 1024;

/** The words of a text that may be a keyword (keywordWords), undefined for one that cannot. */
export function keywordWordsOf(text: string | undefined): string[] | undefined {
	if (typeof text !== 'string' || text.length > MAX_KEYWORD_MESSAGE_LENGTH) return undefined;
	return keywordWords(text);
}

/** Thrown when a keyword or filler list cannot be used; `field` names the option. */
export class KeywordListError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'KeywordListError';
	}
}

/**
 * A keyword list compiled for matching. Build it once per list (the Webhook Trigger does so per
 * activation) and call `match` per message.
 */
export class KeywordMatcher {
	/** Normalised keyword (words joined without spaces) -> the keyword as configured. */
	private readonly keywords = new Map<string, string>();
	/** Filler word sequences, longest first, so "THANK YOU" is removed before "THANK". */
	private readonly fillers: string[][];

	/**
	 * @param keywords the keywords; each must contain a letter or digit
	 * @param fillers polite words allowed around a keyword. @default DEFAULT_FILLER_WORDS
	 * @param field the option name used in error messages
	 */
	constructor(
		keywords: readonly string[],
		fillers: readonly string[] = DEFAULT_FILLER_WORDS,
		field = 'keywords',
	) {
		checkList(field, keywords);
		checkList('fillerWords', fillers);
		for (const keyword of keywords) {
			const key = keywordWords(keyword).join('');
			if (!this.keywords.has(key)) this.keywords.set(key, keyword);
		}
		this.fillers = fillers
			.map((filler) => keywordWords(filler))
			.sort((a, b) => b.length - a.length);
	}

	/** The configured keyword `text` amounts to, or undefined when it is not (only) a keyword. */
	match(text: string | undefined): string | undefined {
		const words = keywordWordsOf(text);
		return words && this.matchWords(words);
	}

	/** match() for a text already split by keywordWords (one split for several lists). */
	matchWords(words: readonly string[]): string | undefined {
		if (words.length === 0 || this.keywords.size === 0) return undefined;
		// A keyword that is also a filler ("OK" configured as a keyword) matches before stripping.
		const whole = this.lookup(words);
		if (whole !== undefined) return whole;
		let start = 0;
		let end = words.length;
		for (let progress = true; progress && start < end; ) {
			progress = false;
			const head = this.fillerAt(words, start, end, 'start');
			if (head > 0) {
				start += head;
				progress = true;
			}
			const tail = start < end ? this.fillerAt(words, start, end, 'end') : 0;
			if (tail > 0) {
				end -= tail;
				progress = true;
			}
		}
		return start < end ? this.lookup(words.slice(start, end)) : undefined;
	}

	private lookup(words: readonly string[]): string | undefined {
		const found = this.keywords.get(words.join(''));
		if (found !== undefined) return found;
		// The keyword repeated, e.g. "stop stop stop".
		if (words.length > 1 && words.every((word) => word === words[0])) {
			return this.keywords.get(words[0]);
		}
		return undefined;
	}

	/** Length of the filler at the start (or ending at the end) of words[start, end), or 0. */
	private fillerAt(
		words: readonly string[],
		start: number,
		end: number,
		side: 'start' | 'end',
	): number {
		for (const filler of this.fillers) {
			const n = filler.length;
			if (n === 0 || n > end - start) continue;
			const from = side === 'start' ? start : end - n;
			let same = true;
			for (let i = 0; i < n && same; i++) same = words[from + i] === filler[i];
			if (same) return n;
		}
		return 0;
	}
}

function checkList(field: string, list: readonly string[]): void {
	if (!Array.isArray(list)) {
		throw new KeywordListError(field, `${field} must be a list of words, got ${typeof list}.`);
	}
	list.forEach((item, i) => {
		if (typeof item !== 'string' || keywordWords(item).length === 0) {
			throw new KeywordListError(
				`${field}[${i}]`,
				`${field}[${i}] (${JSON.stringify(item)}) has no letters or digits: every keyword needs at least one, e.g. "STOP".`,
			);
		}
	});
}
