/*
 * InsuraLink chat widget. Embed with one tag:
 *
 *   <script src="https://bot.example.com/widget.js" async
 *           data-title="Chat with Northwind" data-color="#0b5cad" data-avatar="NW"></script>
 *
 * It adds a floating "Chat with us" button that opens Web Chat connected to the InsuraLink server the
 * script came from. data-avatar is either initials or an image URL. The conversation survives closing
 * the panel and reloading the page (sessionStorage), until its token expires.
 */
(() => {
  const script = document.currentScript;
  if (!script || window.insuraLinkWidget) return;

  const origin = new URL(script.src, window.location.href).origin;
  const settings = {
    title: script.dataset.title || 'InsuraLink assistant',
    color: /^#[0-9a-f]{3,8}$/i.test(script.dataset.color || '') ? script.dataset.color : '#0b5cad',
    avatar: script.dataset.avatar || 'IL',
  };
  const storageKey = `insuralink-chat:${origin}`;
  const avatarIsImage = /^(https?:)?\/\//.test(settings.avatar) || settings.avatar.startsWith('/');

  const style = document.createElement('style');
  style.textContent = `
    .il-launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0;
      border-radius: 999px; padding: 14px 20px; font: 600 16px/1 system-ui, sans-serif; color: #fff;
      background: ${settings.color}; box-shadow: 0 4px 14px rgba(0,0,0,.25); cursor: pointer; }
    .il-launcher:focus-visible, .il-close:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
    .il-panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001; width: 380px;
      height: min(620px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #fff;
      border-radius: 12px; overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.3); }
    .il-panel[hidden] { display: none; }
    .il-header { display: flex; align-items: center; justify-content: space-between; padding: 10px 14px;
      color: #fff; background: ${settings.color}; font: 600 16px system-ui, sans-serif; }
    .il-header h2 { margin: 0; font-size: 16px; }
    .il-close { border: 0; background: transparent; color: #fff; font-size: 24px; line-height: 1;
      cursor: pointer; padding: 4px 8px; }
    .il-chat { flex: 1; min-height: 0; }
    .il-status { padding: 16px; font: 14px system-ui, sans-serif; color: #333; }
    /* Web Chat writes file names in the accent colour, which is also the customer's bubble here: write
       them like the customer's text. */
    .il-chat .webchat__bubble--from-user .webchat__fileContent__fileName,
    .il-chat .webchat__bubble--from-user .webchat__fileContent__size { color: #fff; }
    @media (max-width: 480px) {
      .il-panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
    }`;
  document.head.appendChild(style);

  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'il-launcher';
  launcher.textContent = 'Chat with us';
  launcher.setAttribute('aria-haspopup', 'dialog');
  launcher.setAttribute('aria-expanded', 'false');

  const panel = document.createElement('section');
  panel.className = 'il-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', settings.title);
  panel.innerHTML = `
    <div class="il-header"><h2></h2><button type="button" class="il-close" aria-label="Close chat">×</button></div>
    <div class="il-chat"><p class="il-status" role="status">Connecting…</p></div>`;
  panel.querySelector('h2').textContent = settings.title;
  const chat = panel.querySelector('.il-chat');
  const closeButton = panel.querySelector('.il-close');

  document.body.append(panel, launcher);

  let started = false;

  /**
   * The locale Web Chat speaks and sends with every message: the page's language, refined by the
   * browser's region when the languages agree (an en-GB visitor on an "en" or "en-US" page), since the
   * bot reads numeric dates such as 04/05/1988 in that region's order.
   */
  function chatLocale() {
    const page = document.documentElement.lang || 'en-US';
    const browser = window.navigator.language || '';
    const sameLanguage = browser.split('-')[0].toLowerCase() === page.split('-')[0].toLowerCase();
    return sameLanguage && browser.includes('-') ? browser : page;
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    if (started) {
      focusSendBox();
      return;
    }
    started = true;
    closeButton.focus();
    start()
      .then(focusSendBox)
      .catch((error) => {
        started = false;
        showStatus('Sorry, the chat could not connect. Please try again in a moment.');
        console.error('InsuraLink chat:', error);
      });
  }

  /** Web Chat renders its send box asynchronously: focus it as soon as it exists. */
  function focusSendBox() {
    const sendBox = () => chat.querySelector('input[type="text"], textarea');
    if (sendBox()) {
      sendBox().focus();
      return;
    }
    const observer = new MutationObserver(() => {
      if (!sendBox()) return;
      observer.disconnect();
      if (!panel.hidden) sendBox().focus();
    });
    observer.observe(chat, { childList: true, subtree: true });
    setTimeout(() => observer.disconnect(), 10_000);
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  function showStatus(message) {
    chat.innerHTML = '';
    const status = document.createElement('p');
    status.className = 'il-status';
    status.setAttribute('role', 'status');
    status.textContent = message;
    chat.appendChild(status);
  }

  function loadWebChat() {
    if (window.WebChat) return Promise.resolve(window.WebChat);
    return new Promise((resolve, reject) => {
      const tag = document.createElement('script');
      tag.src = `${origin}/webchat/webchat.js`;
      tag.onload = () => resolve(window.WebChat);
      tag.onerror = () => reject(new Error('Web Chat could not be loaded'));
      document.head.appendChild(tag);
    });
  }

  /** A stored conversation is reused while its token is valid, so a reload keeps the history. */
  async function session() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(storageKey) || 'null');
      if (saved && saved.expiresAt > Date.now() + 60_000) return saved;
    } catch {
      // Unreadable storage: start a new conversation.
    }
    const response = await fetch(`${origin}/api/chat/token`, { method: 'POST' });
    if (!response.ok) throw new Error(`token request failed with ${response.status}`);
    const token = await response.json();
    const fresh = {
      token: token.token,
      conversationId: token.conversationId,
      userId: token.userId,
      expiresAt: Date.now() + token.expires_in * 1000,
    };
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(fresh));
    } catch {
      // Private browsing can refuse storage; the chat still works for this page view.
    }
    return fresh;
  }

  async function start() {
    const [WebChat, current] = await Promise.all([loadWebChat(), session()]);
    // No conversationId: with one, the client skips `POST conversations` and reconnects to a conversation
    // that a fresh token has not started yet (404). Posting with the token starts it, or after a reload
    // rejoins it with the whole history.
    const directLine = WebChat.createDirectLine({
      domain: `${origin}/v3/directline`,
      token: current.token,
      webSocket: true,
    });
    chat.innerHTML = '';
    WebChat.renderWebChat(
      {
        directLine,
        userID: current.userId,
        locale: chatLocale(),
        styleOptions: {
          accent: settings.color,
          bubbleFromUserBackground: settings.color,
          bubbleFromUserTextColor: '#fff',
          botAvatarInitials: avatarIsImage ? undefined : settings.avatar.slice(0, 3),
          botAvatarImage: avatarIsImage ? settings.avatar : undefined,
          hideUploadButton: false,
          suggestedActionLayout: 'flow',
        },
      },
      chat,
    );
  }

  launcher.addEventListener('click', () => (panel.hidden ? open() : close()));
  closeButton.addEventListener('click', close);
  panel.addEventListener('keydown', (event) => {
    // Web Chat handles Escape itself in some places (leaving a message, closing its help); let it.
    if (event.key === 'Escape' && !event.defaultPrevented) close();
  });

  window.insuraLinkWidget = { open, close };
})();
