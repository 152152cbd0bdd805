import { MessageFactory } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { asSensitivePrompt } from '../src/bot/sensitive-input.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { isDomainError } from '../src/domain/errors.js';
import { BaseDialog } from './base-dialog.js';
import { dateOf, yesOrNo } from './claim-answers.js';
import type { DialogDependencies } from './dependencies.js';
import type { FaqResult } from './faq-dialog.js';
import { menu, menuItems } from './replies.js';
import { filedRequestText } from './request-replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const dependentsDialogId = 'dependentsDialog';
const waterfallId = 'dependentsDialog.steps';
const textPromptId = 'dependentsDialog.text';
const namePromptId = 'dependentsDialog.name';
const relationshipPromptId = 'dependentsDialog.relationship';
const dateOfBirthPromptId = 'dependentsDialog.dateOfBirth';
const confirmPromptId = 'dependentsDialog.confirm';

export interface DependentsOptions {
  policyNumber?: string;
  /** What the customer said ("remove my spouse"): add or remove, when it says. */
  text?: string;
}

/** Lines whose policies list dependents (health and travel: family; auto: drivers). */
const dependentLines: ReadonlySet<string> = new Set(['health', 'travel', 'auto']);

const actions = { add: 'Add a dependent', remove: 'Remove a dependent' } as const;

const relationships: Readonly<Record<string, 'spouse' | 'partner' | 'child' | 'parent' | 'other'>> = {
  spouse: 'spouse',
  wife: 'spouse',
  husband: 'spouse',
  partner: 'partner',
  child: 'child',
  son: 'child',
  daughter: 'child',
  parent: 'parent',
  mother: 'parent',
  father: 'parent',
  other: 'other',
  driver: 'other',
};

interface Change {
  policyNumber?: string;
  action?: 'add' | 'remove';
  name?: string;
  relationship?: 'spouse' | 'partner' | 'child' | 'parent' | 'other';
}

interface StepValues {
  change: Change;
}

/**
 * Adds a dependent to one of the customer's policies or removes one: the policy, add or remove, then
 * the name, the relationship, a confirmation and last the date of birth (asked as personal input, so
 * channels keep no copy of it, and read straight into the request, where it is sealed), filed as a
 * request an officer decides. Who a policy cannot cover (a child of 26 on
 * a health plan, a driver under 16) is refused at once with the reason.
 */
export class DependentsDialog extends BaseDialog {
  readonly purpose =
    'I am helping you add or remove a dependent on your policy: answer the question above, or say "cancel" to stop.';

  constructor(deps: DialogDependencies) {
    super(dependentsDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(textPromptId))
      .addDialog(new TextPrompt(namePromptId, (prompt) => this.validateName(prompt)))
      .addDialog(new TextPrompt(relationshipPromptId, (prompt) => this.validateRelationship(prompt)))
      .addDialog(new TextPrompt(dateOfBirthPromptId, (prompt) => this.validateDateOfBirth(prompt)))
      .addDialog(new TextPrompt(confirmPromptId, (prompt) => this.validateYesNo(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.start(step),
          (step) => this.choosePolicy(step),
          (step) => this.chooseAction(step),
          (step) => this.askName(step),
          (step) => this.askRelationship(step),
          (step) => this.confirm(step),
          (step) => this.askDateOfBirth(step),
          (step) => this.file(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  private async start(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options = (step.options ?? {}) as DependentsOptions;
    const said = (options.text ?? '').toLowerCase();
    (step.values as StepValues).change = {
      ...(options.policyNumber ? { policyNumber: options.policyNumber.toUpperCase() } : {}),
      ...(/\b(?:remove|delete|take off|drop)\b/.test(said)
        ? { action: 'remove' as const }
        : /\b(?:add|put|include)\b/.test(said)
          ? { action: 'add' as const }
          : {}),
    };
    return this.verifiedCustomer(step);
  }

  private async choosePolicy(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const change = (step.values as StepValues).change;
    const policies = (await this.deps.services.policies.listForCustomer(customer.customerId))
      .flatMap((group) => group.policies)
      .filter((policy) => policy.status === 'active' && dependentLines.has(policy.lineOfBusiness));
    if (change.policyNumber && !policies.some((policy) => policy.number === change.policyNumber)) {
      await step.context.sendActivity(
        "I can only change dependents on an active health, travel or auto policy of yours, and that isn't one.",
      );
      delete change.policyNumber;
    }
    if (policies.length === 0) {
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.policies],
          'None of your active policies lists dependents. A person from our team can help.',
        ),
      );
      return step.endDialog();
    }
    if (!change.policyNumber && policies.length === 1) change.policyNumber = policies[0]!.number;
    if (change.policyNumber) return step.next(change.policyNumber);
    return step.prompt(textPromptId, {
      prompt: MessageFactory.suggestedActions(
        policies.map((policy) => policy.number),
        `Which policy is it for?\n\n${policies.map((policy) => `- ${policy.number}: ${policy.typeName}`).join('\n')}`,
      ),
    });
  }

  private async chooseAction(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    if (!customer) return step.endDialog();
    const change = (step.values as StepValues).change;
    const typed = String(step.result ?? '')
      .trim()
      .toUpperCase();
    const policies = (await this.deps.services.policies.listForCustomer(customer.customerId)).flatMap(
      (group) => group.policies,
    );
    const policy = policies.find(
      (candidate) =>
        typed.includes(candidate.number) &&
        candidate.status === 'active' &&
        dependentLines.has(candidate.lineOfBusiness),
    );
    if (!policy) return step.endDialog({ reroute: String(step.result ?? '') } satisfies FaqResult);
    change.policyNumber = policy.number;
    const current = await this.deps.services.requests.dependentsOf(customer.customerId, policy.number);
    const listed = current.length
      ? `On ${policy.number} now: ${current.map((entry) => `${entry.name} (${entry.relationship})`).join(', ')}.`
      : `${policy.number} has no dependents yet.`;
    if (change.action === 'remove' && current.length === 0) {
      await step.context.sendActivity(menu(`${listed} There is no one to remove.`));
      return step.endDialog();
    }
    if (change.action) {
      await step.context.sendActivity(listed);
      return step.next(change.action === 'add' ? actions.add : actions.remove);
    }
    return step.prompt(textPromptId, {
      prompt: MessageFactory.suggestedActions(
        current.length ? [actions.add, actions.remove] : [actions.add],
        `${listed} Would you like to add or remove someone?`,
      ),
    });
  }

  private async askName(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const change = (step.values as StepValues).change;
    const typed = String(step.result ?? '').toLowerCase();
    if (/\bremove\b/.test(typed)) change.action = 'remove';
    else if (/\badd\b/.test(typed)) change.action = 'add';
    else return step.endDialog({ reroute: String(step.result ?? '') } satisfies FaqResult);
    if (change.action === 'remove') {
      const customer = await this.deps.session.customer(step.context);
      if (!customer) return step.endDialog();
      const current = await this.deps.services.requests.dependentsOf(
        customer.customerId,
        change.policyNumber!,
      );
      return step.prompt(namePromptId, {
        prompt: MessageFactory.suggestedActions(
          current.map((entry) => entry.name),
          'Who should be removed?',
        ),
        retryPrompt: MessageFactory.suggestedActions(
          current.map((entry) => entry.name),
          'Please pick the person to remove.',
        ),
        validations: { names: current.map((entry) => entry.name) },
      });
    }
    return step.prompt(namePromptId, {
      prompt: MessageFactory.text("What is the person's full name?"),
      retryPrompt: MessageFactory.text('Please give their first and last name.'),
      validations: {},
    });
  }

  private async askRelationship(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const change = (step.values as StepValues).change;
    change.name = String(step.result).trim().slice(0, 120);
    if (change.action === 'remove') return step.next(undefined);
    return step.prompt(relationshipPromptId, {
      prompt: MessageFactory.suggestedActions(
        ['Spouse', 'Partner', 'Child', 'Other'],
        `How is ${change.name} related to you? (for a car policy, any driver: say "other" if not family)`,
      ),
      retryPrompt: MessageFactory.suggestedActions(
        ['Spouse', 'Partner', 'Child', 'Other'],
        'Please pick spouse, partner, child or other.',
      ),
    });
  }

  private async confirm(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const change = (step.values as StepValues).change;
    if (change.action === 'add') {
      change.relationship = relationships[String(step.result).trim().toLowerCase()] ?? 'other';
    }
    const what =
      change.action === 'add'
        ? `add ${change.name} (${change.relationship}) to ${change.policyNumber}`
        : `remove ${change.name} from ${change.policyNumber}`;
    return step.prompt(confirmPromptId, {
      prompt: MessageFactory.suggestedActions(
        ['Yes', 'No'],
        `I'll ask our team to ${what}; an officer approves changes to dependents. Shall I go ahead?`,
      ),
      retryPrompt: MessageFactory.suggestedActions(['Yes', 'No'], 'Please say yes or no.'),
    });
  }

  private async askDateOfBirth(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const change = (step.values as StepValues).change;
    if (!yesOrNo(String(step.result))) {
      await step.context.sendActivity(
        menu('All right, nothing was sent. Is there anything else I can help with?'),
      );
      return step.endDialog();
    }
    if (change.action === 'remove') return step.next(undefined);
    // Asked last and read straight into the request, so the date of birth never rests in dialog state.
    return step.prompt(dateOfBirthPromptId, {
      prompt: asSensitivePrompt(
        MessageFactory.text(`What is ${change.name}'s date of birth? (for example 2012-05-30)`),
      ),
      retryPrompt: asSensitivePrompt(
        MessageFactory.text('Please give the date of birth, for example 2012-05-30 or May 30, 2012.'),
      ),
    });
  }

  private async file(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const change = (step.values as StepValues).change;
    const customer = await this.deps.session.customer(step.context);
    if (!customer) return step.endDialog();
    const dateOfBirth = change.action === 'add' ? dayOf(String(step.result)) : undefined;
    try {
      const request = await this.deps.services.requests.requestDependentChange(
        {
          customerId: customer.customerId,
          policyNumber: change.policyNumber!,
          action: change.action!,
          name: change.name!,
          ...(change.relationship ? { relationship: change.relationship } : {}),
          ...(dateOfBirth ? { dateOfBirth } : {}),
        },
        { type: 'customer', id: customer.customerId, channel: channelSourceOf(step.context) },
      );
      await step.context.sendActivity(
        menu(`${filedRequestText(request)}\n\nIs there anything else I can help with?`),
      );
      return step.endDialog(request);
    } catch (error) {
      // Refusals by rule carry a reason written for the customer (never their data).
      if (
        isDomainError(error, 'validation') ||
        isDomainError(error, 'conflict') ||
        isDomainError(error, 'not_found')
      ) {
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.person, menuItems.policies],
            `I can't send that request: ${sentence(error.message)} A person from our team can help if you think this is wrong.`,
          ),
        );
        return step.endDialog();
      }
      throw error;
    }
  }

  private async validateName(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const text = (prompt.recognized.value ?? '').trim();
    const { names } = prompt.options.validations as { names?: string[] };
    if (names) {
      const found = names.find((name) => name.toLowerCase() === text.toLowerCase());
      if (found) prompt.recognized.value = found;
      return found !== undefined;
    }
    return /^[\p{L}][\p{L}' .-]{1,119}$/u.test(text) && text.includes(' ');
  }

  private async validateRelationship(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return (prompt.recognized.value ?? '').trim().toLowerCase() in relationships;
  }

  private async validateDateOfBirth(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return dayOf(prompt.recognized.value ?? '') !== undefined;
  }

  private async validateYesNo(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return yesOrNo(prompt.recognized.value ?? '') !== undefined;
  }
}

/** A refusal's message as a sentence for the customer. */
function sentence(message: string): string {
  const text = message.replace(/^invalid input: [^:]+: /, '');
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A date of birth written unambiguously (2012-05-30, May 30, 2012); 05/06/2012 is asked again. */
function dayOf(text: string): string | undefined {
  const answer = dateOf(text, new Date());
  return answer && 'date' in answer ? answer.date : undefined;
}
