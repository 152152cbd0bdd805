/* global document, fetch, setInterval, btoa */
// The sandbox page: renders the stand-in's channels with Block Kit, and sends what the officer does to
// the server, which signs it as Slack would and posts it to the app.
'use strict';

const state = { channel: 'C0APPROVALS', user: '', data: null, viewKey: '', errors: {} };
const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
}

// mrkdwn: links, bold, italics, line breaks; everything else as text.
function mrkdwn(text) {
  const span = el('span');
  // Dates first: their fallback also sits after a `|`, like a link's label.
  const pattern =
    /<!date\^\d+\^[^|]*\|([^>]+)>|<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|<([^|>]+)\|([^>]+)>|\*([^*\n]+)\*|_([^_\n]+)_|\n/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    span.append(unescape(text.slice(last, match.index)));
    if (match[1]) span.append(unescape(match[1]));
    else if (match[2]) span.append(el('b', { className: 'mention', textContent: `@${userName(match[2])}` }));
    else if (match[3])
      span.append(
        el('a', { href: match[3], textContent: unescape(match[4]), target: '_blank', rel: 'noopener' }),
      );
    else if (match[5]) span.append(el('b', { textContent: unescape(match[5]) }));
    else if (match[6]) span.append(el('i', { textContent: unescape(match[6]) }));
    else span.append(el('br'));
    last = match.index + match[0].length;
  }
  span.append(unescape(text.slice(last)));
  return span;
}

function userName(id) {
  const user = ((state.data && state.data.users) || []).find((entry) => entry.id === id);
  return user ? user.name : id;
}

function unescape(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function textOf(object) {
  if (!object) return el('span');
  return object.type === 'mrkdwn' ? mrkdwn(object.text) : el('span', { textContent: object.text });
}

function button(element, message) {
  const node = el('button', {
    type: 'button',
    textContent: element.text.text,
    className: element.style || '',
  });
  node.dataset.actionId = element.action_id;
  node.addEventListener('click', () =>
    act({
      type: 'button',
      channel: message.channel,
      messageTs: message.ts,
      actionId: element.action_id,
      blockId: message.blockId || '',
      value: element.value || '',
    }),
  );
  return node;
}

function renderBlocks(blocks, message) {
  return blocks.map((block) => {
    switch (block.type) {
      case 'header':
        return el('div', { className: 'block header' }, block.text.text);
      case 'section':
        return el(
          'div',
          { className: 'block section' },
          block.text ? el('div', {}, textOf(block.text)) : null,
          block.fields
            ? el(
                'div',
                { className: 'fields' },
                block.fields.map((field) => el('div', {}, textOf(field))),
              )
            : null,
          block.accessory && block.accessory.type === 'button' ? button(block.accessory, message) : null,
        );
      case 'context':
        return el(
          'div',
          { className: 'block context' },
          block.elements.map((item) =>
            item.type === 'image'
              ? el('a', { href: item.image_url, textContent: item.alt_text })
              : textOf(item),
          ),
        );
      case 'actions':
        return el(
          'div',
          { className: 'block actions' },
          block.elements
            .filter((item) => item.type === 'button')
            .map((item) => button(item, { ...message, blockId: block.block_id })),
        );
      case 'image':
        return el(
          'div',
          { className: 'block' },
          el('a', { href: block.image_url, textContent: `Image: ${block.alt_text}`, target: '_blank' }),
        );
      case 'divider':
        return el('hr');
      default:
        return el('div', { className: 'block context', textContent: `(${block.type} block)` });
    }
  });
}

function nameOf(id) {
  const user = (state.data.users || []).find((entry) => entry.id === id);
  return user ? user.name : id === 'U0INSURALINK' ? 'InsuraLink' : id;
}

function renderMessage(message, withThread) {
  const node = el(
    'div',
    { className: 'message' },
    el(
      'div',
      {},
      el('span', { className: 'author', textContent: nameOf(message.user) }),
      el('span', { className: 'ts', textContent: message.edited ? '(edited)' : '' }),
    ),
    message.blocks ? renderBlocks(message.blocks, message) : el('div', {}, mrkdwn(message.text)),
    (message.files || []).map((file) => el('div', { className: 'file', textContent: `📎 ${file.name}` })),
  );
  node.dataset.ts = message.ts;
  if (withThread) {
    const thread = el(
      'div',
      { className: 'thread' },
      message.replies.map((reply) => renderMessage(reply, false)),
    );
    const input = el('input', { placeholder: 'Reply in thread', name: 'reply' });
    // A file shared with the reply, as dragging one into a Slack thread does.
    const attach = el('input', { type: 'file', name: 'file', title: 'Attach a file' });
    const form = el('form', {}, input, attach, el('button', { type: 'submit', textContent: 'Reply' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const chosen = attach.files && attach.files[0];
      if (!input.value.trim() && !chosen) return;
      const text = input.value;
      input.value = '';
      attach.value = '';
      const file = chosen
        ? { name: chosen.name, mimetype: chosen.type || undefined, data: await base64Of(chosen) }
        : undefined;
      act({ type: 'reply', channel: message.channel, threadTs: message.ts, text, file });
    });
    thread.append(form);
    node.append(thread);
  }
  return node;
}

async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

function renderModal(view) {
  const root = $('modal-root');
  if (!view) {
    root.replaceChildren();
    state.viewKey = '';
    return;
  }
  const key = `${view.id}:${view.hash}`;
  if (key === state.viewKey) return;
  state.viewKey = key;
  state.errors = {};
  const form = el('form', { className: 'modal' }, el('h2', { textContent: view.title.text }));
  for (const block of view.blocks) {
    if (block.type !== 'input') {
      form.append(...renderBlocks([block], {}));
      continue;
    }
    const element = block.element;
    let input;
    if (element.type === 'static_select') {
      input = el(
        'select',
        { name: block.block_id },
        el('option', { value: '', textContent: element.placeholder ? element.placeholder.text : 'Choose' }),
        element.options.map((option) => el('option', { value: option.value, textContent: option.text.text })),
      );
    } else if (element.multiline) {
      input = el('textarea', { name: block.block_id, rows: 3, value: element.initial_value || '' });
    } else {
      input = el('input', { name: block.block_id, value: element.initial_value || '' });
    }
    form.append(
      el('label', { textContent: block.label.text + (block.optional ? ' (optional)' : '') }),
      input,
      el('div', { className: 'error', id: `error-${block.block_id}` }),
    );
  }
  const cancel = el('button', { type: 'button', textContent: view.close ? view.close.text : 'Cancel' });
  cancel.addEventListener('click', () => act({ type: 'close', viewId: view.id }));
  form.append(
    el(
      'footer',
      {},
      cancel,
      el('button', {
        type: 'submit',
        className: 'primary',
        textContent: view.submit ? view.submit.text : 'Submit',
      }),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = {};
    for (const field of form.querySelectorAll('input, textarea, select')) values[field.name] = field.value;
    const result = await act({ type: 'submit', viewId: view.id, values });
    for (const node of form.querySelectorAll('.error')) node.textContent = '';
    for (const [block, message] of Object.entries((result && result.errors) || {})) {
      const node = form.querySelector(`#error-${block}`);
      if (node) node.textContent = message;
    }
  });
  root.replaceChildren(el('div', { className: 'backdrop' }, form));
}

function render() {
  const data = state.data;
  if (!data) return;
  const select = $('user');
  if (!select.options.length) {
    for (const user of data.users)
      select.append(el('option', { value: user.id, textContent: `${user.name} (${user.role})` }));
    state.user = select.value;
  }
  $('channels').replaceChildren(
    ...data.channels.map((channel) => {
      const node = el('button', {
        type: 'button',
        className: `channel${channel.id === state.channel ? ' active' : ''}`,
        textContent: `# ${channel.name}`,
      });
      node.addEventListener('click', () => {
        state.channel = channel.id;
        render();
      });
      return node;
    }),
  );
  const channel = data.channels.find((entry) => entry.id === state.channel) || data.channels[0];
  const ephemerals = data.ephemerals
    .filter((entry) => entry.channel === channel.id)
    .map((entry) =>
      el(
        'div',
        { className: 'ephemeral' },
        el('div', { className: 'context', textContent: 'Only visible to you' }),
        mrkdwn(entry.text),
      ),
    );
  const scroll = $('messages');
  const atBottom = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 40;
  // Not while someone types a thread reply; a pressed button keeps focus and must not stop updates.
  const active = document.activeElement;
  const typing = active && active.matches && active.matches('#messages input, #messages textarea');
  if (!typing) {
    scroll.replaceChildren(...channel.messages.map((message) => renderMessage(message, true)), ...ephemerals);
    if (atBottom) scroll.scrollTop = scroll.scrollHeight;
  }
  const home = $('home');
  home.hidden = !data.home;
  if (data.home) home.replaceChildren(...renderBlocks(data.home.blocks, {}));
  renderModal(data.view);
}

async function refresh() {
  const response = await fetch(`/sandbox/slack/state?user=${encodeURIComponent(state.user || '')}`);
  if (response.ok) {
    state.data = await response.json();
    render();
  }
}

async function act(body) {
  const response = await fetch('/sandbox/slack/act', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: state.user, ...body }),
  });
  const result = response.ok ? await response.json() : null;
  await refresh();
  return result;
}

$('user').addEventListener('change', (event) => {
  state.user = event.target.value;
  state.viewKey = '';
  refresh();
});
$('open-home').addEventListener('click', () => act({ type: 'home' }));
$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('command');
  if (!input.value.trim()) return;
  act({ type: 'command', channel: state.channel, text: input.value });
  input.value = '';
});

refresh();
setInterval(refresh, 700);
