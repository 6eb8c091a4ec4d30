/**
 * A template as `GET /<WABA_ID>/message_templates` returns it, read by the sandbox itself: the
 * sandbox is the oracle the pack is tested against, so it does not borrow the pack's parser (a
 * misreading of Meta's format would then be mirrored instead of caught). Component, format and
 * button types are upper-cased, as Meta returns them; creation payloads may use lower case.
 */
import { z } from 'zod';

const upper = z.string().transform((value) => value.toUpperCase());

const ButtonSchema = z
	.object({ type: upper, text: z.string().optional(), url: z.string().optional() })
	.passthrough();

const ComponentSchema = z
	.object({
		type: upper,
		format: upper.optional(),
		text: z.string().optional(),
		buttons: z.array(ButtonSchema).optional(),
	})
	.passthrough()
	.superRefine((component, context) => {
		if (component.type === 'HEADER' && component.format === undefined) {
			context.addIssue({
				code: z.ZodIssueCode.custom,
				path: ['format'],
				message: 'a HEADER needs a format (TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION)',
			});
		}
	});

export const TemplateDefinitionSchema = z
	.object({
		id: z.string(),
		name: z.string(),
		language: z.string(),
		status: upper,
		category: upper,
		sub_category: z.string().optional(),
		/** Missing on older templates, which are positional. */
		parameter_format: upper.optional(),
		components: z.array(ComponentSchema),
	})
	.passthrough();

export type TemplateDefinition = z.output<typeof TemplateDefinitionSchema>;
export type TemplateComponentDefinition = TemplateDefinition['components'][number];
