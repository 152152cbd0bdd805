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

  for (const [choice, number] of [
    ['the home one', 'HOM-300400'],
    ['the Northwind one', 'AUT-100200'],
    ['the one ending 0600', 'HLT-500600'],
    ['the second', 'HLT-500600'],
    ['Home Plus', 'HOM-300400'],
    ['AUT 100200', 'AUT-100200'],
  ] as const) {
    it(`takes a policy named by what it is at the choice: ${choice}`, async () => {
      const { chat } = await verifiedAsJordan();
      const replies = await chat.say(choice);
      assert.match(JSON.stringify(cardOf(replies).body), new RegExp(number));
    });
  }

  it('handles a reply that names no policy, or asks for something else, as a new request', async () => {
    const { chat } = await verifiedAsJordan();
    assert.match(textOf(await chat.say('File a claim on AUT-100200')), /What happened to the car/);
    await chat.say('cancel');
    await chat.say('show my policies');
    assert.match(textOf(await chat.say('what is a deductible')), /A deductible is/);
  });

  it("answers what the customer's own policy covers from the policy: coverages, limits and deductibles", async () => {
    const { chat } = await verifiedAsJordan();
    const replies = await chat.say('what does my auto policy cover?');
    const text = textOf(replies);
    const policy = await harness.domain.policies.getByNumber('AUT-100200');
    assert.match(text, /Your Auto Standard policy AUT-100200 with Northwind Mutual covers:/);
    assert.ok(policy.coverages.length > 0);
    for (const coverage of policy.coverages) {
      assert.ok(
        text.includes(
          `- ${coverage.name}: limit $${coverage.limit.toLocaleString('en-US')}, deductible $${coverage.deductible.toLocaleString('en-US')}`,
        ),
        coverage.name,
      );
    }
  });

  it('asks which policy when the question fits several, then answers for the one named', async () => {
    const { chat } = await verifiedAsJordan();
    const question = await chat.say('what are my deductibles?');
    assert.match(textOf(question), /Which policy's coverages would you like to see/);
    assert.deepEqual(suggestionsOf(question).sort(), ['AUT-100200', 'HLT-500600', 'HOM-300400']);
    assert.match(
      textOf(await chat.say('the home one')),
      /Your Home Plus policy HOM-300400 .* covers:\n\n- Dwelling: limit/,
    );
  });

  it('asks a customer who is not verified to verify before answering about their policy', async () => {
    const chat = harness.conversation();
    assert.match(textOf(await chat.say('what does my home policy cover')), /confirm who you are/);
    await chat.say(demoCustomer.phone);
    assert.match(
      textOf(await chat.say(demoCustomer.dateOfBirth)),
      /you're verified[\s\S]*HOM-300400 .* covers:/,
    );
  });

  it("shows the customer's documents as signed links, and verifies first when needed", async () => {
    const chat = harness.conversation();
    assert.match(textOf(await chat.say('documents')), /confirm who you are/);
    await chat.say(demoCustomer.policies.auto);
    const replies = await chat.say(demoCustomer.dateOfBirth);
    const text = textOf(replies);
    assert.match(text, /Your documents \(links valid for 15 minutes\)/);
    for (const number of Object.values(demoCustomer.policies)) {
      const policy = await harness.domain.policies.getByNumber(number);
      assert.ok(policy.documents.length > 0);
      assert.match(
        text,
        new RegExp(`${policy.typeName} ${number}:\\n- Declarations page: ${fileBaseUrl}/files/`),
      );
    }
    const card = cardOf(replies);
    assert.equal(card.actions?.length, 3);
    for (const action of card.actions ?? []) {
      assert.equal(action.type, 'Action.OpenUrl');
      if (action.type === 'Action.OpenUrl') assert.ok(new URL(action.url).searchParams.get('signature'));
    }
    assert.doesNotMatch(textOf(await chat.say('show my documents')), /Here are your policies/);
  });
});
