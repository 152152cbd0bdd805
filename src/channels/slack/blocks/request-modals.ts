/** The request decision modals: approve (a note, and the new premium where one is set), deny, request information. */
import type { View } from '@slack/web-api';
import {
  requestCallbackIds,
  requestInputIds,
  type RequestAction,
  type RequestModalRef,
} from './request-ids.js';
import { clip, maxMetadata } from './text.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });

function textInput(id: string, label: string, options: { optional?: boolean; hint?: string } = {}) {
  return {
    type: 'input' as const,
    block_id: id,
    ...(options.optional ? { optional: true } : {}),
    label: plain(label),
    ...(options.hint ? { hint: plain(options.hint) } : {}),
    element: {
      type: 'plain_text_input' as const,
      action_id: id,
      multiline: id !== requestInputIds.premium,
      max_length: 400,
    },
  };
}

/** The modal of `action` for the request in `ref`. */
export function requestModal(action: RequestAction, ref: RequestModalRef, currency: string): View {
  const titles: Record<RequestAction, [string, string]> = {
    approve: [`Approve ${ref.n}`, 'Approve'],
    deny: [`Deny ${ref.n}`, 'Deny'],
    requestInfo: [`Ask about ${ref.n}`, 'Send'],
  };
  const blocks: View['blocks'] =
    action === 'approve'
      ? [
          ...(ref.p
            ? [
                textInput(requestInputIds.premium, `New premium (${currency}, per period of the policy)`, {
                  optional: ref.p === 'optional',
                  hint:
                    ref.p === 'optional' ? 'Leave empty to keep the premium as it is.' : 'For example 158.00',
                }),
              ]
            : []),
          textInput(requestInputIds.note, 'Note to the customer', { optional: true }),
        ]
      : action === 'deny'
        ? [textInput(requestInputIds.reason, 'Reason, for the customer')]
        : [textInput(requestInputIds.message, 'Question for the customer')];
  const [title, submit] = titles[action];
  return {
    type: 'modal',
    callback_id: requestCallbackIds[action],
    title: plain(clip(title, 24)),
    submit: plain(submit),
    close: plain('Cancel'),
    private_metadata: clip(JSON.stringify(ref), maxMetadata),
    blocks,
  };
}
