import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CardFactory, MessageFactory } from 'botbuilder';
import {
  maxMessageLength,
  maxMessagesPerTurn,
  moreHint,
  planMessages,
  renderActivity,
  splitMessages,
} from '../../../src/channels/sms/render.js';
import { keywordOf, optInKeywords, optOutKeywords } from '../../../src/channels/sms/consent-keywords.js';

describe('SMS rendering', () => {
  test('suggested actions become a numbered list whose numbers mean the choices', () => {
    const reply = renderActivity(
      MessageFactory.suggestedActions(['Show my policies', 'Talk to a person'], 'Pick one.'),
    );
    assert.deepEqual(reply?.choices, [
      { title: 'Show my policies', value: 'Show my policies' },
      { title: 'Talk to a person', value: 'Talk to a person' },
    ]);
    const { now } = planMessages([reply!.text], reply!.choices);
    assert.deepEqual(now, ['Pick one.\nReply 1 for Show my policies, 2 for Talk to a person.']);
  });

  test('a hero card becomes its text, its buttons choices and its links plain URLs', () => {
    const card = CardFactory.heroCard('Claim CLM-000123', 'Your claim was approved.', undefined, [
      { type: 'imBack', title: 'See claim', value: 'status of CLM-000123' },
      { type: 'openUrl', title: 'Policy document', value: 'https://example.com/files/1?sig=x' },
    ]);
    const reply = renderActivity(MessageFactory.attachment(card));
    assert.equal(
      reply?.text,
      'Claim CLM-000123\nYour claim was approved.\nPolicy document: https://example.com/files/1?sig=x',
    );
    assert.deepEqual(reply?.choices, [{ title: 'See claim', value: 'status of CLM-000123' }]);
  });

  test('an Adaptive Card becomes its fallback text, said once when the message repeats it', () => {
    const card = CardFactory.adaptiveCard({
      type: 'AdaptiveCard',
      version: '1.5',
      fallbackText: 'Auto Standard AUT-100200, active.',
      body: [{ type: 'TextBlock', text: 'Auto Standard' }],
      actions: [{ type: 'Action.Submit', title: 'Claim status', data: 'claim status' }],
    });
    const reply = renderActivity({
      ...MessageFactory.attachment(card),
      text: 'Auto Standard AUT-100200, active.',
    });
    assert.equal(reply?.text, 'Auto Standard AUT-100200, active.');
    assert.deepEqual(reply?.choices, [{ title: 'Claim status', value: 'claim status' }]);
  });

  test('a message text that holds the card fallback (or is held by it) is said once, the longer', () => {
    const card = CardFactory.adaptiveCard({
      type: 'AdaptiveCard',
      version: '1.5',
      fallbackText: 'Auto Standard AUT-100200, active.',
      body: [{ type: 'TextBlock', text: 'Auto Standard' }],
    });
    const longer = 'Auto Standard AUT-100200, active.\nTo file a claim, say "File a claim on AUT-100200".';
    assert.equal(renderActivity({ ...MessageFactory.attachment(card), text: longer })?.text, longer);
    assert.equal(
      renderActivity({ ...MessageFactory.attachment(card), text: 'Auto Standard' })?.text,
      'Auto Standard AUT-100200, active.',
    );
  });

  test('an Adaptive Card without a fallback is read out: text blocks and facts', () => {
    const card = CardFactory.adaptiveCard({
      type: 'AdaptiveCard',
      body: [
        { type: 'TextBlock', text: 'Home Plus' },
        { type: 'FactSet', facts: [{ title: 'Deductible', value: '$500' }] },
      ],
    });
    assert.equal(renderActivity(MessageFactory.attachment(card))?.text, 'Home Plus\nDeductible: $500');
  });

  test('typing and events are not sent to a phone', () => {
    assert.equal(renderActivity({ type: 'typing' }), undefined);
    assert.equal(renderActivity({ type: 'event', name: 'x' }), undefined);
  });

  test('long replies split at sentence ends into messages under 320 characters', () => {
    const sentence = 'This sentence is about deductibles and what they mean for your claim. ';
    const messages = splitMessages(sentence.repeat(10).trim());
    assert.ok(messages.length > 1);
    for (const message of messages) {
      assert.ok(message.length <= maxMessageLength, `${message.length} characters`);
      assert.match(message, /claim\.$/, 'each message ends at a sentence end');
    }
    assert.equal(messages.join(' '), sentence.repeat(10).trim());
  });

  test('a word longer than a message is cut, nothing is lost', () => {
    const long = 'x'.repeat(700);
    const messages = splitMessages(long);
    assert.equal(messages.join(''), long);
    assert.ok(messages.every((message) => message.length <= maxMessageLength));
  });

  test('more than four messages: four now, the last saying Reply MORE, the rest kept', () => {
    const text = Array.from(
      { length: 12 },
      (_, i) => `Paragraph ${i + 1} ${'word '.repeat(25).trim()}.`,
    ).join('\n');
    const { now, more } = planMessages([text], [{ title: 'Talk to a person', value: 'Talk to a person' }]);
    assert.equal(now.length, maxMessagesPerTurn);
    assert.ok(now[now.length - 1]!.endsWith(moreHint));
    assert.ok(more.length > 0);
    assert.match(more[more.length - 1]!, /Reply 1 for Talk to a person\.$/);
    assert.ok([...now, ...more].every((message) => message.length <= maxMessageLength));
  });

  test('consent keywords are recognised whatever the case and punctuation', () => {
    for (const word of optOutKeywords)
      assert.deepEqual(keywordOf(` ${word.toLowerCase()}! `), { kind: 'opt_out', word });
    for (const word of optInKeywords) assert.deepEqual(keywordOf(word), { kind: 'opt_in', word });
    assert.equal(keywordOf('help')?.kind, 'help');
    assert.equal(keywordOf('INFO')?.kind, 'help');
    assert.equal(keywordOf('please stop sending'), undefined);
  });
});
