import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Activity } from 'botbuilder';
import type { AdaptiveCard } from '../../src/bot/cards.js';
import { demoCustomer } from '../../src/db/seed.js';
import {
  fileBaseUrl,
  startHarness,
  suggestionsOf,
  textOf,
  verifyAsJordan,
  type Conversation,
  type Harness,
} from './harness.js';

const notOnAccount = "I couldn't find a policy with that number on your account.";

describe('PolicyLookupDialog', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  async function verifiedAsJordan(
    channelId?: string,
  ): Promise<{ chat: Conversation; list: Partial<Activity>[] }> {
    const chat = harness.conversation(channelId ? { channelId } : {});
    const list = await verifyAsJordan(chat);
    assert.match(textOf(list), /you're verified/);
    return { chat, list };
  }

  function cardOf(replies: Partial<Activity>[]): AdaptiveCard {
    const attachment = replies.flatMap((reply) => reply.attachments ?? [])[0];
    assert.equal(attachment?.contentType, 'application/vnd.microsoft.card.adaptive');
    return attachment.content as AdaptiveCard;
  }

  it("lists the customer's policies grouped by insurer, each under its insurer", async () => {
    const { list } = await verifiedAsJordan();
    const text = list.at(-1)?.text ?? '';
    assert.match(
      text,
      /Contoso Insurance\n- HOM-300400: [^\n]+\n\nFabrikam Health\n- HLT-500600: [^\n]+\n\nNorthwind Mutual\n- AUT-100200: /,
    );
    assert.deepEqual(suggestionsOf(list).sort(), ['AUT-100200', 'HLT-500600', 'HOM-300400']);
  });

  it("shows one policy's details as an Adaptive Card 1.5 with the same details as text", async () => {
    const { chat } = await verifiedAsJordan();
    const replies = await chat.say('HLT-500600');
    const policy = await harness.domain.policies.getByNumber('HLT-500600');
    const card = cardOf(replies);
    assert.equal(card.type, 'AdaptiveCard');
    assert.equal(card.version, '1.5');
    const cardJson = JSON.stringify(card);
    const text = textOf(replies);
    for (const shown of [cardJson, text]) {
      assert.match(shown, /HLT-500600/);
      assert.match(shown, /Fabrikam Health/);
      assert.match(shown, /Active/);
      assert.match(shown, /Premium/);
      assert.match(shown, /Next due/);
      for (const coverage of policy.coverages) assert.ok(shown.includes(coverage.name), coverage.name);
      for (const dependent of policy.dependents) assert.ok(shown.includes(dependent.name), dependent.name);
      assert.ok(policy.dependents.length > 0);
      assert.match(shown, /[Dd]eductible \$/);
    }
    // Documents are signed links to our own file route that expire.
    const links = (card.actions ?? []).flatMap((action) =>
      action.type === 'Action.OpenUrl' ? [action] : [],
    );
    assert.equal(links.length, policy.documents.length);
    // The last button starts a claim on this policy, by the words a customer could type.
    assert.deepEqual(card.actions?.at(-1), {
      type: 'Action.Submit',
      title: 'File a claim on this policy',
      data: 'File a claim on HLT-500600',
    });
    assert.ok(links.length > 0);
    for (const link of links) {
      const url = new URL(link.url);
      assert.equal(url.origin, fileBaseUrl);
      assert.match(url.pathname, /^\/files\/[0-9a-f]{24}$/);
      const expires = Number(url.searchParams.get('expires'));
      assert.ok(expires * 1000 > Date.now() && expires * 1000 <= Date.now() + 16 * 60 * 1000);
      assert.ok(url.searchParams.get('signature'));
      assert.ok(text.includes(link.url));
    }
    // The card carries the text too, for clients that cannot render it.
    assert.equal(card.fallbackText, text);
  });

  it('keeps the text short on channels that render the card', async () => {
    const { chat } = await verifiedAsJordan('directline');
    const replies = await chat.say('AUT-100200');
    assert.equal(textOf(replies), 'Here are the details of AUT-100200.');
    assert.match(cardOf(replies).fallbackText ?? '', /Coverages:/);
  });

  it("refuses another customer's policy exactly as a number that does not exist, leaking nothing", async () => {
    const other = await harness.db.models.policies
      .findOne({ number: { $nin: Object.values(demoCustomer.policies) } })
      .lean();
    assert.ok(other);
    const holder = await harness.domain.customers.getProfile(other.holder.toString());
    const { chat } = await verifiedAsJordan();

    const foreign = await chat.say(`show me policy ${other.number}`);
    const missing = await chat.say('show me policy XYZ-999999');
    assert.equal(textOf(foreign), notOnAccount + ' These are the policies I can show you.');
    assert.equal(textOf(foreign), textOf(missing));
    assert.deepEqual(suggestionsOf(foreign), suggestionsOf(missing));
    const everything = JSON.stringify(foreign);
    assert.ok(!everything.includes(holder.firstName) && !everything.includes(holder.lastName));
    assert.equal(foreign.flatMap((reply) => reply.attachments ?? []).length, 0);
    assert.ok(!suggestionsOf(foreign).includes(other.number));
  });

  it('verifies first when asked for a policy by number, then shows that policy', async () => {
    const chat = harness.conversation();
    // The number is taken as the identifier: only the date of birth is asked for.
    assert.match(textOf(await chat.say('show me my policy HOM-300400')), /what is your date of birth/);
    const replies = await chat.say('1988-04-12');
    assert.match(textOf(replies), /you're verified/);
    assert.match(
      cardOf(replies)
        .body.map((element) => JSON.stringify(element))
        .join(),
      /HOM-300400/,
    );
  });

  it('cancels the identity check started by a lookup and returns to the menu', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    const replies = await chat.say('cancel');
    assert.match(textOf(replies), /start over/);
    assert.equal(suggestionsOf(replies)[0], 'Show my policies');
  });
});
