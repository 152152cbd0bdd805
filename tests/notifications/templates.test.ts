/** Notices carrying files an officer sent: the links come whole, on a phone too. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxSmsLength, renderNotification } from '../../src/notifications/templates.js';

const request = '0123456789abcdef01234567';
const link = `https://insuralink.example/files/${'a'.repeat(24)}?expires=1893456000&signature=${'s'.repeat(43)}`;

describe('notices with files', () => {
  test('a long handoff message gives way to its link on a phone, never the other way round', () => {
    const text = 'Here is the estimate. '.repeat(30).trim();
    const rendered = renderNotification('handoff.message', {
      request,
      text,
      files: [{ name: 'estimate.pdf', url: link }],
    });
    assert.ok(rendered.sms.endsWith(`\nestimate.pdf: ${link}`));
    assert.ok(rendered.sms.length <= maxSmsLength);
    assert.match(rendered.sms, /^InsuraLink: Here is the estimate\..*…\n/s);
    assert.equal(rendered.chat.text, `${text}\nestimate.pdf: ${link}`);
  });

  test('files sent without words still say something', () => {
    const rendered = renderNotification('claim.message', {
      number: 'CLM-000123',
      text: '',
      files: [
        { name: 'letter.pdf', url: link },
        { name: 'photo.png', url: link },
      ],
    });
    assert.match(rendered.sms, /^InsuraLink: About your claim CLM-000123: Here are 2 files for you\.\n/);
    assert.match(rendered.sms, /\nletter\.pdf: https:.*\nphoto\.png: https:/s);
  });

  test('a message with neither words nor files, or a link that is not one, is refused', () => {
    assert.throws(() => renderNotification('handoff.message', { request, text: '' }));
    assert.throws(() =>
      renderNotification('claim.message', {
        number: 'CLM-000123',
        text: 'See attached',
        files: [{ name: 'x.pdf', url: 'javascript:alert(1)' }],
      }),
    );
  });
});
