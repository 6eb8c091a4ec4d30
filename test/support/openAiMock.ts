/**
 * A local stand-in for an OpenAI-compatible chat model, for n8n's AI Agent in the e2e tests (no
 * network here). POST /v1/chat/completions with `tools`: a script decides, from the conversation so
 * far, which tool calls the "model" makes next or which final text it answers; every request is
 * recorded, so a test can read the tools n8n offered (names, descriptions, parameter schemas) and
 * the tool results n8n handed back (the `tool` messages of the follow-up request).
 * Answers both plain and streamed (`stream: true`, server-sent events) requests.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message as the OpenAI chat API carries it. */
export interface ChatMessage {
	readonly role: 'system' | 'user' | 'assistant' | 'tool' | 'developer';
	readonly content: string | null | Array<{ type: string; text?: string }>;
	readonly tool_calls?: ReadonlyArray<{
		readonly id: string;
		readonly type: 'function';
		readonly function: { readonly name: string; readonly arguments: string };
	}>;
	readonly tool_call_id?: string;
}

/** A tool as n8n offers it to the model. */
export interface OfferedTool {
	readonly type: 'function';
	readonly function: {
		readonly name: string;
		readonly description?: string;
		readonly parameters?: {
			readonly properties?: Record<string, { type?: string; description?: string }>;
			readonly required?: readonly string[];
		};
	};
}

/** One request the mock received. */
export interface ChatRequest {
	readonly model: string;
	readonly messages: readonly ChatMessage[];
	readonly tools: readonly OfferedTool[];
	readonly stream: boolean;
}

/** A tool result n8n handed back to the model, with the call it answers. */
export interface ToolResult {
	readonly tool: string;
	readonly args: Record<string, unknown>;
	/** Exactly the text n8n sent as the tool message's content. */
	readonly content: string;
}

/** What the scripted model does next. */
export type ModelTurn =
	| { readonly toolCalls: ReadonlyArray<{ name: string; args: Record<string, unknown> }> }
	| { readonly text: string };

/** Decides the next turn from the request (the user's message, the tool results so far). */
export type ModelScript = (request: ChatRequest, conversation: Conversation) => ModelTurn;

/** Reading a request the way a script and a test need it. */
export class Conversation {
	constructor(readonly request: ChatRequest) {}

	/** The last user message as text. */
	get userText(): string {
		const last = [...this.request.messages].reverse().find((m) => m.role === 'user');
		return last ? textOf(last.content) : '';
	}

	/** The tool results of this request, oldest first, each with the call it answers. */
	get toolResults(): ToolResult[] {
		const calls = new Map<string, { tool: string; args: Record<string, unknown> }>();
		const results: ToolResult[] = [];
		for (const message of this.request.messages) {
			for (const call of message.tool_calls ?? []) {
				calls.set(call.id, {
					tool: call.function.name,
					args: JSON.parse(call.function.arguments || '{}') as Record<string, unknown>,
				});
			}
			if (message.role === 'tool') {
				const call = calls.get(message.tool_call_id ?? '');
				results.push({
					tool: call?.tool ?? '?',
					args: call?.args ?? {},
					content: textOf(message.content),
				});
			}
		}
		return results;
	}
}

function textOf(content: ChatMessage['content']): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
	return '';
}

export interface OpenAiMock {
	/** The base URL for n8n's OpenAI credential (".../v1"). */
	readonly url: string;
	readonly requests: ChatRequest[];
	/** Replaces the script (e.g. per scenario). */
	script: ModelScript;
	close(): Promise<void>;
}

export async function startOpenAiMock(script: ModelScript): Promise<OpenAiMock> {
	const requests: ChatRequest[] = [];
	const mock: OpenAiMock = {
		url: '',
		requests,
		script,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			try {
				answer(req, res, Buffer.concat(chunks).toString('utf8'));
			} catch (error) {
				res.writeHead(500, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ error: { message: String(error), type: 'mock_error' } }));
			}
		});
	});
	const answer = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
		const path = (req.url ?? '').split('?')[0];
		if (req.method === 'GET' && path.endsWith('/models')) {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ object: 'list', data: [{ id: 'mock-model', object: 'model' }] }));
			return;
		}
		if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { message: `No route ${req.method} ${path}` } }));
			return;
		}
		const parsed = JSON.parse(body) as Partial<ChatRequest>;
		const request: ChatRequest = {
			model: String(parsed.model ?? ''),
			messages: parsed.messages ?? [],
			tools: parsed.tools ?? [],
			stream: parsed.stream === true,
		};
		requests.push(request);
		const turn = mock.script(request, new Conversation(request));
		// A call of a tool n8n did not offer would loop until the agent's iteration limit.
		const offered = new Set(request.tools.map((tool) => tool.function.name));
		const unknown = 'toolCalls' in turn ? turn.toolCalls.filter((c) => !offered.has(c.name)) : [];
		if (unknown.length > 0) {
			res.writeHead(400, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					error: {
						message: `The script called ${unknown.map((c) => c.name).join(', ')}, which n8n did not offer (offered: ${[...offered].join(', ')})`,
						type: 'invalid_request_error',
					},
				}),
			);
			return;
		}
		const id = `chatcmpl-${randomBytes(6).toString('hex')}`;
		const created = Math.floor(Date.now() / 1000);
		const toolCalls =
			'toolCalls' in turn
				? turn.toolCalls.map((call) => ({
						id: `call_${randomBytes(6).toString('hex')}`,
						type: 'function' as const,
						function: { name: call.name, arguments: JSON.stringify(call.args) },
					}))
				: undefined;
		const message = toolCalls
			? { role: 'assistant', content: null, tool_calls: toolCalls }
			: { role: 'assistant', content: (turn as { text: string }).text };
		const finish = toolCalls ? 'tool_calls' : 'stop';
		const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
		if (!request.stream) {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					id,
					object: 'chat.completion',
					created,
					model: request.model,
					choices: [{ index: 0, message, finish_reason: finish }],
					usage,
				}),
			);
			return;
		}
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		const chunk = (delta: object, finishReason: string | null) =>
			`data: ${JSON.stringify({
				id,
				object: 'chat.completion.chunk',
				created,
				model: request.model,
				choices: [{ index: 0, delta, finish_reason: finishReason }],
			})}\n\n`;
		res.write(chunk({ role: 'assistant', content: toolCalls ? null : '' }, null));
		if (toolCalls) {
			res.write(chunk({ tool_calls: toolCalls.map((call, index) => ({ index, ...call })) }, null));
		} else {
			res.write(chunk({ content: message.content }, null));
		}
		res.write(chunk({}, finish));
		res.end('data: [DONE]\n\n');
	};
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	(mock as { url: string }).url = `http://127.0.0.1:${port}/v1`;
	return mock;
}
