import type { TurnContext } from 'botbuilder';
import { dateOrderOfLocale, type DateOrder } from '../domain/dates.js';

/**
 * How the customer writes numeric dates, from the locale their channel puts on the message (Web Chat
 * sends the page's or browser's, such as `en-US` or `en-GB`); undefined when the channel names none
 * (SMS) or the locale does not decide it, and an ambiguous date is then asked about.
 */
export function dateOrderOf(context: TurnContext): DateOrder | undefined {
  return dateOrderOfLocale(context.activity.locale);
}
