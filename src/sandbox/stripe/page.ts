/**
 * The sandbox's checkout pages: plain HTML forms, no script. They show what would be charged and a
 * button that completes the payment; they never ask for card details.
 */
import type { SandboxSession } from './index.js';

/** Nothing but the page itself and its own form. */
export const pagePolicy = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function escape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

function amountOf(session: SandboxSession): string {
  const currency = session.currency.toUpperCase();
  const digits =
    new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
    2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(
    session.amount_total / 10 ** digits,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Stripe sandbox</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f6f9fc; margin: 0; display: flex; justify-content: center; }
  main { width: 380px; margin: 48px 16px; background: #fff; border-radius: 12px; padding: 28px;
    box-shadow: 0 2px 12px rgba(50, 50, 93, .12); }
  h1 { font-size: 20px; margin: 0 0 16px; }
  .amount { font-size: 32px; font-weight: 600; margin: 8px 0 4px; }
  .note { color: #6b7280; font-size: 13px; }
  button { width: 100%; padding: 12px; margin-top: 20px; border: none; border-radius: 8px; background: #635bff;
    color: #fff; font-size: 16px; cursor: pointer; }
  a { color: #635bff; }
  li { margin: 8px 0; }
</style>
</head>
<body><main>${body}</main></body>
</html>
`;
}

export function checkoutPage(session: SandboxSession): string {
  return layout(
    'Checkout',
    `<h1>Pay InsuraLink</h1>
<div>${escape(session.description)}</div>
<div class="amount">${escape(amountOf(session))}</div>
<p class="note">Sandbox checkout: no card is charged and none is asked for. Paying completes the session and
sends Stripe's signed <code>checkout.session.completed</code> webhook to the app.</p>
<form method="post" action="/sandbox/pay/${escape(session.id)}">
<button type="submit">Pay ${escape(amountOf(session))}</button>
</form>
${session.cancel_url ? `<p class="note"><a href="${escape(session.cancel_url)}">Cancel and go back</a></p>` : ''}`,
  );
}

export function openCheckoutsPage(sessions: SandboxSession[]): string {
  const items = sessions
    .map(
      (session) =>
        `<li><a href="/sandbox/pay/${escape(session.id)}">${escape(session.description)}</a>: ${escape(amountOf(session))}</li>`,
    )
    .join('\n');
  return layout(
    'Open checkouts',
    `<h1>Open checkouts</h1>
${items ? `<ul>${items}</ul>` : '<p>No payment links are open. Ask the bot to "pay my premium" to get one.</p>'}`,
  );
}

export function resultPage(title: string, message: string): string {
  return layout(title, `<h1>${escape(title)}</h1><p>${escape(message)}</p>`);
}
