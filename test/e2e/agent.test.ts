/**
 * The WhatsApp nodes as an AI agent's tools in a real n8n: the example "AI support agent on
 * WhatsApp" (trigger -> AI Agent with an OpenAI chat model -> Reply in Window Tool and Send
 * Template Tool), its chat model a local OpenAI-compatible server that scripts the model's tool
 * calls (test/support/openAiMock.ts; there is no network here). Each scenario asserts what the
 * sandbox received and what the model received as tool results.
 *
 * How n8n 2.30.7 runs a community node as a tool (read in its installed code):
 * - A node with `usableAsTool: true` gets a second type "<name>Tool" (n8n/dist/tool-generation/
 *   ai-tools.js, convertNodeToAiTool): inputs none, output `ai_tool`, display name "... Tool", and
 *   a "Description" parameter `toolDescription` unless the node has its own. The model sees the
 *   node's name as the tool name and `toolDescription` as its description (n8n-workflow
 *   getToolDescriptionForNode: an expression is resolved against the tool node's parameters).
 * - The tool's parameters are its `$fromAI(key, description, type)` expressions (n8n-core
 *   create-node-as-tool.js getSchema): the description is the model's only parameter
 *   documentation; the editor's "let the model define this parameter" writes an empty one.
 * - AI Agent 3.1 (V3) does not call the tool itself: it returns an engine request and n8n runs the
 *   tool node as a node of the workflow (n8n-core requests-response.js). Its one input item is the
 *   agent's input item with the model's arguments spread over it (`{...agentItem, ...args,
 *   toolCallId}`), so `$json.contact` is the trigger's contact unless the model passed `contact`;
 *   `$fromAI(key)` reads the model's arguments (the run's inputOverride). The arguments are not
 *   checked against the schema. `isToolExecution()` is false there; the node type name ends in
 *   "Tool".
 * - AI Agent 2.x (V2, still in many saved workflows) calls the tool itself (LangChain's
 *   AgentExecutor -> n8n-core get-input-connection-data.js makeHandleToolInvocation): the node runs
 *   in a SupplyDataContext whose input is only the model's arguments (checked against the schema:
 *   a call without a required argument reaches the model as "") and whose `$json` is the agent's
 *   item; `isToolExecution()` is true.
 * - The model gets only the first output: JSON.stringify of its items' json; an empty first
 *   output reaches it as `""` (langchain buildSteps.js buildObservation), an error as
 *   `{"error": message}`.
 * - The OpenAI Chat Model (lmChatOpenAi 1.3) calls `<credential url>/chat/completions` with
 *   Responses API off; the openAiApi credential's Base URL (`url`) points it at the local server.
 */
import { normalizePhone } from '../../nodes/core/phone';
import { startSandbox, type Sandbox, type SentMessage } from '../../sandbox/server';
import { startN8n, type N8nExecution, type N8nInstance } from '../../tools/n8n/n8n';
import {
	consentImportWorkflow,
	control,
	exampleOpenAiCredential,
	loadExamples,
	postJson,
	sandboxCredential,
	type ConsentRow,
} from '../../tools/n8n/fixtures';
import type { WorkflowFixture } from '../../tools/n8n/prepare';
import {
	Conversation,
	startOpenAiMock,
	type ModelScript,
	type ModelTurn,
	type OfferedTool,
	type OpenAiMock,
	type ToolResult,
} from '../support/openAiMock';

const AGENT = 'waExAiSupportAgent';
/** An AI Agent 2.2 started by a plain webhook (a CRM, a form), with Reply in Window as its tool. */
const AGENT_V2 = 'e2eAgentV2Hook01';
const AGENT_V2_PATH = 'e2e-agent-v2';
const REPLY_V2 = 'Reply V2';
const CONSENT = 'e2eAgentConsent01';
const CONSENT_PATH = 'e2e-agent-consent';
const REPLY = 'Reply to Customer';
const TEMPLATE = 'Send Follow-Up Template';
/** Added for the tests: a reply tool whose recipient the model chooses, guard on (the default). */
const REPLY_TO_NUMBER = 'Reply to Number';
/** Added for the tests: the same with Allow Any Recipient on. */
const MESSAGE_ANYONE = 'Message Any Number';

const HOUR_MS = 60 * 60 * 1000;
const BACK_IN_STOCK_OFFER = 'back_in_stock (en)';

/** German mobile numbers of the scenarios' contacts (consent checks come before quiet hours). */
function person(n: number, name: string) {
	const phone = `+49151${String(40000000 + n)}`;
	return { phone, waId: normalizePhone(phone).waId, name };
}
const people = {
	asksOrder: person(1, 'Mia'),
	wroteLate: person(2, 'Clara'),
	stops: person(3, 'Finn'),
	wantsDeals: person(4, 'Ben'),
	forwards: person(5, 'Lina'),
	injects: person(6, 'Paul'),
	trusted: person(7, 'Hanna'),
};
/** Someone the customers name; never wrote to the business. */
const husband = person(90, 'Jonas');

/**
 * The scripted model: for a customer's message (the prompt), the tool calls it makes turn by turn;
 * after the last turn it answers with a text. `turns[k]` may read the tool results so far.
 */
interface Scenario {
	readonly turns: ReadonlyArray<(results: ToolResult[]) => ModelTurn>;
}

/** The tool a node is for the model: its name with n8n's replacements (nodeNameToToolName). */
const toolName = (node: string) => node.replace(/[^a-zA-Z0-9_-]+/g, '_');

const call = (node: string, args: Record<string, unknown>): ModelTurn => ({
	toolCalls: [{ name: toolName(node), args }],
});

const SCENARIOS: Record<string, Scenario> = {
	'Where is my order A-1042?': {
		turns: [() => call(REPLY, { text: 'Your order A-1042 ships today.' })],
	},
	'Hello? Anyone there?': {
		turns: [
			() => call(REPLY, { text: 'Sorry for the wait! How can we help?' }),
			() =>
				call(TEMPLATE, {
					template: 'support_follow_up',
					variables: JSON.stringify({ 'body.first_name': 'Clara' }),
				}),
		],
	},
	STOP: {
		turns: [
			() => call(REPLY, { text: 'Sorry to see you go! Here is 10% off your next order: STAY10' }),
			() => call(REPLY, { text: 'Bye!', optOutConfirmation: true }),
			() => call(REPLY, { text: 'One more thing: our spring sale starts Monday!' }),
		],
	},
	'Any deals on running shoes?': {
		turns: [
			() =>
				call(TEMPLATE, {
					template: BACK_IN_STOCK_OFFER,
					variables: JSON.stringify({
						'header.image': 'https://shop.example.com/trail-runner.jpg',
						'body.first_name': 'Ben',
						'body.product': 'the Trail Runner 2',
						'body.ship_date': 'Friday',
					}),
				}),
		],
	},
	[`Please tell my husband at ${husband.phone} that the parcel is here.`]: {
		turns: [
			() =>
				call(REPLY_TO_NUMBER, {
					recipient: husband.phone,
					text: 'Your parcel is here.',
				}),
		],
	},
	[`Forward this to ${husband.phone}: the parcel is here.`]: {
		turns: [
			// The model slips the number into the trigger's own fields of the tool's input item.
			() =>
				call(REPLY, {
					text: 'Your parcel is here.',
					contact: husband.waId,
					contactWaId: husband.waId,
					timestamp: new Date().toISOString(),
				}),
		],
	},
	'Hi, one more question.': {
		turns: [() => call(REPLY, { text: 'Sure, ask away.' })],
	},
	'V2: tell the customer their parcel is here.': {
		turns: [() => call(REPLY_V2, { text: 'Your parcel is here.' })],
	},
	[`Message ${husband.phone} for me: the parcel is here.`]: {
		turns: [() => call(MESSAGE_ANYONE, { recipient: husband.phone, text: 'Your parcel is here.' })],
	},
};

const script: ModelScript = (_request, conversation) => {
	const scenario = SCENARIOS[conversation.userText];
	if (!scenario) return { text: `No scenario for "${conversation.userText}"` };
	const turn = scenario.turns[conversation.toolResults.length];
	return turn ? turn(conversation.toolResults) : { text: 'Done.' };
};

/** The example, and the tools the tests add to it, as the e2e imports it. */
function agentWorkflow(): WorkflowFixture {
	const example = loadExamples().find((workflow) => workflow.id === AGENT);
	if (!example) throw new Error(`examples/ has no workflow ${AGENT}`);
	const reply = example.nodes.find((node) => node.name === REPLY)!;
	const template = example.nodes.find((node) => node.name === TEMPLATE)!;
	const recipientFromModel =
		"={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('recipient', `The number to send to`, 'string') }}";
	const offered = [
		...(template.parameters as { modelTemplates: string[] }).modelTemplates,
		// A marketing template, for the consent scenario (as Templates to Offer lists it).
		'back_in_stock (en) · MARKETING · header.image (a link or media ID), body.first_name (e.g. Lena), body.product (e.g. the Trail Runner 2), body.ship_date (e.g. Friday)',
	];
	const tool = (id: string, name: string, position: number[], parameters: object) => ({
		...reply,
		id,
		name,
		position,
		parameters: { ...(reply.parameters as object), ...parameters },
	});
	return {
		...example,
		publish: true,
		nodes: [
			...example.nodes.map((node) =>
				node.name === TEMPLATE
					? { ...node, parameters: { ...(node.parameters as object), modelTemplates: offered } }
					: node,
			),
			tool('e2e-agent-reply-to-number', REPLY_TO_NUMBER, [800, 220], {
				recipient: recipientFromModel,
			}),
			tool('e2e-agent-message-anyone', MESSAGE_ANYONE, [1000, 220], {
				recipient: recipientFromModel,
				allowAnyRecipient: true,
			}),
		],
		connections: {
			...example.connections,
			[REPLY_TO_NUMBER]: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
			[MESSAGE_ANYONE]: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
	};
}

/**
 * Webhook {contact, text} -> Edit Fields -> AI Agent 2.2 -> Reply in Window Tool: an agent started
 * by something else than the WhatsApp trigger, whose item names the contact.
 */
function agentV2Workflow(): WorkflowFixture {
	const example = loadExamples().find((workflow) => workflow.id === AGENT)!;
	const pick = (name: string) => example.nodes.find((node) => node.name === name)!;
	const field = (name: string) => ({
		id: `e2e-agent-v2-${name}`,
		name,
		value: `={{ $json.body.${name} }}`,
		type: 'string',
	});
	return {
		id: AGENT_V2,
		name: 'e2e: AI Agent 2.2 from a webhook',
		nodes: [
			{
				id: 'e2e-agent-v2-webhook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'e2e-agent-v2-webhook-id',
				parameters: { httpMethod: 'POST', path: AGENT_V2_PATH, responseMode: 'onReceived' },
			},
			{
				id: 'e2e-agent-v2-set',
				name: 'Contact and Text',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [200, 0],
				parameters: {
					assignments: { assignments: [field('contact'), field('text')] },
					options: {},
				},
			},
			{
				id: 'e2e-agent-v2-agent',
				name: 'AI Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: 2.2,
				position: [400, 0],
				parameters: { promptType: 'define', text: '={{ $json.text }}', options: {} },
			},
			{ ...pick('OpenAI Chat Model'), id: 'e2e-agent-v2-model' },
			{ ...pick(REPLY), id: 'e2e-agent-v2-reply', name: REPLY_V2 },
		],
		connections: {
			Webhook: { main: [[{ node: 'Contact and Text', type: 'main', index: 0 }]] },
			'Contact and Text': { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			'OpenAI Chat Model': {
				ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
			},
			[REPLY_V2]: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
	};
}

let sandbox: Sandbox;
let n8n: N8nInstance;
let mock: OpenAiMock;

beforeAll(async () => {
	mock = await startOpenAiMock(script);
	sandbox = await startSandbox({ statusDelaysMs: { sent: 50, delivered: 100, read: null } });
	n8n = await startN8n({
		credentials: [sandboxCredential(sandbox), exampleOpenAiCredential(mock.url, 'sk-e2e-local')],
		workflows: [
			agentWorkflow(),
			agentV2Workflow(),
			consentImportWorkflow(CONSENT, 'e2e: agent consent', CONSENT_PATH),
		],
	});
	// The Meta app's one callback URL: the agent's trigger.
	sandbox.state.webhookUrl = n8n.webhookUrl('whatsapp-agent');
	for (const contact of Object.values(people)) {
		await control(sandbox, 'POST', 'contacts', {
			wa_id: contact.waId,
			name: contact.name,
			country: 'DE',
		});
	}
	const rows: ConsentRow[] = [
		// The follow-up template is utility: any opt-in for it lets it go.
		{
			phone: people.wroteLate.phone,
			purposes: 'transactional',
			status: 'opted_in',
			time: new Date(Date.now() - 48 * HOUR_MS).toISOString(),
		},
	];
	const imported = await postJson(n8n.webhookUrl(CONSENT_PATH), { rows });
	expect(imported.status).toBe(200);
}, 300_000);

afterAll(async () => {
	await n8n?.stop();
	await sandbox?.close();
	await mock?.close();
});

/** The contact writes through the sandbox; returns the agent's execution and its tool results. */
async function says(
	contact: { waId: string },
	text: string,
	ago?: string,
): Promise<{ execution: N8nExecution; results: ToolResult[] }> {
	const before = n8n.executions(AGENT).length;
	const requestsBefore = mock.requests.length;
	await control(sandbox, 'POST', `contacts/${contact.waId}/say`, { text, ...(ago ? { ago } : {}) });
	const executions = await n8n.waitForExecutions(AGENT, before + 1, 90_000);
	const execution = executions[before];
	expect({ status: execution.status, error: execution.data?.resultData.error?.message }).toEqual({
		status: 'success',
		error: undefined,
	});
	// The tool results the model received, in the last request of this conversation.
	const requests = mock.requests.slice(requestsBefore);
	const last = requests[requests.length - 1];
	const results = last ? new Conversation(last).toolResults : [];
	return { execution, results };
}

/** A tool result as the model got it: the first output's items, as JSON. */
function parsed(result: ToolResult): Record<string, unknown> {
	const items = JSON.parse(result.content) as Array<Record<string, unknown>>;
	expect(items).toHaveLength(1);
	return items[0];
}

function sentTo(contact: { waId: string }): SentMessage[] {
	return sandbox.state.sentMessages({ to: contact.waId });
}

function textOf(message: SentMessage): unknown {
	return (message.payload as { text?: { body?: unknown } }).text?.body;
}

/** What no tool result may carry: the incoming item, Meta's payload, the consent snapshot. */
function expectSmall(result: ToolResult): void {
	expect(result.content).not.toMatch(/"(input|raw|consentAfter|consents|idempotencyKey)"/);
	expect(Buffer.byteLength(result.content)).toBeLessThan(700);
}

describe('the tools the model is offered', () => {
	let tools: readonly OfferedTool[];
	beforeAll(async () => {
		await says(people.trusted, 'Where is my order A-1042?');
		tools = mock.requests[mock.requests.length - 1].tools;
	}, 120_000);

	it('describe what they do, what a held result means and what to do next', () => {
		const reply = tools.find((tool) => tool.function.name === 'Reply_to_Customer');
		expect(reply?.function.description).toMatch(/customer service window is open: 24 hours/);
		expect(reply?.function.description).toMatch(/"window_closed": send an approved template/);
		expect(reply?.function.parameters?.properties?.text?.description).toMatch(
			/up to 4096 characters/,
		);
		expect(reply?.function.parameters?.properties?.optOutConfirmation?.type).toBe('boolean');
		// Optional: a model that leaves it out still gets its reply checked and sent (an agent that
		// calls tools itself rejects a call that misses a required argument, and answers "").
		expect(reply?.function.parameters?.required).toEqual(['text']);
	});

	it('list the templates the model may choose, with their category and variables', () => {
		const template = tools.find((tool) => tool.function.name === 'Send_Follow-Up_Template');
		expect(template?.function.description).toContain(
			'support_follow_up (en) · UTILITY · body.first_name (e.g. Lena)',
		);
		expect(template?.function.description).toContain('back_in_stock (en) · MARKETING');
		expect(template?.function.description).toMatch(
			/MARKETING templates need the customer's marketing opt-in/,
		);
		expect(Object.keys(template?.function.parameters?.properties ?? {}).sort()).toEqual([
			'template',
			'variables',
		]);
		expect(template?.function.parameters?.required).toEqual(['template']);
	});
});

describe('an AI support agent whose tools are the WhatsApp nodes', () => {
	it('sends a reply in the open window and tells the model "sent" with its wamid', async () => {
		const { results } = await says(people.asksOrder, 'Where is my order A-1042?');

		const sent = sentTo(people.asksOrder);
		expect(sent.map((m) => ({ type: m.type, text: textOf(m), open: m.window_open }))).toEqual([
			{ type: 'text', text: 'Your order A-1042 ships today.', open: true },
		]);
		expect(results).toHaveLength(1);
		expect(parsed(results[0])).toEqual({
			result: 'sent',
			wamid: sent[0].id,
			sentAt: expect.any(String),
			windowOpenUntil: expect.any(String),
		});
		expectSmall(results[0]);
	}, 120_000);

	it('holds a reply to a message 25 hours old and tells the model to send a template, which it does', async () => {
		const { results } = await says(people.wroteLate, 'Hello? Anyone there?', '25h');

		expect(results.map((r) => r.tool)).toEqual(['Reply_to_Customer', 'Send_Follow-Up_Template']);
		expect(parsed(results[0])).toEqual({
			result: 'skipped',
			reason: 'window_closed',
			message: expect.stringMatching(
				/^Not sent: the customer service window is closed.*send an approved template instead/,
			),
		});
		expect(parsed(results[1])).toEqual({
			result: 'sent',
			wamid: expect.stringMatching(/^wamid\./),
			sentAt: expect.any(String),
			template: 'support_follow_up',
			language: 'en',
			category: 'utility',
		});
		// The free-form reply never went out; the template did.
		const sent = sentTo(people.wroteLate);
		expect(sent.map((m) => m.type)).toEqual(['template']);
		expect(sent[0].rendered?.body).toMatch(/^Hi Clara, this is about the message you sent us\./);
		results.forEach(expectSmall);
	}, 120_000);

	it('after STOP holds the reply, tells the model the one allowed message, and sends only the business text', async () => {
		const { results } = await says(people.stops, 'STOP');

		expect(results.map((r) => parsed(r).result)).toEqual(['skipped', 'sent', 'skipped']);
		expect(parsed(results[0])).toEqual({
			result: 'skipped',
			reason: 'opted_out',
			message: expect.stringMatching(
				/^Not sent: the contact opted out of all messages \(STOP\)\..*call this tool once more with optOutConfirmation set to true/,
			),
		});
		expect(parsed(results[1]).message).toMatch(/^Sent the confirmation of the contact's opt-out/);
		// Confirmed once: the model is no longer offered the confirmation.
		expect(parsed(results[2])).toEqual({
			result: 'skipped',
			reason: 'opted_out',
			message:
				'Not sent: the contact opted out of all messages (STOP). Send them nothing else unless they write to you again.',
		});
		// Neither the discount nor the sale went out: only the business's confirmation, once.
		expect(sentTo(people.stops).map(textOf)).toEqual([
			"You're unsubscribed: you will not get any more messages from us on WhatsApp. Changed your mind? Reply START.",
		]);
		results.forEach(expectSmall);
	}, 120_000);

	it('holds a marketing template for a contact without marketing consent and says why', async () => {
		const { results } = await says(people.wantsDeals, 'Any deals on running shoes?');

		expect(parsed(results[0])).toEqual({
			result: 'skipped',
			reason: 'no_consent',
			message: expect.stringMatching(
				/^Not sent: the contact has not opted in to this kind of message/,
			),
			template: 'back_in_stock',
			language: 'en',
			category: 'marketing',
		});
		expect(sentTo(people.wantsDeals)).toEqual([]);
		expectSmall(results[0]);
	}, 120_000);

	it('refuses a recipient the model chose who is not the contact of the conversation', async () => {
		const { results } = await says(
			people.forwards,
			`Please tell my husband at ${husband.phone} that the parcel is here.`,
		);

		expect(parsed(results[0])).toEqual({
			result: 'skipped',
			reason: 'recipient_not_in_conversation',
			message: expect.stringMatching(
				/^Not sent: this tool only messages the contact of this conversation/,
			),
		});
		expect(sentTo(husband)).toEqual([]);
		expect(sentTo(people.forwards)).toEqual([]);
	}, 120_000);

	it("refuses a number the model slipped into the trigger's own fields", async () => {
		const { results } = await says(
			people.injects,
			`Forward this to ${husband.phone}: the parcel is here.`,
		);

		expect(parsed(results[0])).toMatchObject({
			result: 'skipped',
			reason: 'recipient_not_in_conversation',
		});
		expect(sentTo(husband)).toEqual([]);
	}, 120_000);

	it('holds a message to someone who never wrote, also where any recipient is allowed', async () => {
		const { results } = await says(
			people.forwards,
			`Message ${husband.phone} for me: the parcel is here.`,
		);

		expect(parsed(results[0])).toEqual({
			result: 'skipped',
			reason: 'window_closed',
			message: expect.stringMatching(/or never wrote\), so free-form messages cannot be sent/),
		});
		expect(sentTo(husband)).toEqual([]);
	}, 120_000);
});

describe('an AI Agent 2.2, which calls its tools itself', () => {
	/** POSTs {contact, text} to the V2 workflow's webhook; returns its tool results. */
	async function asks(contact: { waId: string }, text: string): Promise<ToolResult[]> {
		const before = n8n.executions(AGENT_V2).length;
		const requestsBefore = mock.requests.length;
		const answer = await postJson(n8n.webhookUrl(AGENT_V2_PATH), { contact: contact.waId, text });
		expect(answer.status).toBe(200);
		const [execution] = (await n8n.waitForExecutions(AGENT_V2, before + 1, 90_000)).slice(-1);
		expect({ status: execution.status, error: execution.data?.resultData.error?.message }).toEqual({
			status: 'success',
			error: undefined,
		});
		const requests = mock.requests.slice(requestsBefore);
		return new Conversation(requests[requests.length - 1]).toolResults;
	}

	it('gets the same small results: sent to a contact whose window is open', async () => {
		await says(people.trusted, 'Hi, one more question.');
		const before = sentTo(people.trusted).length;

		const [result] = await asks(people.trusted, 'V2: tell the customer their parcel is here.');

		expect(parsed(result)).toEqual({
			result: 'sent',
			wamid: sentTo(people.trusted)[before].id,
			sentAt: expect.any(String),
			windowOpenUntil: expect.any(String),
		});
		expect(sentTo(people.trusted).slice(before).map(textOf)).toEqual(['Your parcel is here.']);
	}, 120_000);

	it('and held, with the reason and what to do, for a contact who never wrote', async () => {
		const [result] = await asks(husband, 'V2: tell the customer their parcel is here.');

		expect(parsed(result)).toEqual({
			result: 'skipped',
			reason: 'window_closed',
			message: expect.stringMatching(/^Not sent: the customer service window is closed/),
		});
		expect(sentTo(husband)).toEqual([]);
	}, 120_000);
});
