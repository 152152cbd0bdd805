/**
 * The sandbox's phone: pick a number (a demo customer's or any other), text the bot, attach a photo,
 * and watch replies and later notifications arrive. The page only talks to the sandbox's own routes;
 * signing the webhooks is done by the server with the sandbox's auth token.
 */

/** Scripts from this server only; the page needs nothing else. */
export const sandboxPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const phonePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>InsuraLink SMS sandbox</title>
<style>
  body { font-family: system-ui, sans-serif; background: #e8ecf1; margin: 0; display: flex; justify-content: center; }
  .phone { width: 360px; height: 700px; margin: 24px; background: #fff; border: 12px solid #1d2733; border-radius: 36px;
    display: flex; flex-direction: column; overflow: hidden; }
  header { padding: 12px; background: #f4f6f8; border-bottom: 1px solid #dde3ea; font-size: 14px; }
  header label { display: block; margin-bottom: 6px; }
  header select, header input { width: 100%; box-sizing: border-box; padding: 6px; font-size: 14px; }
  #thread { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
  .bubble { max-width: 80%; padding: 8px 12px; border-radius: 16px; white-space: pre-wrap; word-wrap: break-word; font-size: 14px; }
  .inbound { align-self: flex-end; background: #0b6bcb; color: #fff; }
  .outbound { align-self: flex-start; background: #e5e9ee; color: #111; }
  .meta { font-size: 11px; opacity: .7; margin-top: 4px; }
  form { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #dde3ea; align-items: center; }
  #text { flex: 1; padding: 8px; border-radius: 16px; border: 1px solid #c5ced8; font-size: 14px; }
  #photo { width: 90px; font-size: 11px; }
  button { padding: 8px 12px; border-radius: 16px; border: none; background: #0b6bcb; color: #fff; }
  #error { color: #b00020; font-size: 12px; padding: 0 12px; min-height: 16px; }
</style>
</head>
<body>
<main class="phone" aria-label="Phone">
  <header>
    <label>Demo customer <select id="number" aria-label="Demo customer"></select></label>
    <label>or any number <input id="custom" aria-label="Phone number" placeholder="+15555550199"></label>
    <div>Texting InsuraLink at <span id="ours"></span></div>
  </header>
  <section id="thread" aria-live="polite" aria-label="Messages"></section>
  <div id="error" role="alert"></div>
  <form id="compose">
    <input id="text" aria-label="Message" autocomplete="off" placeholder="Text message">
    <input id="photo" type="file" accept="image/*,application/pdf" aria-label="Attach a photo">
    <button type="submit">Send</button>
  </form>
</main>
<script src="/sandbox/sms/phone.js"></script>
</body>
</html>
`;

export const phoneScript = `'use strict';
(() => {
  const number = document.getElementById('number');
  const custom = document.getElementById('custom');
  const thread = document.getElementById('thread');
  const error = document.getElementById('error');
  const text = document.getElementById('text');
  const photo = document.getElementById('photo');
  let shown = '';

  const phone = () => custom.value.trim() || number.value;

  async function load() {
    const response = await fetch('/sandbox/sms/numbers');
    const data = await response.json();
    document.getElementById('ours').textContent = data.ours;
    for (const entry of data.numbers) {
      const option = document.createElement('option');
      option.value = entry.phone;
      option.textContent = entry.label + ' (' + entry.phone + ')';
      number.append(option);
    }
    refresh();
    setInterval(refresh, 1000);
  }

  async function refresh() {
    const current = phone();
    if (!current) return;
    const response = await fetch('/sandbox/sms/messages?phone=' + encodeURIComponent(current));
    if (!response.ok) return;
    const { messages } = await response.json();
    const key = current + JSON.stringify(messages);
    if (key === shown) return;
    shown = key;
    thread.replaceChildren(...messages.map((message) => {
      const bubble = document.createElement('div');
      bubble.className = 'bubble ' + message.direction;
      bubble.dataset.direction = message.direction;
      bubble.textContent = message.body + (message.media.length ? (message.body ? '\\n' : '') + '[' + message.media.join(', ') + ']' : '');
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = message.direction === 'outbound' ? message.status : 'sent';
      bubble.append(meta);
      return bubble;
    }));
    thread.scrollTop = thread.scrollHeight;
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(',')[1]);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  document.getElementById('compose').addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const media = [];
    for (const file of photo.files) media.push({ contentType: file.type || 'application/octet-stream', data: await readFile(file) });
    if (!text.value.trim() && media.length === 0) return;
    const response = await fetch('/sandbox/sms/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: phone(), body: text.value, media }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      error.textContent = (body.error && body.error.message) || 'The message was not sent.';
      return;
    }
    text.value = '';
    photo.value = '';
    refresh();
  });
  number.addEventListener('change', refresh);
  custom.addEventListener('change', refresh);
  load();
})();
`;
