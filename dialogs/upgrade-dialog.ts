import { MessageFactory } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { money } from '../src/bot/cards.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { isDomainError } from '../src/domain/errors.js';
import type { UpgradePlan } from '../src/domain/requests.js';
import { BaseDialog } from './base-dialog.js';
import { yesOrNo } from './claim-answers.js';
import type { DialogDependencies } from './dependencies.js';
import type { FaqResult } from './faq-dialog.js';
import { menu, menuItems } from './replies.js';
import { filedRequestText } from './request-replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const upgradeDialogId = 'upgradeDialog';
const waterfallId = 'upgradeDialog.steps';
const choicePromptId = 'upgradeDialog.choice';
const confirmPromptId = 'upgradeDialog.confirm';

export interface UpgradeOptions {
  policyNumber?: string;
}

interface StepValues {
  policyNumber?: string;
  plan?: { code: string; name: string };
}

/**
 * Upgrades a policy to another plan of the same line at the same insurer: the plans with what each adds
 * in coverages and benefits, the customer's choice, and an upgrade request for an officer, whose
 * decision carries the new premium. The bot never quotes a price: it has none until the officer sets it.
 */
export class UpgradeDialog extends BaseDialog {
  readonly purpose =
    'I am helping you upgrade your policy: answer the question above, or say "cancel" to stop.';

  constructor(deps: DialogDependencies) {
    super(upgradeDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(choicePromptId))
      .addDialog(new TextPrompt(confirmPromptId, (prompt) => this.validateYesNo(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.choosePolicy(step),
          (step) => this.showPlans(step),
          (step) => this.confirm(step),
          (step) => this.file(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  private async choosePolicy(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const policies = (await this.deps.services.policies.listForCustomer(customer.customerId))
      .flatMap((group) => group.policies)
      .filter((policy) => policy.status === 'active');
    const wanted = ((step.options ?? {}) as UpgradeOptions).policyNumber?.toUpperCase();
    if (wanted) {
      if (!policies.some((policy) => policy.number === wanted)) {
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.policies, menuItems.person],
            "I can only upgrade one of your active policies, and that isn't one of them.",
          ),
        );
        return step.endDialog();
      }
      return step.next(wanted);
    }
    if (policies.length === 0) {
      await step.context.sendActivity(menu("You don't have an active policy I can upgrade."));
      return step.endDialog();
    }
    if (policies.length === 1) return step.next(policies[0]!.number);
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions(
        policies.map((policy) => policy.number),
        `Which policy would you like to upgrade?\n\n${policies.map((policy) => `- ${policy.number}: ${policy.typeName}`).join('\n')}`,
      ),
    });
  }

  private async showPlans(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    if (!customer) return step.endDialog();
    const typed = String(step.result ?? '')
      .trim()
      .toUpperCase();
    const number = /\b[A-Z]{3}-\d{6}\b/.exec(typed)?.[0];
    if (!number) return step.endDialog({ reroute: String(step.result ?? '') } satisfies FaqResult);
    let plans: UpgradePlan[];
    try {
      plans = await this.deps.services.requests.upgradeOptions(customer.customerId, number);
    } catch (error) {
      if (!isDomainError(error, 'not_found')) throw error;
      return step.endDialog({ reroute: String(step.result ?? '') } satisfies FaqResult);
    }
    if (plans.length === 0) {
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.policies],
          `There is no other plan to move ${number} to with its insurer. A person from our team can tell you more.`,
        ),
      );
      return step.endDialog();
    }
    const values = step.values as StepValues;
    values.policyNumber = number;
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions(
        [...plans.map((plan) => plan.name), 'Keep my plan'],
        `These plans can replace ${number}:\n\n${plans.map(planText).join('\n\n')}\n\nThe new premium is set by our team when they approve the change. Which plan would you like?`,
      ),
    });
  }

  private async confirm(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    const values = step.values as StepValues;
    if (!customer || !values.policyNumber) return step.endDialog();
    const typed = String(step.result ?? '')
      .trim()
      .toLowerCase();
    const plans = await this.deps.services.requests.upgradeOptions(customer.customerId, values.policyNumber);
    const plan = plans.find(
      (candidate) => candidate.name.toLowerCase() === typed || candidate.code === typed,
    );
    if (!plan) {
      if (/\bkeep\b/.test(typed)) {
        await step.context.sendActivity(menu('All right, your plan stays as it is. Anything else?'));
        return step.endDialog();
      }
      return step.endDialog({ reroute: String(step.result ?? '') } satisfies FaqResult);
    }
    values.plan = { code: plan.code, name: plan.name };
    return step.prompt(confirmPromptId, {
      prompt: MessageFactory.suggestedActions(
        ['Yes', 'No'],
        `I'll ask our team to move ${values.policyNumber} to ${plan.name}. They will set the new premium and I'll tell you what it is; nothing changes until they approve. Shall I send the request?`,
      ),
      retryPrompt: MessageFactory.suggestedActions(['Yes', 'No'], 'Please say yes or no.'),
    });
  }

  private async file(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    const values = step.values as StepValues;
    if (!customer || !values.policyNumber || !values.plan) return step.endDialog();
    if (!yesOrNo(String(step.result))) {
      await step.context.sendActivity(
        menu('All right, nothing was sent. Is there anything else I can help with?'),
      );
      return step.endDialog();
    }
    try {
      const request = await this.deps.services.requests.requestUpgrade(
        { customerId: customer.customerId, policyNumber: values.policyNumber, planCode: values.plan.code },
        { type: 'customer', id: customer.customerId, channel: channelSourceOf(step.context) },
      );
      await step.context.sendActivity(
        menu(`${filedRequestText(request)}\n\nIs there anything else I can help with?`),
      );
      return step.endDialog(request);
    } catch (error) {
      if (!isDomainError(error, 'conflict')) throw error;
      await step.context.sendActivity(menu(`An upgrade of ${values.policyNumber} is already with our team.`));
      return step.endDialog();
    }
  }

  private async validateYesNo(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return yesOrNo(prompt.recognized.value ?? '') !== undefined;
  }
}

/** A plan and what it adds, in coverages (with their limits) and benefits; never a price. */
function planText(plan: UpgradePlan): string {
  const lines = [`${plan.name}: ${plan.description}`];
  if (plan.addsCoverages.length) {
    lines.push(
      `Adds or raises: ${plan.addsCoverages.map((coverage) => `${coverage.name} (limit ${money(coverage.limit, plan.currency)})`).join(', ')}`,
    );
  }
  if (plan.addsBenefits.length) {
    lines.push(
      `New benefits: ${plan.addsBenefits.map((benefit) => `${benefit.name} (${benefit.description})`).join(', ')}`,
    );
  }
  return lines.join('\n');
}
