import { MessageFactory } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { formatDate, money } from '../src/bot/cards.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import type { DraftAttachment } from '../src/domain/claim-drafts.js';
import type { ClaimView } from '../src/domain/claims.js';
import { isDomainError } from '../src/domain/errors.js';
import { BaseDialog } from './base-dialog.js';
import { hasAttachments, isDone, receivedFiles, yesOrNo } from './claim-answers.js';
import type { DialogDependencies } from './dependencies.js';
import type { FaqResult } from './faq-dialog.js';
import { FileKindDialog, fileKindDialogId, type FileKindOptions } from './file-kind-dialog.js';
import { menu, menuItems } from './replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const claimStatusDialogId = 'claimStatusDialog';
const waterfallId = 'claimStatusDialog.steps';
const actionPromptId = 'claimStatusDialog.action';
const answerPromptId = 'claimStatusDialog.answer';
const filesPromptId = 'claimStatusDialog.files';
const confirmPromptId = 'claimStatusDialog.confirm';

export interface ClaimStatusOptions {
  /** Show this claim (still only if it is the customer's). */
  claimNumber?: string;
}

/** What the customer can do with a claim, as buttons. */
export const claimActions = {
  answer: 'Answer the question',
  documents: 'Add documents',
  withdraw: 'Withdraw the claim',
} as const;

interface StepValues {
  claimNumber?: string;
  action?: string;
  /** What the customer typed with the files (the answer to an officer's question). */
  said?: string;
}

/**
 * The customer's claims: one claim with its timeline, the documents still missing, the officer's open
 * question and the next step, or a list to pick from. From there the customer can answer an officer's
 * request for information (text and files), add documents, or withdraw a claim no one has looked at.
 * A claim number that is not theirs gets the same answer as one that does not exist.
 */
export class ClaimStatusDialog extends BaseDialog {
  readonly purpose = 'I can show your claims: reply with a claim number (like CLM-000123) to see one.';

  constructor(deps: DialogDependencies) {
    super(claimStatusDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(actionPromptId))
      .addDialog(new TextPrompt(answerPromptId, (prompt) => this.validateAnswer(prompt)))
      .addDialog(new TextPrompt(filesPromptId, (prompt) => this.validateFiles(prompt)))
      .addDialog(new TextPrompt(confirmPromptId, (prompt) => this.validateConfirm(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.show(step),
          (step) => this.act(step),
          (step) => this.collect(step),
          (step) => this.finish(step),
        ]),
      )
      .addDialog(new FileKindDialog(deps));
    this.initialDialogId = waterfallId;
  }

  private async show(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const { claimNumber } = (step.options ?? {}) as ClaimStatusOptions;
    const summaries = await this.deps.services.claims.listForCustomer(customer.customerId);
    const own = summaries.map((summary) => summary.number);
    const wanted = claimNumber ?? (summaries.length === 1 ? summaries[0]!.number : undefined);
    if (!wanted) {
      if (summaries.length === 0) {
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.fileClaim, menuItems.person],
            "You don't have any claims with us. Would you like to file one?",
          ),
        );
        return step.endDialog();
      }
      const list = summaries
        .slice(0, 10)
        .map(
          (summary) =>
            `- ${summary.number}: ${words(summary.type)}, ${statusWords[summary.status]} (filed ${formatDate(summary.createdAt)})`,
        )
        .join('\n');
      return step.prompt(actionPromptId, {
        prompt: MessageFactory.suggestedActions(
          own.slice(0, 10),
          `Here are your claims:\n\n${list}\n\nWhich one would you like to see?`,
        ),
      });
    }
    let claim: ClaimView;
    try {
      claim = await this.deps.services.claims.getForCustomer(customer.customerId, wanted);
    } catch (error) {
      if (!isDomainError(error, 'not_found')) throw error;
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [...own.slice(0, 10), menuItems.person],
          `I couldn't find a claim with that number on your account.${own.length ? ' These are the claims I can show you.' : ''}`,
        ),
      );
      return step.endDialog();
    }
    (step.values as StepValues).claimNumber = claim.number;
    const actions = actionsFor(claim);
    await step.context.sendActivity(claimStatusText(claim));
    if (actions.length === 0) {
      await step.context.sendActivity(menu('Is there anything else I can help with?'));
      return step.endDialog();
    }
    return step.prompt(actionPromptId, {
      prompt: MessageFactory.suggestedActions([...actions, menuItems.person], 'What would you like to do?'),
    });
  }

  /** Runs the chosen action, or hands anything else back to the main dialog as a new request. */
  private async act(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = step.values as StepValues;
    const text = String(step.result ?? '').trim();
    if (!values.claimNumber) {
      // The answer to the list: a claim number, or a new request.
      const options: ClaimStatusOptions = { claimNumber: text };
      if (/^clm-?\d{6}$/i.test(text)) return step.replaceDialog(waterfallId, options);
      return step.endDialog({ reroute: text } satisfies FaqResult);
    }
    const action = Object.values(claimActions).find((title) => title.toLowerCase() === text.toLowerCase());
    values.action = action;
    switch (action) {
      case claimActions.answer:
        return step.prompt(answerPromptId, {
          prompt: MessageFactory.text('Please type your answer; you can attach files to it too.'),
          retryPrompt: MessageFactory.text('Please type your answer to the question.'),
        });
      case claimActions.documents:
        return step.prompt(filesPromptId, {
          prompt: MessageFactory.suggestedActions(
            ['Done'],
            'Send the documents with the attach button, or say "done".',
          ),
          retryPrompt: MessageFactory.suggestedActions(['Done'], 'Attach a photo or a PDF, or say "done".'),
        });
      case claimActions.withdraw:
        return step.prompt(confirmPromptId, {
          prompt: MessageFactory.suggestedActions(
            ['Yes', 'No'],
            `Withdraw claim ${values.claimNumber}? It will be closed and not paid.`,
          ),
          retryPrompt: MessageFactory.suggestedActions(['Yes', 'No'], 'Please say yes or no.'),
        });
      default:
        return step.endDialog({ reroute: text } satisfies FaqResult);
    }
  }

  /** Reads the files sent with the answer or the documents, asking what a file is when its type cannot tell. */
  private async collect(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = step.values as StepValues;
    values.said = String(step.result ?? '');
    const customer = await this.deps.session.customer(step.context);
    if (!customer || !values.claimNumber) return step.endDialog();
    if (values.action === claimActions.withdraw) return step.next([]);
    const claim = await this.deps.services.claims.getForCustomer(customer.customerId, values.claimNumber);
    const outstanding = claim.checklist.filter((item) => !item.satisfied);
    const received = await receivedFiles(step.context, this.deps.files, outstanding);
    if (received.unsure.length === 0) return step.next(received.files);
    return step.beginDialog(fileKindDialogId, {
      files: received.files,
      unsure: received.unsure,
    } satisfies FileKindOptions);
  }

  private async finish(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { claimNumber, action, said } = step.values as StepValues;
    const customer = await this.deps.session.customer(step.context);
    if (!customer || !claimNumber) return step.endDialog();
    const actor = {
      type: 'customer' as const,
      id: customer.customerId,
      channel: channelSourceOf(step.context),
    };
    const received = { files: (step.result ?? []) as DraftAttachment[] };
    try {
      if (action === claimActions.answer) {
        const text = (said ?? '').trim() || 'Files attached.';
        await this.deps.services.claims.answerInfoRequest(
          claimNumber,
          { text, attachments: received.files },
          actor,
        );
        await step.context.sendActivity(
          menu(
            `Thanks, I've passed your answer to the claims officer; claim ${claimNumber} is back in review.`,
          ),
        );
      } else if (action === claimActions.documents) {
        if (received.files.length === 0) {
          await step.context.sendActivity(
            menu('No documents added. Is there anything else I can help with?'),
          );
          return step.endDialog();
        }
        const updated = await this.deps.services.claims.addDocuments(claimNumber, received.files, actor);
        const missing = updated.checklist.filter((item) => !item.satisfied).map((item) => item.label);
        await step.context.sendActivity(
          menu(
            `Added ${received.files.length} file${received.files.length === 1 ? '' : 's'} to ${claimNumber}.` +
              (missing.length ? ` Still needed: ${missing.join('; ')}.` : ' Every required document is in.'),
          ),
        );
      } else if (action === claimActions.withdraw) {
        if (!yesOrNo(said ?? '')) {
          await step.context.sendActivity(menu(`OK, claim ${claimNumber} stays open.`));
          return step.endDialog();
        }
        await this.deps.services.claims.withdraw(claimNumber, actor);
        await step.context.sendActivity(menu(`Claim ${claimNumber} is withdrawn.`));
      }
    } catch (error) {
      if (!isDomainError(error, 'conflict')) throw error;
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.claimStatus],
          `That can't be done any more: claim ${claimNumber} has moved on since. A person from our team can help.`,
        ),
      );
    }
    return step.endDialog();
  }

  private async validateAnswer(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return hasAttachments(prompt.context) || (prompt.recognized.value ?? '').trim().length > 0;
  }

  private async validateFiles(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return hasAttachments(prompt.context) || isDone(prompt.recognized.value ?? '');
  }

  private async validateConfirm(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return yesOrNo(prompt.recognized.value ?? '') !== undefined;
  }
}

const statusWords: Readonly<Record<ClaimView['status'], string>> = {
  submitted: 'received',
  in_review: 'in review',
  info_requested: 'waiting for information from you',
  approved: 'approved',
  denied: 'declined',
  paid: 'paid',
  closed: 'closed',
};

const nextSteps: Readonly<Record<ClaimView['status'], string>> = {
  submitted: 'A claims officer will pick it up shortly.',
  in_review: 'A claims officer is reviewing it; I will let you know here when anything changes.',
  info_requested: 'The claims officer needs your answer to continue.',
  approved: 'Payment is on its way.',
  denied: 'If you disagree with the decision, a person from our team can explain your options.',
  paid: 'Payment has been made.',
  closed: 'Nothing more is needed.',
};

/** What the customer can do with this claim now. */
export function actionsFor(claim: ClaimView): string[] {
  const actions: string[] = [];
  if (claim.status === 'info_requested') actions.push(claimActions.answer);
  if (['submitted', 'in_review', 'info_requested', 'approved'].includes(claim.status)) {
    actions.push(claimActions.documents);
  }
  const untouched =
    !claim.assignee &&
    claim.statusHistory.every((change) => change.actor.type !== 'officer') &&
    claim.messages.every((message) => message.from !== 'officer');
  if (claim.status === 'submitted' || (claim.status === 'in_review' && untouched)) {
    actions.push(claimActions.withdraw);
  }
  return actions;
}

/** One claim as the customer reads it: status, timeline, what is missing, the open question, the next step. */
export function claimStatusText(claim: ClaimView): string {
  const timeline = claim.statusHistory.map(
    (change) =>
      `- ${formatDate(change.at)}: ${change.from ? statusWords[change.to] : 'filed'}${
        change.to === 'approved' && claim.decision ? ` (${money(claim.decision.payout, claim.currency)})` : ''
      }`,
  );
  const missing = claim.checklist.filter((item) => !item.satisfied).map((item) => item.label);
  const question =
    claim.status === 'info_requested'
      ? claim.messages.filter((message) => message.from === 'officer').at(-1)?.text
      : undefined;
  return [
    `Claim ${claim.number} on ${claim.policyNumber}: ${words(claim.type)}, ${money(claim.amountClaimed, claim.currency)}. Status: ${statusWords[claim.status]}.`,
    `Timeline:\n${timeline.join('\n')}`,
    ...(question ? [`The claims officer asks: "${question}"`] : []),
    ...(missing.length ? [`Documents still needed: ${missing.join('; ')}.`] : []),
    `Next: ${nextSteps[claim.status]}`,
  ].join('\n\n');
}

function words(code: string): string {
  return code.replaceAll('_', ' ');
}
