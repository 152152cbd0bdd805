/**
 * What the bot shows about policies: Adaptive Cards (schema 1.5) for channels that render them, and the
 * same content as plain text for those that do not (SMS).
 */
import type { InsurerPolicies, PolicyDetails } from '../domain/policies.js';

/** The Adaptive Card schema version the bot emits. */
const adaptiveCardVersion = '1.5';

type Spacing = 'None' | 'Small' | 'Default' | 'Medium' | 'Large';

/** A block of text (Adaptive Cards 1.5). */
export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
  weight?: 'Lighter' | 'Default' | 'Bolder';
  color?: 'Default' | 'Dark' | 'Light' | 'Accent' | 'Good' | 'Warning' | 'Attention';
  isSubtle?: boolean;
  spacing?: Spacing;
  separator?: boolean;
}

/** Label and value pairs (Adaptive Cards 1.5). */
export interface FactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
  spacing?: Spacing;
}

/** Opens a link (Adaptive Cards 1.5). */
export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

/**
 * Sends `data` back as the customer's message, as if typed (Adaptive Cards 1.5; a string `data` is
 * posted as text), so a button and a typed answer take the same path through the dialogs.
 */
export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: string;
}

export type CardElement = TextBlock | FactSet;

/** The Adaptive Card subset the bot uses. */
export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: typeof adaptiveCardVersion;
  body: CardElement[];
  actions?: (OpenUrlAction | SubmitAction)[];
  /** Shown by clients that cannot render the card. */
  fallbackText?: string;
}

/** A policy document as a link the customer can open, valid for a limited time. */
export interface DocumentLink {
  title: string;
  url: string;
}

/** A policy shown two ways: a card and the same content as plain text. */
export interface PolicyView {
  card: AdaptiveCard;
  text: string;
}

/** What a customer types (or a card button sends) to file a claim on one policy. */
export function fileClaimOnPolicyText(policyNumber: string): string {
  return `File a claim on ${policyNumber}`;
}

/** Renders one policy's details; `linkMinutes` is how long the document links stay valid. */
export function policyDetailsView(
  policy: PolicyDetails,
  documents: DocumentLink[],
  linkMinutes: number,
): PolicyView {
  const summary: FactSet['facts'] = [
    { title: 'Status', value: capitalize(policy.status) },
    { title: 'Premium', value: premiumLabel(policy) },
    ...(policy.nextDueDate ? [{ title: 'Next due', value: formatDate(policy.nextDueDate) }] : []),
    { title: 'Term', value: `${formatDate(policy.startDate)} to ${formatDate(policy.endDate)}` },
    ...(policy.insurer.claimsPhone ? [{ title: 'Claims line', value: policy.insurer.claimsPhone }] : []),
  ];
  const coverages = policy.coverages.map((coverage) => ({
    title: coverage.name,
    value: `Limit ${money(coverage.limit, policy.premium.currency)}, deductible ${money(coverage.deductible, policy.premium.currency)}`,
  }));
  const dependents = policy.dependents.map((dependent) => ({
    title: dependent.name,
    value: capitalize(dependent.relationship),
  }));
  const heading = `${policy.typeName}: ${policy.number}`;

  // Blank lines between sections keep a list from running into the next title, in markdown and on SMS.
  const text = [
    [
      heading,
      `Insurer: ${policy.insurer.name}`,
      ...summary.map((fact) => `${fact.title}: ${fact.value}`),
    ].join('\n'),
    section(
      'Coverages',
      coverages.map((fact) => `${fact.title}: ${fact.value.charAt(0).toLowerCase()}${fact.value.slice(1)}`),
    ),
    section(
      'Dependents',
      dependents.map((fact) => `${fact.title} (${fact.value.toLowerCase()})`),
    ),
    section(
      `Documents (links valid for ${linkMinutes} minutes)`,
      documents.map((document) => `${document.title}: ${document.url}`),
    ),
    policy.status === 'active'
      ? `To file a claim on this policy, say "${fileClaimOnPolicyText(policy.number)}".`
      : '',
  ]
    .filter((block) => block !== '')
    .join('\n\n');

  const body: CardElement[] = [
    { type: 'TextBlock', text: heading, size: 'Medium', weight: 'Bolder', wrap: true },
    { type: 'TextBlock', text: policy.insurer.name, isSubtle: true, spacing: 'None', wrap: true },
    { type: 'FactSet', facts: summary },
  ];
  if (coverages.length > 0) body.push(sectionTitle('Coverages'), { type: 'FactSet', facts: coverages });
  if (dependents.length > 0) body.push(sectionTitle('Dependents'), { type: 'FactSet', facts: dependents });
  if (documents.length > 0) {
    body.push(sectionTitle('Documents'), {
      type: 'TextBlock',
      text: `Document links are valid for ${linkMinutes} minutes.`,
      isSubtle: true,
      size: 'Small',
      spacing: 'None',
      wrap: true,
    });
  }

  // Claims are filed on policies in force; the button is the same words a customer could type.
  const actions: (OpenUrlAction | SubmitAction)[] = [
    ...documents.map((document) => ({
      type: 'Action.OpenUrl' as const,
      title: document.title,
      url: document.url,
    })),
    ...(policy.status === 'active'
      ? [
          {
            type: 'Action.Submit' as const,
            title: 'File a claim on this policy',
            data: fileClaimOnPolicyText(policy.number),
          },
        ]
      : []),
  ];
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: adaptiveCardVersion,
    body,
    ...(actions.length > 0 ? { actions } : {}),
    fallbackText: text,
  };
  return { card, text };
}

/**
 * What one policy covers, from the policy itself: each coverage with its limit and deductible, as text
 * (short enough for any channel).
 */
export function coveragesText(policy: PolicyDetails): string {
  const heading = `Your ${policy.typeName} policy ${policy.number} with ${policy.insurer.name}`;
  if (policy.coverages.length === 0) {
    return `${heading} lists no coverages. A person from our team can go through it with you.`;
  }
  return [
    `${heading} covers:`,
    policy.coverages
      .map(
        (coverage) =>
          `- ${coverage.name}: limit ${money(coverage.limit, policy.premium.currency)}, deductible ${money(coverage.deductible, policy.premium.currency)}`,
      )
      .join('\n'),
    `Say "${policy.number}" for the whole policy, or ask about a situation, such as "does my policy cover a rental car?".`,
  ].join('\n\n');
}

/**
 * The customer's policy documents, grouped by policy, as an Adaptive Card with a button per document and
 * the same as text; undefined when there are none. `linkMinutes` is how long the links stay valid.
 */
export function documentsView(
  documents: { policy: PolicyDetails; links: DocumentLink[] }[],
  linkMinutes: number,
): PolicyView | undefined {
  const withDocuments = documents.filter(({ links }) => links.length > 0);
  if (withDocuments.length === 0) return undefined;
  const heading = 'Your documents';
  const text = [
    `${heading} (links valid for ${linkMinutes} minutes):`,
    ...withDocuments.map(({ policy, links }) =>
      section(
        `${policy.typeName} ${policy.number}`,
        links.map((link) => `${link.title}: ${link.url}`),
      ),
    ),
    'Files you sent for a claim are kept with the claim: say "claim status" to see them.',
  ].join('\n\n');
  const body: CardElement[] = [
    { type: 'TextBlock', text: heading, size: 'Medium', weight: 'Bolder', wrap: true },
    {
      type: 'TextBlock',
      text: `Links are valid for ${linkMinutes} minutes.`,
      isSubtle: true,
      size: 'Small',
      spacing: 'None',
      wrap: true,
    },
    {
      type: 'FactSet',
      facts: withDocuments.map(({ policy, links }) => ({
        title: policy.number,
        value: `${policy.typeName}: ${links.map((link) => link.title).join(', ')}`,
      })),
    },
  ];
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: adaptiveCardVersion,
    body,
    actions: withDocuments.flatMap(({ policy, links }) =>
      links.map((link) => ({
        type: 'Action.OpenUrl' as const,
        title: `${policy.number}: ${link.title}`,
        url: link.url,
      })),
    ),
    fallbackText: text,
  };
  return { card, text };
}

/** What the customer is about to submit, as the review card shows it. */
export interface ClaimReview {
  policyNumber: string;
  typeName: string;
  facts: { title: string; value: string }[];
  /** One sentence on the coverage and what it would pay. */
  coverage: string;
  files: string[];
  missing: string[];
}

/** The words of the review's buttons; each is also what the customer may type. */
export const reviewChoices = { submit: 'Submit', change: 'Change' } as const;

/** The review before submitting: an Adaptive Card with Submit and Change, and the same as text. */
export function claimReviewView(review: ClaimReview): PolicyView {
  const heading = `Your claim on ${review.policyNumber}: ${review.typeName}`;
  const text = [
    [heading, ...review.facts.map((fact) => `${fact.title}: ${fact.value}`)].join('\n'),
    review.coverage,
    section('Files', review.files),
    section('Still needed', review.missing),
    `Say "${reviewChoices.submit}" to file it, or "${reviewChoices.change}" to correct something.`,
  ]
    .filter((block) => block !== '')
    .join('\n\n');
  const body: CardElement[] = [
    { type: 'TextBlock', text: heading, size: 'Medium', weight: 'Bolder', wrap: true },
    { type: 'FactSet', facts: review.facts },
    { type: 'TextBlock', text: review.coverage, wrap: true, spacing: 'Medium' },
  ];
  if (review.files.length > 0) {
    body.push(sectionTitle('Files'), { type: 'TextBlock', text: review.files.join(', '), wrap: true });
  }
  if (review.missing.length > 0) {
    body.push(sectionTitle('Still needed'), {
      type: 'TextBlock',
      text: review.missing.join(', '),
      color: 'Warning',
      wrap: true,
    });
  }
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: adaptiveCardVersion,
    body,
    actions: [
      { type: 'Action.Submit', title: reviewChoices.submit, data: reviewChoices.submit },
      { type: 'Action.Submit', title: reviewChoices.change, data: reviewChoices.change },
    ],
    fallbackText: text,
  };
  return { card, text };
}

/** The customer's policies grouped by insurer, as text (readable on every channel). */
export function policyListText(groups: InsurerPolicies[]): string {
  return groups
    .map((group) =>
      [
        group.insurer.name,
        ...group.policies.map((policy) => `- ${policy.number}: ${policy.typeName} (${policy.status})`),
      ].join('\n'),
    )
    .join('\n\n');
}

/** A titled list, or nothing when the list is empty. */
function section(title: string, items: string[]): string {
  return items.length === 0 ? '' : [`${title}:`, ...items.map((item) => `- ${item}`)].join('\n');
}

function sectionTitle(text: string): TextBlock {
  return { type: 'TextBlock', text, weight: 'Bolder', spacing: 'Medium', separator: true, wrap: true };
}

function premiumLabel(policy: PolicyDetails): string {
  return `${money(policy.premium.amount, policy.premium.currency)} ${policy.premium.frequency}`;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Formatters are costly to build and reused on every turn, so they are built once per currency. */
const moneyFormats = new Map<string, { whole: Intl.NumberFormat; cents: Intl.NumberFormat }>();
const dateFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'UTC',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
});

/** Amounts in the policy's currency, without cents when there are none. */
export function money(amount: number, currency: string): string {
  let formats = moneyFormats.get(currency);
  if (!formats) {
    const format = (digits: number) =>
      new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency,
        minimumFractionDigits: digits,
        maximumFractionDigits: 2,
      });
    formats = { whole: format(0), cents: format(2) };
    moneyFormats.set(currency, formats);
  }
  return (Number.isInteger(amount) ? formats.whole : formats.cents).format(amount);
}

/** Policy dates are calendar days stored at midnight UTC, so they are shown in UTC. */
export function formatDate(date: Date): string {
  return dateFormat.format(date);
}
