/**
 * Small talk: the pleasantries customers write between requests ("thanks", "bye", "ok", "how are you").
 * The recognizer names the intent; this says which kind it is, so the reply fits.
 */
import { normalizeText } from './normalize.js';

/** The kinds of small talk the bot answers in its own words. */
export type SmallTalk = 'goodbye' | 'thanks' | 'how_are_you' | 'acknowledgement';

const goodbye =
  /\b(?:bye|goodbye|good bye|bye bye|see you|see ya|later|take care|good night|have a (?:good|nice|great|lovely) \w+)\b/;
const thanks = /\b(?:thanks|thank you|thank u|thx|ty|cheers|appreciated|appreciate it)\b/;
const howAreYou =
  /\b(?:how are you|how r u|hows it going|how is it going|whats up|how are things|how do you do)\b/;

/** Which kind of small talk `message` is; acknowledgement ("ok", "great") when it is no other kind. */
export function smallTalkOf(message: string): SmallTalk {
  const { text } = normalizeText(message, new Set());
  if (goodbye.test(text)) return 'goodbye';
  if (thanks.test(text)) return 'thanks';
  if (howAreYou.test(text)) return 'how_are_you';
  return 'acknowledgement';
}

/**
 * A whole message of small talk, after normalising: thanks, goodbyes and acknowledgements, in any
 * combination ("thanks, bye", "great thank you so much", "no thats all").
 */
export const smallTalkPattern = new RegExp(
  `^(?:(?:${[
    'thanks',
    'thank you',
    'thank u',
    'thx',
    'ty',
    'cheers',
    'much appreciated',
    'appreciate it',
    'appreciated',
    'great',
    'perfect',
    'awesome',
    'cool',
    'nice',
    'lovely',
    'brilliant',
    'wonderful',
    'excellent',
    'fantastic',
    'got it',
    'understood',
    'sounds good',
    'all good',
    'alright',
    'all right',
    'fine',
    'good',
    'sure',
    'yes',
    'yeah',
    'yep',
    'no',
    'nope',
    'no thanks',
    'thats all',
    'that is all',
    'thats it',
    'nothing else',
    'im good',
    'im done',
    'all set',
    'done',
    'bye',
    'goodbye',
    'good bye',
    'bye bye',
    'see you',
    'see ya',
    'later',
    'take care',
    'good night',
    'have a (?:good|nice|great|lovely) (?:day|one|evening|night|weekend)',
    'you too',
    'same to you',
  ].join(
    '|',
  )})(?: (?:(?:so )?much|a lot|very much|again|for (?:your|the|all the) help|for helping(?: me)?|for that|you|bot|then|for now|that helps|that helped|its fine|for today|everyone))* ?)+$`,
);
