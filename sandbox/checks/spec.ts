/**
 * The shape of a POST /<PHONE_NUMBER_ID>/messages body, judged by Meta's own schema (generated
 * from Meta's OpenAPI spec, see spec/messageSchema.json) before the sandbox's checks of Meta's
 * rules (limits, templates, the window...). The first problem found is answered as Meta answers it.
 */
import { GraphError } from '../graphError';
import messageSchema from '../spec/messageSchema.json';
import { SpecValidator } from '../spec/validator';

let validator: SpecValidator | undefined;

/** @throws GraphError 131008, 131009 or 100 naming the first field that does not fit. */
export function checkShape(body: unknown): void {
	// Compiled on first use: a sandbox that is only imported (the CLI's help) does not pay for it.
	validator ??= new SpecValidator(messageSchema.schema);
	const [issue] = validator.check(body);
	if (issue) throw new GraphError(issue.code, issue.details);
}
