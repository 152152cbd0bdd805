/** What the decision modals share: reading their metadata and values, and answering with errors. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { modalRefSchema, type ModalRef } from '../../blocks/ids.js';

/** The arguments of a modal submission listener. */
export type SubmissionArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The card the modal was opened from, or undefined when the metadata is not ours. */
export function modalRef(args: SubmissionArgs): ModalRef | undefined {
  try {
    const parsed = modalRefSchema.safeParse(JSON.parse(args.view.private_metadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The typed text (or chosen option) of input `id` (block and action share it). */
export function valueOf(args: SubmissionArgs, id: string): string | undefined {
  const input = args.view.state.values[id]?.[id];
  const value = input?.selected_option?.value ?? input?.value;
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** Keeps the modal open with a message under each named input. */
export async function refuse(args: SubmissionArgs, errors: Record<string, string>): Promise<void> {
  await args.ack({ response_action: 'errors', errors });
}
