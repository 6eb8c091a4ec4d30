/**
 * The account's message templates: the seed's definitions with their current status (changed by
 * the control API, with message_template_status_update) and their quality score (kept by the
 * portfolio, with message_template_quality_update).
 */
import type { Clock } from '../../nodes/core/clock';
import type { Json } from '../checks/fields';
import type { TemplateLookup } from '../checks/template';
import { ControlError } from '../controlError';
import type { Portfolio } from '../portfolio';
import type { SeedTemplate } from '../seedLoader';
import type { AccountWebhooks } from './accountWebhooks';

interface TemplateState {
	readonly seed: SeedTemplate;
	status: string;
}

const STATUS_EVENTS = [
	'APPROVED',
	'PAUSED',
	'DISABLED',
	'REJECTED',
	'PENDING',
	'REINSTATED',
	'FLAGGED',
] as const;

export class Templates {
	readonly #templates: TemplateState[];

	constructor(
		seed: readonly SeedTemplate[],
		private readonly portfolio: Portfolio,
		private readonly webhooks: AccountWebhooks,
		private readonly clock: Clock,
	) {
		this.#templates = seed.map((template) => ({
			seed: template,
			status: template.definition.status,
		}));
	}

	/** Templates with their current status and quality, as the template list returns them. */
	list(): { raw: Json; status: string; definition: SeedTemplate['definition'] }[] {
		return this.#templates.map((t) => {
			const quality = this.portfolio.templateQuality(t.seed);
			return {
				raw: quality ? { ...t.seed.raw, quality_score: quality } : t.seed.raw,
				status: t.status,
				definition: t.seed.definition,
			};
		});
	}

	/** Every language of a template, with its status: what a send is checked against. */
	byName(name: string): ReturnType<TemplateLookup['byName']> {
		return this.#templates
			.filter((t) => t.seed.definition.name === name)
			.map((t) => ({ definition: t.seed.definition, status: t.status }));
	}

	/** Sets the status of a template (every language unless one is given) and sends the webhook. */
	setStatus(
		name: string,
		status: string,
		options: { language?: string; reason?: string } = {},
	): { name: string; language: string; status: string }[] {
		const event = String(status ?? '').toUpperCase();
		const allowed: readonly string[] = STATUS_EVENTS;
		if (!allowed.includes(event)) {
			throw new ControlError(400, `status must be one of ${allowed.join(', ')}; got "${status}".`);
		}
		const now = this.clock.now();
		return this.#named(name, options.language).map((t) => {
			const before = t.status;
			// REINSTATED and FLAGGED are events; the template is APPROVED resp. stays as it is.
			t.status = event === 'REINSTATED' ? 'APPROVED' : event === 'FLAGGED' ? t.status : event;
			const definition = t.seed.definition;
			const value: Json = {
				event,
				message_template_id: Number(definition.id),
				message_template_name: definition.name,
				message_template_language: definition.language,
				reason: options.reason ?? (event === 'REJECTED' ? 'INVALID_FORMAT' : 'NONE'),
				message_template_category: definition.category,
				...(event === 'DISABLED' ? { disable_info: { disable_date: Math.floor(now / 1000) } } : {}),
				...(event === 'PAUSED'
					? {
							other_info: {
								title: 'FIRST_PAUSE',
								description: `Your ${definition.name} template has been paused for 3 hours because of low quality.`,
							},
						}
					: {}),
				...(event === 'APPROVED' && before === 'PAUSED'
					? {
							other_info: {
								title: 'UNPAUSE',
								description: `Your ${definition.name} template is active again.`,
							},
						}
					: {}),
			};
			this.webhooks.post(
				'message_template_status_update',
				value,
				`template ${definition.name} (${definition.language}) ${event}`,
				now,
			);
			return { name: definition.name, language: definition.language, status: t.status };
		});
	}

	/** Sets a template's quality score, every language unless one is given (message_template_quality_update). */
	setQuality(
		name: string,
		score: unknown,
		options: { language?: string } = {},
	): { name: string; language: string; quality_score: Json }[] {
		const now = this.clock.now();
		return this.#named(name, options.language).map((t) => {
			const change = this.portfolio.setTemplateQuality(t.seed, score, now);
			if (change) this.webhooks.announce(change, now);
			const { definition } = t.seed;
			return {
				name: definition.name,
				language: definition.language,
				quality_score: this.portfolio.templateQuality(t.seed)!,
			};
		});
	}

	/** The templates with this name (in one language if given). @throws ControlError 404 */
	#named(name: string, language: string | undefined): TemplateState[] {
		const matches = this.#templates.filter(
			(t) =>
				t.seed.definition.name === name &&
				(language === undefined || t.seed.definition.language === language),
		);
		if (matches.length === 0) {
			const names = [...new Set(this.#templates.map((t) => t.seed.definition.name))].join(', ');
			throw new ControlError(
				404,
				`No template "${name}"${language ? ` in ${language}` : ''}. Templates: ${names}.`,
			);
		}
		return matches;
	}
}
