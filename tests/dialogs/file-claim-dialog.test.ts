import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Activity } from 'botbuilder';
import { photoWithExif } from '../../src/cli/bench/jpeg.js';
import {
  startHarness,
  suggestionsOf,
  textOf,
  verifyAsJordan,
  type Conversation,
  type Harness,
} from './harness.js';

describe('FileClaimDialog', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  async function verified(): Promise<Conversation> {
    const chat = harness.conversation();
    assert.match(textOf(await verifyAsJordan(chat)), /you're verified/);
    return chat;
  }

  async function photo(name: string, variant: number): Promise<Partial<Activity>> {
    const stored = await harness.files.save({
      name,
      data: photoWithExif({ capturedAt: new Date(), variant, make: 'Apple', model: 'iPhone 13' }),
    });
    return {
      type: 'message',
      attachments: [
        { contentType: stored.contentType, contentUrl: harness.files.signedUrl(stored.id), name },
      ],
    };
  }

  it('files an auto collision from a free-text account, with the coverage in plain terms', async () => {
    const chat = await verified();
    let replies = await chat.say('File a claim');
    assert.match(textOf(replies), /Which policy/);
    assert.deepEqual(suggestionsOf(replies).sort(), ['AUT-100200', 'HLT-500600', 'HOM-300400']);
    replies = await chat.say('AUT-100200');
    assert.match(textOf(replies), /What happened to the car/);
    assert.ok(suggestionsOf(replies).includes('Broken or cracked glass'));
    replies = await chat.say('someone hit my car in a parking lot');
    assert.match(textOf(replies), /collision with another vehicle or an object. Is that right/);
    replies = await chat.say('yes');
    assert.match(textOf(replies), /When did it happen/);
    replies = await chat.say('yesterday');
    assert.match(textOf(replies), /what time/);
    replies = await chat.say('around 3:30 pm');
    assert.match(textOf(replies), /Where did it happen/);
    replies = await chat.say('Congress Ave & 6th St, Austin');
    // The account given at the start is the description, so it is not asked again.
    assert.match(textOf(replies), /police/);
    replies = await chat.say('no');
    assert.match(textOf(replies), /anyone else involved/);
    replies = await chat.say('Sam Lee, Acme Insurance, plate ABC123');
    assert.match(textOf(replies), /anyone hurt/);
    replies = await chat.say('no');
    assert.match(textOf(replies), /how much is the repair/);
    replies = await chat.say('$2,400');
    assert.match(
      textOf(replies),
      /Your Collision coverage has a \$500 deductible, so on a \$2,400 repair you would receive up to \$1,900\./,
    );
    assert.match(textOf(replies), /Still needed: Photos of the damage/);
    replies = await chat.say(await photo('dent.jpg', 1));
    assert.match(textOf(replies), /1 file so far/);
    assert.doesNotMatch(textOf(replies), /Still needed/);
    replies = await chat.say('done');
    const card = replies.flatMap((reply) => reply.attachments ?? [])[0];
    assert.equal(card?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.match(textOf(replies), /Amount: \$2,400/);
    assert.deepEqual(suggestionsOf(replies), ['Submit', 'Change']);
    replies = await chat.say('Submit');
    const text = textOf(replies);
    const number = /claim (CLM-\d{6}) is filed/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, /claims officer will review it/);
    const jordan = await harness.domain.customers.findByPhone('+15555550123');
    const claim = await harness.domain.claims.getForCustomer(jordan!.id, number);
    assert.equal(claim.type, 'collision');
    assert.equal(claim.status, 'in_review');
    assert.equal(claim.details.incidentTime, '15:30');
    assert.equal(claim.attachments[0]?.checklistItem, 'photos');
    assert.equal(claim.attachments[0]?.evidence?.camera, 'Apple iPhone 13');
    assert.ok(claim.checklist.every((item) => item.satisfied));
  });
});
