import type { TurnContext } from 'botbuilder';
import {
  ChoicePrompt,
  ConfirmPrompt,
  ListStyle,
  WaterfallDialog,
  type DialogTurnResult,
  type FoundChoice,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { money } from '../src/bot/cards.js';
import { extractEntities } from '../src/bot/recognizers/entities.js';
import type { PolicyDetails } from '../src/domain/policies.js';
import type { SupportReason } from '../src/domain/handoff.js';
import type { PolicyFacts } from '../src/knowledge/grounded.js';
import type { Article } from '../src/knowledge/types.js';
import { BaseDialog } from './base-dialog.js';
import type { DialogDependencies, QuestionAnswer } from './dependencies.js';
import { lineMentioned } from './policy-choice.js';
import { handOff, menu, type Reroute } from './replies.js';

export const faqDialogId = 'faqDialog';
const waterfallId = 'faqDialog.steps';
const feedbackPromptId = 'faqDialog.feedback';
const personPromptId = 'faqDialog.person';

const choices = { more: 'More', yes: 'Yes', no: 'No' } as const;

export interface FaqOptions {
  question: string;
}

/**
 * How the dialog ended. `reroute` carries a message that answered none of the dialog's prompts (a new
 * question, a request): the caller handles it as if it had just arrived.
 */
export type FaqResult = Reroute;

interface StepValues {
  question: string;
  slug: string | null;
  /** The answer already shown. */
  shown: string;
}

/**
 * Answers a free-form question: the short answer first with "more" for the rest of the article, then
 * "was this helpful?" (stored), and the offer of a person when the question is out of scope or the
 * answer did not help.
 */
export class FaqDialog extends BaseDialog {
  readonly purpose = 'I answered your question from our help articles.';

  constructor(deps: DialogDependencies) {
    super(faqDialogId, deps);
    // Prompts accept anything, so a reply that is not a choice ends the dialog and is handled afresh.
    const offer = new ConfirmPrompt(personPromptId, async () => true);
    // ConfirmPrompt takes its list style from the prompt itself, not from the options of each call.
    offer.style = ListStyle.suggestedAction;
    this.addDialog(new ChoicePrompt(feedbackPromptId, async () => true))
      .addDialog(offer)
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.answer(step),
          (step) => this.moreOrFeedback(step),
          (step) => this.recordFeedback(step),
          (step) => this.afterOffer(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { question } = step.options as FaqOptions;
    const values = step.values as StepValues;
    const found = await this.answerOf(step.context, question);
    values.question = question;
    values.slug = found.slug;
    values.shown = found.answer ?? '';
    if (!found.slug || !found.answer) {
      await step.context.sendActivity(
        "I'm sorry, I don't have a reliable answer to that one, and I'd rather not guess.",
      );
      return this.offerPerson(step, 'Would you like a person from our team to follow up?');
    }
    await step.context.sendActivity(found.title ? `${found.title}\n\n${found.answer}` : found.answer);
    const own = await this.ownCoverages(step.context, question);
    if (own) await step.context.sendActivity(own);
    const hasMore = this.rest(found.slug, found.answer) !== undefined;
    return this.askFeedback(step, hasMore);
  }

  private async moreOrFeedback(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { slug, shown } = step.values as StepValues;
    if (!slug) return this.afterOffer(step);
    const choice = step.result as FoundChoice | undefined;
    if (!choice) return this.reroute(step);
    if (choice.value !== choices.more) return step.next(choice);
    await step.context.sendActivity(this.rest(slug, shown) ?? '');
    return this.askFeedback(step, false);
  }

  private async recordFeedback(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const choice = step.result as FoundChoice | undefined;
    const { slug, question } = step.values as StepValues;
    if (!choice || !slug) return this.reroute(step);
    const helpful = choice.value === choices.yes;
    const customer = await this.deps.session.customer(step.context);
    await this.deps.services.feedback.record({
      slug,
      question,
      helpful,
      channel: channelSourceOf(step.context),
      conversationId: step.context.activity.conversation.id,
      ...(customer ? { customerId: customer.customerId } : {}),
    });
    if (helpful) {
      await step.context.sendActivity(menu('Glad that helped. Anything else?'));
      return step.endDialog();
    }
    return this.offerPerson(
      step,
      "Sorry that didn't help. Would you like a person from our team to follow up?",
    );
  }

  private async afterOffer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const accepted = step.result as boolean | undefined;
    if (accepted === undefined) return this.reroute(step);
    const { slug } = step.values as StepValues;
    if (accepted) {
      const reason: SupportReason = slug ? 'answer_unhelpful' : 'question_out_of_scope';
      await handOff(step.context, this.deps, reason, slug ? `faq:${slug}` : 'faq:out_of_scope');
    } else {
      await step.context.sendActivity(menu('No problem. Is there anything else I can help with?'));
    }
    return step.endDialog();
  }

  /** The grounded answer (with the facts of the policy asked about) when configured; else the article's. */
  private async answerOf(context: TurnContext, question: string): Promise<QuestionAnswer> {
    if (!this.deps.answerer) return this.deps.knowledge.answer(question);
    const policy = await this.policyFacts(context, question);
    return this.deps.answerer.answer(question, policy ? { policy } : {});
  }

  /**
   * The verified customer's policy the question is about: the one it names, the only one of the line
   * of insurance it mentions, or their only policy. Nothing for an unverified customer or when unclear.
   */
  private async policyFacts(context: TurnContext, question: string): Promise<PolicyFacts | undefined> {
    const details = await this.policyAskedAbout(context, question);
    return (
      details && {
        policyNumber: details.number,
        type: details.lineOfBusiness,
        status: details.status,
        coverages: details.coverages,
      }
    );
  }

  private async policyAskedAbout(context: TurnContext, question: string): Promise<PolicyDetails | undefined> {
    const customer = await this.deps.session.customer(context);
    if (!customer) return undefined;
    const groups = await this.deps.services.policies.listForCustomer(customer.customerId);
    const own = groups.flatMap((group) => group.policies);
    const named = extractEntities(question).policyNumber;
    const line = lineMentioned(question);
    const candidates = named
      ? own.filter((policy) => policy.number === named)
      : line
        ? own.filter((policy) => policy.lineOfBusiness === line)
        : own;
    const [only] = candidates;
    if (!only || candidates.length > 1) return undefined;
    return this.deps.services.policies.getForCustomer(customer.customerId, only.number);
  }

  /**
   * Without a writer of grounded answers, a question about the customer's own policy ("does my auto
   * policy cover a rental car?") gets the article and, beside it, what their policy actually holds.
   */
  private async ownCoverages(context: TurnContext, question: string): Promise<string | undefined> {
    if (this.deps.answerer || !/\b(?:my|our)\b/i.test(question)) return undefined;
    const policy = await this.policyAskedAbout(context, question);
    if (!policy || policy.coverages.length === 0) return undefined;
    const coverages = policy.coverages
      .map(
        (coverage) =>
          `${coverage.name} (limit ${money(coverage.limit, policy.premium.currency)}, deductible ${money(coverage.deductible, policy.premium.currency)})`,
      )
      .join('; ');
    return `Your ${policy.typeName} policy ${policy.number} has: ${coverages}.`;
  }

  private askFeedback(step: WaterfallStepContext, withMore: boolean): Promise<DialogTurnResult> {
    const options = withMore ? [choices.more, choices.yes, choices.no] : [choices.yes, choices.no];
    return step.prompt(feedbackPromptId, {
      prompt: withMore ? 'Was this helpful? Say "more" for the full article.' : 'Was this helpful?',
      choices: options,
      style: ListStyle.suggestedAction,
    });
  }

  private offerPerson(step: WaterfallStepContext, question: string): Promise<DialogTurnResult> {
    return step.prompt(personPromptId, { prompt: question });
  }

  private reroute(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result: FaqResult = { reroute: textOf(step.context) };
    return step.endDialog(result);
  }

  /**
   * What the article says beyond the answer shown: the body after the summary when the summary was
   * shown, the whole body when the answer was written from it; undefined when nothing is left.
   */
  private rest(slug: string, shown: string): string | undefined {
    const article: Article | undefined = this.deps.knowledge.article(slug);
    if (!article) return undefined;
    const rest = article.body.startsWith(shown)
      ? article.body.slice(shown.length).trim()
      : article.body.trim();
    return rest === '' ? undefined : rest;
  }
}

function textOf(context: TurnContext): string {
  return context.activity.text?.trim() ?? '';
}
