/** The decision modals: approve (amount and note), deny (a reason and details), request information. */
import type { View } from '@slack/web-api';
import { callbackIds, denialReasons, inputIds, type ModalRef } from './ids.js';
import { clip, formatMoney, maxMetadata } from './text.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });

function modal(
  callbackId: string,
  title: string,
  submit: string,
  ref: ModalRef,
  blocks: View['blocks'],
): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(clip(title, 24)),
    submit: plain(submit),
    close: plain('Cancel'),
    private_metadata: clip(JSON.stringify(ref), maxMetadata),
    blocks,
  };
}

export function approveModal(ref: ModalRef & { a: number }, currency: string): View {
  return modal(callbackIds.approve, `Approve ${ref.n}`, 'Approve', ref, [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `Amount claimed: *${formatMoney(ref.a, currency)}*` },
    },
    {
      type: 'input',
      block_id: inputIds.amount,
      label: plain(`Approved amount (${currency})`),
      element: {
        type: 'plain_text_input',
        action_id: inputIds.amount,
        initial_value: ref.a.toFixed(2),
      },
    },
    {
      type: 'input',
      block_id: inputIds.note,
      optional: true,
      label: plain('Note to the customer'),
      element: { type: 'plain_text_input', action_id: inputIds.note, multiline: true, max_length: 400 },
    },
  ]);
}

export function denyModal(ref: ModalRef): View {
  return modal(callbackIds.deny, `Deny ${ref.n}`, 'Deny', ref, [
    {
      type: 'input',
      block_id: inputIds.reason,
      label: plain('Reason'),
      element: {
        type: 'static_select',
        action_id: inputIds.reason,
        placeholder: plain('Choose a reason'),
        options: Object.entries(denialReasons).map(([value, text]) => ({ value, text: plain(text) })),
      },
    },
    {
      type: 'input',
      block_id: inputIds.details,
      label: plain('Explanation for the customer'),
      element: { type: 'plain_text_input', action_id: inputIds.details, multiline: true, max_length: 400 },
    },
  ]);
}

export function requestInfoModal(ref: ModalRef): View {
  return modal(callbackIds.requestInfo, `Request info ${ref.n}`, 'Send', ref, [
    {
      type: 'input',
      block_id: inputIds.message,
      label: plain('Message to the customer'),
      element: { type: 'plain_text_input', action_id: inputIds.message, multiline: true, max_length: 500 },
    },
  ]);
}
