/**
 * `/insuralink`: `claim CLM-…` posts (or refreshes) a claim's card, `reply CLM-… text` sends the text
 * to the customer (everything else written in a card's thread stays among officers), `queue` lists the
 * claims waiting, `assign CLM-…` takes a claim, `request BEN-…` posts a service request's card, `help`
 * says all this.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { formatMoney } from '../../blocks/text.js';
import { actorOf, officerOf, work, type SlackDeps } from '../../context.js';

export const helpText = [
  '*/insuralink* commands:',
  '• `claim CLM-000123`: post or refresh the claim’s card here',
  '• `reply CLM-000123 your message`: send a message to the customer (or reply in the card’s thread starting with `!reply`; other thread replies stay internal)',
  '• `assign CLM-000123`: take the claim; `assign CLM-000123 @officer` gives it to them (supervisors)',
  '• `request BEN-000042`: post or refresh a service request’s card (BEN, DEP, RNW or UPG)',
  '• `queue`: the claims waiting for you',
  '• `help`: this list',
].join('\n');

const claimNumber = /^CLM-\d{6}$/i;
const requestNumber = /^(?:BEN|DEP|RNW|UPG)-\d{6}$/i;

export function insuralinkCommand(deps: SlackDeps) {
  return async function insuralinkCommand({
    ack,
    command,
    context,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
    await ack();
    const officer = officerOf(context);
    const [verb = 'help', number = '', ...rest] = command.text.trim().split(/\s+/);
    await work(deps, { channel: command.channel_id, user: officer.slackUserId }, async () => {
      const actor = actorOf(officer);
      if (verb.toLowerCase() === 'request') {
        if (!requestNumber.test(number))
          return 'Give a request number, e.g. `/insuralink request BEN-000042`';
        await deps.requests.showCard({ number, actor });
        return `The card of ${number.toUpperCase()} is on its way to the approvals channel.`;
      }
      const needsNumber = ['claim', 'reply', 'assign'].includes(verb.toLowerCase());
      if (needsNumber && !claimNumber.test(number))
        return `Give a claim number, e.g. \`/insuralink ${verb} CLM-000123\``;
      switch (verb.toLowerCase()) {
        case 'claim':
          await deps.approvals.showCard({ claimNumber: number, actor });
          return `The card of ${number.toUpperCase()} is on its way to the approvals channel.`;
        case 'reply': {
          const text = rest.join(' ');
          if (!text) return 'Write the message after the claim number.';
          await deps.approvals.reply({ claimNumber: number, actor, text });
          return `Sent to the customer of ${number.toUpperCase()}.`;
        }
        case 'assign': {
          // Slack sends a mention as <@U123> or <@U123|name>.
          const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(rest[0] ?? '');
          if (rest.length > 0 && !mention) return 'Name the officer with an @mention, e.g. `@Avery Chen`.';
          if (mention?.[1]) {
            const claim = await deps.approvals.assignTo({ claimNumber: number, actor, assignee: mention[1] });
            return `${claim.number} is assigned to ${claim.assignee?.name ?? 'them'}.`;
          }
          const card = await deps.approvals.card(number);
          await deps.approvals.assignToMe({ claimNumber: number, actor, shownState: card.state });
          return `${number.toUpperCase()} is yours.`;
        }
        case 'queue': {
          const queue = await deps.approvals.queue(officer.slackUserId);
          if (!queue.length) return 'Nothing waiting for you.';
          return queue
            .map(
              (item) =>
                `• *${item.number}* ${item.type.replace(/_/g, ' ')}, ${formatMoney(item.amountClaimed, item.currency)} (${item.status === 'in_review' ? 'in review' : 'waiting for the customer'})`,
            )
            .join('\n');
        }
        default:
          return helpText;
      }
    });
  };
}
