import { MessageFactory } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { isDomainError } from '../src/domain/errors.js';
import type { RequestView } from '../src/domain/requests.js';
import { BaseDialog } from './base-dialog.js';
import type { DialogDependencies } from './dependencies.js';
import type { FaqResult } from './faq-dialog.js';
import { menu, menuItems } from './replies.js';
import { requestLine, requestStatusText } from './request-replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const requestStatusDialogId = 'requestStatusDialog';
const waterfallId = 'requestStatusDialog.steps';
const actionPromptId = 'requestStatusDialog.action';
const answerPromptId = 'requestStatusDialog.answer';

export interface RequestStatusOptions {
  /** Show this request (still only if it is the customer's). */
  requestNumber?: string;
}

/** The answer button when an officer asked the customer something. */
export const answerQuestion = 'Answer the question';

interface StepValues {
  requestNumber?: string;
}

const requestNumberPattern = /^(?:ben|dep|rnw|upg)-?\d{6}$/i;

/**
 * The customer's service requests: one with its status, every decision and its reason, and the rule
 * that sent it to an officer; or the list of them to pick from. When an officer asked a question, the
 * customer answers it here and the request goes back to the officer. A number that is not theirs gets
 * the same answer as one that does not exist.
 */
export class RequestStatusDialog extends BaseDialog {
  readonly purpose = 'I can show your requests: reply with a request number (like BEN-000042) to see one.';

  constructor(deps: DialogDependencies) {
    super(requestStatusDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(actionPromptId))
      .addDialog(new TextPrompt(answerPromptId, (prompt) => this.validateAnswer(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.show(step),
          (step) => this.act(step),
          (step) => this.answer(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  private async show(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const { requestNumber } = (step.options ?? {}) as RequestStatusOptions;
    const requests = await this.deps.services.requests.listForCustomer(customer.customerId);
    if (!requestNumber) {
      if (requests.length === 0) {
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.benefits, menuItems.person],
            "You haven't made any requests yet. You can request a benefit, add or remove a dependent, renew or upgrade a policy.",
          ),
        );
        return step.endDialog();
      }
      const shown = requests.slice(0, 10);
      return step.prompt(actionPromptId, {
        prompt: MessageFactory.suggestedActions(
          shown.map((request) => request.number),
          `Here are your requests:\n\n${shown.map(requestLine).join('\n')}\n\nWhich one would you like to see?`,
        ),
      });
    }
    let request: RequestView;
    try {
      request = await this.deps.services.requests.getForCustomer(customer.customerId, requestNumber);
    } catch (error) {
      if (!isDomainError(error, 'not_found')) throw error;
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [...requests.slice(0, 10).map((entry) => entry.number), menuItems.person],
          `I couldn't find a request with that number on your account.${requests.length ? ' These are the requests I can show you.' : ''}`,
        ),
      );
      return step.endDialog();
    }
    (step.values as StepValues).requestNumber = request.number;
    await step.context.sendActivity(requestStatusText(request));
    if (request.status !== 'info_requested') {
      await step.context.sendActivity(menu('Is there anything else I can help with?'));
      return step.endDialog();
    }
    const question = request.decisions.at(-1)?.reason;
    return step.prompt(actionPromptId, {
      prompt: MessageFactory.suggestedActions(
        [answerQuestion, menuItems.person],
        `Our team asked: "${question ?? 'for more information'}". Would you like to answer now?`,
      ),
    });
  }

  /** A number from the list, the answer button, or a new request for the main dialog. */
  private async act(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = step.values as StepValues;
    const text = String(step.result ?? '').trim();
    if (!values.requestNumber) {
      const options: RequestStatusOptions = { requestNumber: text };
      if (requestNumberPattern.test(text)) return step.replaceDialog(waterfallId, options);
      return step.endDialog({ reroute: text } satisfies FaqResult);
    }
    if (text.toLowerCase() !== answerQuestion.toLowerCase()) {
      return step.endDialog({ reroute: text } satisfies FaqResult);
    }
    return step.prompt(answerPromptId, {
      prompt: MessageFactory.text('Please type your answer.'),
      retryPrompt: MessageFactory.text('Please type your answer to the question.'),
    });
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    const number = (step.values as StepValues).requestNumber;
    if (!customer || !number) return step.endDialog();
    const answered = await this.deps.services.requests.answerInfoRequest(
      customer.customerId,
      number,
      String(step.result).slice(0, 1000),
      { type: 'customer', id: customer.customerId, channel: channelSourceOf(step.context) },
    );
    await step.context.sendActivity(
      menu(`Thanks, your answer is with our team and ${answered.number} is back with them for a decision.`),
    );
    return step.endDialog(answered);
  }

  private async validateAnswer(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return prompt.recognized.succeeded && (prompt.recognized.value ?? '').trim().length >= 2;
  }
}
