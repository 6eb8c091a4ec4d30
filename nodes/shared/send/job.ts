/** What the send pipeline knows of one item, and what the rules decided for it. */
import type { IDataObject } from 'n8n-workflow';

import type { OutboundMessage } from '../../core/client/types';
import type { SentMessage, TemplateCategory } from '../../core/model';
import type { BatchResult, Hold, PriceEstimate } from '../../core/policy';
import type {
	ContactSnapshot,
	InboundTouch,
	Snapshot,
	SnapshotRequest,
} from '../../core/store/types';
import type { Recipient } from '../recipient';

/** One item a send node has read: the same fields for every node, plus the node's own. */
export interface SendJob {
	readonly index: number;
	/** The business phone number ID to send from. */
	readonly sender: string;
	readonly recipient: Recipient;
	readonly idempotencyKey: string;
	/** "template", "text", "image"...: what the output calls the message. */
	readonly messageType: string;
	/** What the store records as the message's kind: "template:<name>", "text", "interactive:list"... */
	readonly kind: string;
	readonly dryRun: boolean;
}

/** An allowed send: its category (for the store and the frequency cap) and its price. */
export interface Allowed {
	readonly category: TemplateCategory | 'service';
	readonly price: PriceEstimate;
	/** This send opens a free entry point window, to be recorded once Meta accepts it. */
	readonly startsFreeEntryPoint: boolean;
}

/** What the core rules decided for one job. */
export type Verdict =
	| ({ readonly kind: 'allow' } & Allowed)
	| { readonly kind: 'hold'; readonly hold: Hold & { category?: string } }
	/** An earlier job of the batch with the same idempotency key is this send (its position). */
	| { readonly kind: 'same_key'; readonly first: number };

/** An allowed decision of the core rules, as both evaluators give it. */
type AllowedDecision = { allowed: true; price: PriceEstimate; startsFreeEntryPoint: boolean };

/**
 * The core's batch answers as verdicts, in order; `allowed` sees each allowed decision (with its
 * job's position) and gives its category.
 */
export function verdictsOf<D extends AllowedDecision | (Hold & { category?: string })>(
	results: BatchResult<D>[],
	allowed: (decision: Extract<D, { allowed: true }>, position: number) => Allowed['category'],
): Verdict[] {
	return results.map((result, position): Verdict => {
		if (result.kind === 'same_key') return result;
		const { decision } = result;
		if (!decision.allowed) return { kind: 'hold', hold: decision as Hold };
		const ok = decision as Extract<D, { allowed: true }>;
		return {
			kind: 'allow',
			category: allowed(ok, position),
			price: ok.price,
			startsFreeEntryPoint: ok.startsFreeEntryPoint,
		};
	});
}

/** The store's view for one job, from its sender number's snapshot. */
interface SnapshotView {
	readonly contact: ContactSnapshot | undefined;
	/** The earlier send under the job's idempotency key. */
	readonly existingSend: SentMessage | undefined;
	readonly templates: Snapshot['templates'];
	/** The sender number's snapshot as a whole (the portfolio's reach and standing, if asked for). */
	readonly snapshot: Snapshot;
}

/** What a node does differently from the other; the pipeline does the rest. */
export interface SendSpec<J extends SendJob> {
	/** Reads and builds item `index`; throws for an item error. */
	prepare(index: number): J;
	/**
	 * After every item is read, before the store is asked (e.g. fetch template definitions and
	 * build the payloads): returns the jobs that go on; `fail` makes a job an item error.
	 */
	complete?(jobs: J[], fail: (job: J, error: unknown) => void): Promise<J[]>;
	/** What the snapshot must hold beyond contacts and keys, for the jobs of one sender number. */
	snapshotRequest?(
		jobs: J[],
		now: number,
	): Pick<SnapshotRequest, 'marketingSince' | 'templates' | 'reach' | 'standing'>;
	/**
	 * After the store was read for one sender number's jobs, before the rules: what the store
	 * lacks is asked elsewhere (e.g. the number's standing from Meta) and added to `snapshot`.
	 * Once per sender number and batch.
	 */
	refresh?(sender: string, jobs: J[], snapshot: Snapshot, now: number): Promise<void>;
	/** The core rules for the batch, in job order. */
	decide(jobs: J[], view: (job: J) => SnapshotView, now: number): Verdict[];
	/**
	 * After the rules, before anything is sent or claimed: takes what the allowed sends need of a
	 * budget shared with other processes (e.g. the portfolio's messaging limit), for the whole
	 * batch at once, and returns the verdicts with a hold for each send that did not get it.
	 */
	reserve?(jobs: J[], verdicts: Verdict[], now: number): Promise<Verdict[]>;
	/**
	 * After the batch: gives back what `reserve` took for the jobs whose sends certainly reached
	 * nobody (refused before or by Meta, or claimed by another execution).
	 */
	release?(unsent: J[]): Promise<void>;
	/** The request to send, once the send is allowed (a binary file is uploaded here). */
	payload(job: J, signal: AbortSignal | undefined): Promise<OutboundMessage>;
	/** The contact's message an allowed job rests on that the store lacks (recorded with a close or a free entry point). */
	inboundNotStored?(job: J): InboundTouch | undefined;
	/**
	 * Meta answered that the customer service window is closed (131047): the node marks its job's
	 * window closed at `at` and returns the window rule's hold. Without it, such an answer is an
	 * item error.
	 */
	windowClosed?(job: J, at: number): Hold;
	/** The node's own fields of a result item (after the common ones). */
	fields(job: J, verdict: Verdict | undefined): IDataObject;
	/**
	 * A result item as an AI agent's model gets it (nodes/shared/tool.ts sendToolResult); `job` is
	 * undefined for an item that could not be read.
	 */
	toolResult(json: IDataObject, job: J | undefined): IDataObject;
}
