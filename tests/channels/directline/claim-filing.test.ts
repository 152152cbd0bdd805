/**
 * End to end over the official Direct Line client and the whole demo app: a customer verifies, files a
 * collision claim with a photo sent through the upload endpoint, and reads the claim's status.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { photoWithExif } from '../../../src/cli/bench/jpeg.js';
import { demoCustomer } from '../../../src/db/seed.js';
import { startDemoApp, type RunningApp } from '../../support/app.js';
import { Client } from './harness.js';

describe('filing a claim over Direct Line', () => {
  let running: RunningApp;
  let client: Client;
  let photos: { url: string; close(): Promise<void> };
  const photo = photoWithExif({ capturedAt: new Date(), make: 'Apple', model: 'iPhone 13', variant: 77 });

  before(async () => {
    running = await startDemoApp();
    // Stands in for the browser's blob: URL of the picked photo, which the client reads and uploads.
    const server = createServer((_req, res) => {
      res.writeHead(200);
      res.end(photo);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    photos = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dent.jpg`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
    const response = await fetch(`${running.url}/api/chat/token`, { method: 'POST' });
    const { token } = (await response.json()) as { token: string };
    client = new Client(running.url, token, true);
    await client.online();
  });

  after(async () => {
    client.end();
    await photos.close();
    await running.stop();
  });

  /** Posts a message and waits for the bot's next message matching `expected`. */
  async function say(message: string | Parameters<Client['post']>[0], expected: RegExp): Promise<string> {
    const seen = new Set(client.received);
    await client.post(typeof message === 'string' ? { text: message } : message);
    const reply = await client
      .waitFor(
        (activity) =>
          !seen.has(activity) && activity.type === 'message' && expected.test(activity.text ?? ''),
      )
      .catch((error: unknown) => {
        const said = client.received
          .filter((activity) => !seen.has(activity))
          .map((activity) => activity.text);
        throw new Error(`${String(error)} for ${expected}; the bot said ${JSON.stringify(said)}`);
      });
    return reply.text ?? '';
  }

  test('verifies, files a collision with a photo, and reads its status', async () => {
    // Verified before anything is uploaded: uploads belong to conversations of verified customers.
    await say('file a claim', /confirm who you are/);
    await say(demoCustomer.policies.auto, /date of birth/);
    await say(demoCustomer.dateOfBirth, /Which policy/);
    await say(demoCustomer.policies.auto, /What happened to the car/);
    await say('another car rear-ended me at a red light', /collision .* Is that right/);
    await say('yes', /When did it happen/);
    await say('yesterday', /what time/);
    await say('5:45 pm', /Where did it happen/);
    await say('Lamar Blvd & 5th St, Austin', /police/);
    await say('yes', /report number/);
    await say('APD-26-118734', /anyone else involved/);
    await say('Alex Kim, Contoso Insurance, plate TX 4KD 221', /anyone hurt/);
    await say('no', /how much is the repair/);
    await say('2400', /Still needed: Photos of the damage/);
    await say(
      { attachments: [{ contentType: 'image/jpeg', contentUrl: photos.url, name: 'dent.jpg' }] },
      /1 file so far/,
    );
    await say('done', /Your claim on AUT-100200/);
    const filed = await say('Submit', /is filed/);
    const number = /(CLM-\d{6})/.exec(filed)?.[1];
    assert.ok(number, filed);

    const status = await say(`status of ${number}`, /Status:/);
    assert.match(
      status,
      new RegExp(`Claim ${number} on AUT-100200: collision, \\$2,400\\. Status: in review\\.`),
    );
    assert.doesNotMatch(status, /Documents still needed/);

    const claim = await running.app.domain.claims.getByNumber(number);
    assert.equal(claim.attachments.length, 1);
    assert.equal(claim.attachments[0]?.evidence?.camera, 'Apple iPhone 13');
    assert.equal(claim.details.policeReportNumber, 'APD-26-118734');
  });
});
