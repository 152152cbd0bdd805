import { MessageFactory, type TurnContext } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { benefitsNamedIn, type BenefitCatalogue, type BenefitOffer } from '../src/domain/benefits.js';
import { isDomainError } from '../src/domain/errors.js';
import type { BenefitNeed } from '../src/db/models/index.js';
import { BaseDialog } from './base-dialog.js';
import { dateOf } from './claim-answers.js';
import type { DialogDependencies } from './dependencies.js';
import type { FaqResult } from './faq-dialog.js';
import { menu, menuItems } from './replies.js';
import { filedRequestText } from './request-replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const benefitsDialogId = 'benefitsDialog';
const waterfallId = 'benefitsDialog.steps';
const questionsId = 'benefitsDialog.questions';
const resumeId = 'benefitsDialog.resume';
const choicePromptId = 'benefitsDialog.choice';
const answerPromptId = 'benefitsDialog.answer';

export interface BenefitsOptions {
  /** What the customer said ("I need a rental car"): names the benefit when it can. */
  text?: string;
}

/** The benefit being requested and what the customer has said about it so far. */
interface Asking {
  policyNumber: string;
  code: string;
  answers: Partial<Record<BenefitNeed, string>>;
  /** The rental's dates, as ISO days, once read. */
  from?: string;
  to?: string;
}

interface StepValues {
  /** Benefits the customer's words named, or all of them, to choose among. */
  candidates?: { policyNumber: string; code: string; name: string }[];
  asking?: Asking;
}

interface QuestionOptions {
  asking: Asking;
}

const nothing = 'Nothing for now';

/**
 * The benefits of the customer's policies, grouped by policy with what each gives and whether it needs
 * an officer's approval; then a request for one: what that benefit needs (for roadside help where the
 * car is and what happened, for a rental car the claim and the dates), filed with a number. The
 * request service decides it by rule at once when it can; otherwise the customer learns why it went to
 * an officer and is told here when they decide.
 */
export class BenefitsDialog extends BaseDialog {
  readonly purpose =
    'I am helping you use a benefit of your policy: answer the question above, or say "cancel" to stop.';

  constructor(deps: DialogDependencies) {
    super(benefitsDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(choicePromptId))
      .addDialog(new TextPrompt(answerPromptId, (prompt) => this.validateAnswer(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.show(step),
          (step) => this.choose(step),
          (step) => this.file(step),
        ]),
      )
      .addDialog(
        new WaterfallDialog(resumeId, [
          (step) => step.beginDialog(questionsId, step.options as QuestionOptions),
          (step) => this.file(step),
        ]),
      )
      .addDialog(new WaterfallDialog(questionsId, [(step) => this.ask(step), (step) => this.record(step)]));
    this.initialDialogId = waterfallId;
  }

  /** Lists the benefits, or goes straight to the one the customer's words name. */
  private async show(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const catalogue = (await this.deps.services.requests.benefitCatalogue(customer.customerId)).filter(
      (entry) => entry.benefits.length > 0,
    );
    if (catalogue.length === 0) {
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.policies, menuItems.person],
          'None of your policies offers benefits I can request here. A person from our team can help.',
        ),
      );
      return step.endDialog();
    }
    const offers = catalogue.flatMap((entry) =>
      entry.benefits.map((benefit) => ({
        policyNumber: entry.policyNumber,
        code: benefit.code,
        name: benefit.name,
        benefit,
      })),
    );
    const { text } = (step.options ?? {}) as BenefitsOptions;
    const named = text
      ? benefitsNamedIn(
          text,
          offers.map((offer) => ({ ...offer, ...offer.benefit })),
        )
      : [];
    const best = named.filter((offer) => offer.code === named[0]?.code);
    const values = step.values as StepValues;
    if (best.length === 1) return step.next(`${best[0]!.name} (${best[0]!.policyNumber})`);
    values.candidates = (best.length > 1 ? best : offers).map(({ policyNumber, code, name }) => ({
      policyNumber,
      code,
      name,
    }));
    if (best.length > 1) {
      return step.prompt(choicePromptId, {
        prompt: MessageFactory.suggestedActions(
          values.candidates.map((offer) => `${offer.name} (${offer.policyNumber})`),
          `${best[0]!.name} comes with more than one of your policies. Which policy is it for?`,
        ),
      });
    }
    await step.context.sendActivity(catalogueText(catalogue));
    const buttons = offers.slice(0, 9).map((offer) => `${offer.name} (${offer.policyNumber})`);
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions([...buttons, nothing], 'Which one would you like to request?'),
    });
  }

  /** Reads the choice; anything else is a new request for the main dialog. */
  private async choose(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.customerOf(step.context);
    if (!customer) return step.endDialog();
    const text = String(step.result ?? '').trim();
    if (text.toLowerCase() === nothing.toLowerCase()) {
      await step.context.sendActivity(menu('All right. Is there anything else I can help with?'));
      return step.endDialog();
    }
    const values = step.values as StepValues;
    const catalogue = await this.deps.services.requests.benefitCatalogue(customer.customerId);
    const offers = catalogue.flatMap((entry) =>
      entry.benefits.map((benefit) => ({ policyNumber: entry.policyNumber, benefit })),
    );
    const typed = text.toLowerCase();
    const exact = offers.find(
      ({ policyNumber, benefit }) =>
        `${benefit.name} (${policyNumber})`.toLowerCase() === typed ||
        (benefit.name.toLowerCase() === typed &&
          offers.filter((offer) => offer.benefit.code === benefit.code).length === 1),
    );
    const candidates = values.candidates ?? [];
    const named = exact
      ? [exact]
      : benefitsNamedIn(
          text,
          offers
            .filter(
              (offer) =>
                candidates.length === 0 ||
                candidates.some(
                  (c) => c.code === offer.benefit.code && c.policyNumber === offer.policyNumber,
                ),
            )
            .map((offer) => ({ ...offer, name: offer.benefit.name, keywords: offer.benefit.keywords })),
        );
    const chosen =
      named.length === 1 || (named.length > 1 && named[0]!.benefit.code !== named[1]!.benefit.code)
        ? named[0]
        : undefined;
    if (!chosen) return step.endDialog({ reroute: text } satisfies FaqResult);
    const asking: Asking = { policyNumber: chosen.policyNumber, code: chosen.benefit.code, answers: {} };
    const { text: said } = (step.options ?? {}) as BenefitsOptions;
    // "My car broke down on I-35" already says what happened.
    if (said && chosen.benefit.needs.includes('what_happened') && said.split(/\s+/).length >= 5) {
      asking.answers.what_happened = said.slice(0, 1000);
    }
    values.asking = asking;
    await step.context.sendActivity(
      `${chosen.benefit.name} on ${chosen.policyNumber}: ${chosen.benefit.description}${chosen.benefit.requiresApproval ? ' An officer approves each request.' : ''}`,
    );
    return step.beginDialog(questionsId, { asking } satisfies QuestionOptions);
  }

  private async ask(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { asking } = step.options as QuestionOptions;
    const customer = await this.customerOf(step.context);
    if (!customer) return step.endDialog();
    const benefit = await this.offer(customer.customerId, asking);
    if (!benefit) return step.endDialog();
    const need = benefit.needs.find((candidate) => asking.answers[candidate] === undefined);
    if (!need) return step.endDialog(asking);
    let buttons: string[] = [];
    if (need === 'claim') {
      const claims = await this.deps.services.claims.listForCustomer(customer.customerId);
      buttons = claims
        .filter((claim) => claim.policyNumber === asking.policyNumber)
        .map((claim) => claim.number);
      if (buttons.length === 0) {
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.fileClaim, menuItems.person],
            `${benefit.name} goes with a claim, and there is no claim on ${asking.policyNumber} yet. You can file one first.`,
          ),
        );
        return step.endDialog();
      }
    }
    const question = questions[need];
    return step.prompt(answerPromptId, {
      prompt: MessageFactory.suggestedActions(buttons.slice(0, 10), question.text),
      retryPrompt: MessageFactory.suggestedActions(buttons.slice(0, 10), question.retry),
      validations: { need },
    });
  }

  private async record(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { asking } = step.options as QuestionOptions;
    const customer = await this.customerOf(step.context);
    if (!customer) return step.endDialog();
    const benefit = await this.offer(customer.customerId, asking);
    const need = benefit?.needs.find((candidate) => asking.answers[candidate] === undefined);
    if (!need) return step.endDialog(asking);
    const answer = String(step.result ?? '').trim();
    const next: Asking = { ...asking, answers: { ...asking.answers, [need]: answer } };
    if (need === 'dates') {
      const [from, to] = datesOf(answer);
      next.from = from;
      next.to = to;
    }
    if (need === 'claim') next.answers.claim = answer.toUpperCase().replace(/^CLM\s*-?\s*/, 'CLM-');
    return step.replaceDialog(questionsId, { asking: next } satisfies QuestionOptions);
  }

  private async file(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const asking = step.result as Asking | undefined;
    if (!asking) return step.endDialog();
    const customer = await this.customerOf(step.context);
    if (!customer) return step.endDialog();
    try {
      const request = await this.deps.services.requests.requestBenefit(
        {
          customerId: customer.customerId,
          policyNumber: asking.policyNumber,
          benefitCode: asking.code,
          details: asking.answers.what_happened ?? '',
          ...(asking.answers.location ? { location: asking.answers.location } : {}),
          ...(asking.answers.claim ? { claimNumber: asking.answers.claim } : {}),
          ...(asking.from ? { from: new Date(`${asking.from}T00:00:00Z`) } : {}),
          ...(asking.to ? { to: new Date(`${asking.to}T00:00:00Z`) } : {}),
        },
        { type: 'customer', id: customer.customerId, channel: channelSourceOf(step.context) },
      );
      await step.context.sendActivity(
        menu(`${filedRequestText(request)}\n\nIs there anything else I can help with?`),
      );
      return step.endDialog(request);
    } catch (error) {
      if (isDomainError(error, 'not_found') && asking.answers.claim) {
        await step.context.sendActivity(
          `I couldn't find claim ${asking.answers.claim} on your policy ${asking.policyNumber}.`,
        );
        const answers = { ...asking.answers };
        delete answers.claim;
        return step.replaceDialog(resumeId, { asking: { ...asking, answers } } satisfies QuestionOptions);
      }
      if (!isDomainError(error, 'validation') && !isDomainError(error, 'not_found')) throw error;
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.benefits],
          "I couldn't file that request as it is. A person from our team can help, or you can start again.",
        ),
      );
      return step.endDialog();
    }
  }

  private async validateAnswer(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const { need } = prompt.options.validations as { need: BenefitNeed };
    const text = (prompt.recognized.value ?? '').trim();
    if (!prompt.recognized.succeeded || text.length < 2) return false;
    switch (need) {
      case 'claim':
        return /^clm\s*-?\s*\d{6}$/i.test(text);
      case 'dates': {
        const [from, to] = datesOf(text);
        if (!from || !to) return false;
        if (to < from) {
          await prompt.context.sendActivity('The end date is before the start date.');
          return false;
        }
        return true;
      }
      default:
        return true;
    }
  }

  private async offer(customerId: string, asking: Asking): Promise<BenefitOffer | undefined> {
    const catalogue = await this.deps.services.requests.catalogueForPolicy(customerId, asking.policyNumber);
    return catalogue.benefits.find((benefit) => benefit.code === asking.code);
  }

  private async customerOf(context: TurnContext): Promise<VerifiedCustomer | undefined> {
    const customer = await this.deps.session.customer(context);
    if (!customer) {
      await context.sendActivity(
        menu('For your security I need to confirm who you are again. Say "benefits" to start over.'),
      );
    }
    return customer;
  }
}

const questions: Record<BenefitNeed, { text: string; retry: string }> = {
  location: {
    text: 'Where do you need the help? A street address, or for a car the road and the nearest exit or landmark.',
    retry: 'Please tell me where you are.',
  },
  what_happened: {
    text: 'What happened, and what do you need?',
    retry: 'Please say in a few words what happened.',
  },
  claim: {
    text: 'Which claim is it for? Give the claim number, like CLM-000123.',
    retry: 'Please give the claim number, like CLM-000123.',
  },
  dates: {
    text: 'From which day to which day? For example "2026-06-16 to 2026-06-30" or "June 16 to June 30, 2026".',
    retry: 'Please give two dates, the first day and the last, for example "2026-06-16 to 2026-06-30".',
  },
};

/** The two days of "June 16 to June 30", as ISO days. */
function datesOf(text: string): [string | undefined, string | undefined] {
  const now = new Date();
  const parts = text.split(/\s+(?:to|until|till|through|thru|and|-|–)\s+/i);
  if (parts.length !== 2) return [undefined, undefined];
  const year = /\b(\d{4})\b/.exec(text)?.[1];
  const read = (part: string) => dayOf(part, now) ?? (year ? dayOf(`${part} ${year}`, now) : undefined);
  return [read(parts[0]!), read(parts[1]!)];
}

/** The benefits, grouped by policy, with what each gives and whether an officer approves it. */
function catalogueText(catalogue: BenefitCatalogue[]): string {
  const groups = catalogue.map((entry) => {
    const lines = entry.benefits.map((benefit) => {
      const terms = [
        ...benefit.ruleTexts,
        benefit.requiresApproval ? 'an officer approves each request' : 'approved at once within the rules',
      ];
      return `- ${benefit.name}: ${benefit.description} (${terms.join('; ')})`;
    });
    const inactive = entry.policyStatus === 'active' ? '' : ` (${entry.policyStatus})`;
    return `${entry.policyNumber}, ${entry.policyTypeName}${inactive}:\n${lines.join('\n')}`;
  });
  return `Here are the benefits of your policies:\n\n${groups.join('\n\n')}`;
}

/** A day written unambiguously; one that could be read two ways is asked again. */
function dayOf(text: string, now: Date): string | undefined {
  const answer = dateOf(text, now);
  return answer && 'date' in answer ? answer.date : undefined;
}
