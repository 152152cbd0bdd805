import type { Entities, Intent, Recognition, Recognizer } from '../recognizer.js';
import { extractEntities, type EntityOptions } from './entities.js';
import { normalizeText } from './normalize.js';
import { smallTalkPattern } from './small-talk.js';

/** One way of recognising an intent. Rules are tried in order on the normalised text; the first match wins. */
export interface IntentRule {
  intent: Intent;
  /** Confidence reported when this rule decides. */
  score: number;
  /** Any one matching is enough. */
  patterns: readonly RegExp[];
  /** The rule only applies to messages of at most this many words (commands, not sentences). */
  maxWords?: number;
}

/** Words that make a message about the customer's own affairs (or the bot) rather than insurance in general. */
const personal = '(?:my|mine|our|ours|i|me|we|us|im|ive|id|you)';
const person =
  '(?:person|someone|somebody|human|humans|agent|representative|rep|operator|people|staff|advisor|adviser|adjuster|specialist|officer)';
/** Things of their own a customer may ask to see. */
const ownData =
  '(?:policy|policies|coverage|coverages|deductibles?|premiums?|documents?|docs|id card|insurance card|dependents?|limits?|details|payments?|bill|due date|renewal)';
/** The first words of a question about something rather than a request to do it. */
const questionStart = '(?:can|could|how|what|whats|when|why|does|do|is|are|will|should|who|where|which)\\b';
/**
 * Guards a request to pay: not a question about paying with or for something ("with a credit card",
 * "can an HSA pay premiums", "who has to pay a premium for Medicare"), which the knowledge base answers.
 */
const payRequest =
  '^(?!(?:who|does|do you|did|when do you|what will|why|will|would|should|is|are|how much should)\\b)' +
  '(?!.*\\b(?:with|by|using|through|via|from|if|when|why|taxes|hsa|hra|used|for (?!(?:my|our|this|policy|[a-z]{3} \\d{6})\\b)\\w+)\\b).*';
/** "my" and up to two more words, as in "my auto policy". */
const mine = '(?:my|our)(?: \\w+){0,2}';
const claimStatusWords =
  '(?:status|update|updates|progress|track|tracking|approved|denied|rejected|paid|payout|pending|decision|news|happening|going|processed|stand|standing)';

/**
 * The intent rules, most decisive first. Conversation control comes before everything; questions about
 * insurance in general come before the action intents, so "does my policy cover floods" is a question for
 * the knowledge base, not a policy lookup. Action intents only claim requests about the customer's own
 * data or requests to act. What no rule claims is `faq`.
 */
const intentRules: readonly IntentRule[] = [
  {
    // Ends the verification for the conversation: a shared computer must not keep the customer signed in.
    intent: 'log_out',
    score: 0.95,
    maxWords: 9,
    patterns: [
      /^(?:(?:im done|i am done|done|(?:can|could) you|i want to|i wanna|id like to|i would like to|lets|just|now|then|and) )*(?:log|sign) ?(?:me |us )?(?:out|off)(?: (?:of|from) (?:here|this|the chat|this chat|my account|everything))?(?: (?:now|thanks|thank you|too))*$/,
      /^(?:(?:please|now|and|also) )*forget (?:me|who i am|my (?:details|identity|login|verification))(?: (?:now|thanks|thank you))*$/,
      /^(?:end|close) (?:my |the |this )?(?:session|login)$/,
    ],
  },
  {
    intent: 'small_talk',
    score: 0.9,
    maxWords: 10,
    patterns: [smallTalkPattern],
  },
  {
    intent: 'cancel',
    score: 0.95,
    maxWords: 8,
    patterns: [
      /^(?:(?:i want to|i wanna|id like to|i would like to|lets|let us|can we|can i|just|no) )*(?:cancel|stop|quit|exit|abort|start over|start again|restart|reset|go back|never ?mind|forget (?:it|that|about it))(?: (?:it|that|this|now|everything|the conversation|all|thanks|thank you))*$/,
    ],
  },
  {
    // Questions about the assistant and the people behind it are answered; only a request hands off.
    intent: 'about_assistant',
    score: 0.9,
    patterns: [
      /\b(?:are|r) (?:you|u) (?:a |an )?(?:real |actual |live )?(?:bot|robot|human|person|machine|ai|computer|chatbot|real|automated)\b/,
      /\b(?:is this|am i (?:talking|chatting|speaking) (?:to|with)) (?:a |an )?(?:real |actual |live )?(?:bot|robot|human|person|machine|ai|computer|chatbot|automated)\b/,
      new RegExp(
        `^is there (?:a|an|any) (?:real |actual |live )?${person}(?: (?:here|there|behind this|available|at all))?$`,
      ),
      /^are there (?:any )?(?:real |actual )?(?:people|humans|persons|staff|agents)\b(?! (?:i|we) can)/,
      new RegExp(
        `\\bwhen (?:should|would|do|can|could|must|is it (?:better|best) to)\\b(?: \\w+){0,3} (?:talk|speak|chat|contact|call|ask for|get|reach|go to|use)\\b(?: \\w+){0,4} ${person}\\b`,
      ),
      /^(?:who|what) (?:are you|am i (?:talking|chatting|speaking) (?:to|with))\b/,
    ],
  },
  {
    intent: 'help',
    score: 0.9,
    maxWords: 6,
    patterns: [
      /^(?:i need |need |some |can you |could you |i want )*(?:help|assistance|support)(?: me| please| me please)?$/,
      /\bwhat (?:can|do) you do\b/,
      /\bwhat can (?:you help|i do|i ask)\b/,
      /\bwhat (?:can|does) (?:this|the) (?:chat|bot|assistant|service) do\b/,
      /\bhow does this work\b/,
      /^(?:show (?:me )?(?:the )?)?(?:main )?(?:menu|options|commands)$/,
      /\b(?:im|i am) (?:lost|confused|stuck)\b/,
    ],
  },
  {
    // A reply to a renewal reminder ("RENEW AUT-100200") and asking to renew, but not questions about renewal.
    intent: 'renewal',
    score: 0.9,
    patterns: [
      /^renew(?: (?:it|now|please|[a-z]{3} \d{6}))?$/,
      new RegExp(
        `^(?!${questionStart})(?:.* )?(?:renew|renewing)(?: (?:my|our|the|this))?(?: \\w+){0,2} (?:policy|policies|insurance|plan|cover|coverage)\\b`,
      ),
      new RegExp(`^(?!${questionStart})(?:i|we) (?:want|would like|need|wish) to renew\\b`),
      /^(?:can|could) (?:i|we) renew (?:my|our|the|it)\b/,
    ],
  },
  {
    intent: 'upgrade',
    score: 0.9,
    patterns: [
      new RegExp(`^(?!${questionStart})(?:.* )?(?:upgrade|upgrading)\\b`),
      /\b(?:can|could) (?:i|we) upgrade\b/,
      /\bupgrade (?:options|plans)\b/,
      /\b(?:better|higher|bigger) (?:plan|policy|cover|coverage)\b/,
    ],
  },
  {
    intent: 'dependents',
    score: 0.9,
    patterns: [
      new RegExp(
        `^(?!${questionStart})(?:.* )?(?:add|remove|delete|take off|put|include|drop)\\b(?: \\w+){0,4} (?:dependents?|spouse|wife|husband|partner|child|children|son|daughter|kid|kids|baby|newborn|driver|drivers)\\b`,
      ),
      /^(?:add|remove|change) (?:a )?dependents?$/,
      /^(?:add or remove|manage) (?:a |my )?dependents?$/,
    ],
  },
  {
    intent: 'request_status',
    score: 0.9,
    patterns: [
      /\b(?:status|update|progress|track|where is|wheres|check on|follow up on)\b.*\brequests?\b/,
      /\b(?:my|our) (?:\w+ )?requests\b/,
      /\brequests?\b.*\b(?:status|approved|denied|declined|pending|decision)\b/,
      /\b(?:ben|dep|rnw|upg) \d{6}\b/,
    ],
  },
  {
    // What their own policy covers, as a whole, is answered from the policy; whether it covers a given
    // thing ("does my policy cover floods") stays a question for the knowledge base.
    intent: 'policy_lookup',
    score: 0.85,
    patterns: [
      /^(?:so )?what (?:all |exactly )?(?:does|do|will|would) (?:my|our)(?: \w+){0,2} (?:policy|policies|insurance|plan|coverage) (?:cover|include|pay for)(?: exactly)?$/,
      /^(?:what is|whats|what exactly is|what all is|what things are|what) covered (?:on|by|under|in|with) (?:my|our)(?: \w+){0,2} (?:policy|policies|insurance|plan)$/,
      /^what (?:am i|are we|are my family|is my family) (?:covered|insured) for$/,
      /^what (?:coverage|coverages|cover|limits|deductibles) (?:do|does) (?:i|we|my \w+(?: \w+)?) have$/,
    ],
  },
  {
    // Before the questions: "how much do I owe" is about their bill, not insurance in general. How to
    // pay with something ("with a credit card", "from an HSA") stays a question for the knowledge base.
    intent: 'pay_premium',
    score: 0.9,
    patterns: [
      /^(?:pay|pay now|pay premium|pay bill|pay my bill|pay my premium|make a payment|payment|payments)$/,
      /^pay (?:(?:for|on|policy|premium (?:for|on)) )?[a-z]{3} \d{6}$/,
      new RegExp(
        `${payRequest}\\b(?:pay|paying|make|making) (?:(?:a|my|our|this|the|next) )?(?:\\w+ ){0,2}(?:premiums?|bills?|payments?|installments?)\\b`,
      ),
      new RegExp(
        `${payRequest}\\b(?:i (?:want|need|would like|have) to|id like to|i wanna|lets|let me|can i|could i|how (?:do|can|should) i|where (?:do|can) i|help me) (?:pay|make a payment)\\b`,
      ),
      /\b(?:how much|what) (?:do|does|did) (?:i|we|my \w+) (?:still )?owe\b/,
      /\b(?:how much|what) (?:is|s) (?:owed|owing|outstanding)\b/,
      /\bwhat do i have to pay\b(?!.*\b(?:for|if)\b)/,
      /\b(?:my|our) (?:balance|amount due|outstanding balance|bill)\b/,
      /\b(?:amount|balance) (?:due|owed|outstanding) (?:on|for) (?:my|our)\b/,
    ],
  },
  {
    intent: 'faq',
    score: 0.8,
    patterns: [
      // Whether something is covered is answered from the knowledge base (and the policy facts, if known).
      /\b(?:does|do|is|are|am|will|would|can|could|what|which|whats|if)\b.*\b(?:cover|covers|covered|pay for|pays for|insured for|protected)\b/,
      // Definitions and explanations, unless about the customer's own things ("what is my deductible").
      new RegExp(
        `^(?:what is|whats|what are|what does|what do|define|meaning of|explain|tell me about|why do|why does|why is)\\b(?!.*\\b(?:${personal}|\\d+)\\b)`,
      ),
      new RegExp(
        `^how (?:does|do|is|are) (?!this\\b|it\\b)(?!.*\\b${personal}\\b).*\\b(?:work|works|calculated|decided)\\b`,
      ),
      /\b(?:difference between|what happens if|what happens when|meaning of|stand for)\b/,
      // Advice, reasons and rules of thumb: "why did my premium go up", "when should I file a claim".
      /^(?:why|who|should|is it|what percentage|(?:do|does) (?:i|we|you) (?:need|have) to|when (?:to|should|can|do)|how (?:long|soon|often|far)|how (?:much|many)(?! (?:is|are) (?:my|our))(?!.*\bdo (?:i|we) have\b))\b/,
      // Changing a policy is explained by the knowledge base, which says how and offers a person.
      /\b(?:cancel|cancelled|canceled|cancelling|canceling|change|update|renew|add|remove|switch|upgrade|downgrade|raise|increase|lower|reduce)\b(?: \w+){0,4} (?:policy|policies|insurance|coverage|plan|limits?|deductibles?|address|email|beneficiary|beneficiaries|dependents?|spouse|wife|husband|child|son|daughter|car|vehicle|driver)\b/,
    ],
  },
  {
    intent: 'talk_to_person',
    score: 0.9,
    patterns: [
      new RegExp(`\\b(?:talk|speak|chat|connect|transfer|put|get)\\b(?: \\w+){0,4} ${person}\\b`),
      new RegExp(`\\b(?:real|live|actual) ${person}\\b`),
      new RegExp(`\\b(?:want|need|like) (?:a|an|to have a) ${person}\\b`),
      new RegExp(`^${person}$`),
      new RegExp(`\\bis there (?:a|an|any) ${person}`),
      /\b(?:customer (?:service|support|care)|call me|call me back|callback)\b/,
    ],
  },
  {
    intent: 'claim_status',
    score: 0.9,
    patterns: [
      // A claim of their own: "my claim", "the claim I filed", not claims in general.
      new RegExp(`\\b(?:my|our|the|this)(?: \\w+){0,2} claims?\\b.*\\b${claimStatusWords}\\b`),
      /\b(?:status|update|updates|progress|track|where is|wheres|where|news|check on|follow up on)\b.*\b(?:my|our|the|this)(?: \w+){0,2} claims?\b/,
      /\b(?:claim status|status of (?:a|my|the|our) claim)\b/,
      /\b(?:filed|submitted|made|opened|lodged|reported) (?:a|my|the) claim\b/,
      /\bmy claims\b/,
      /\b(?:has|have|was|is|did) my claim\b/,
    ],
  },
  {
    intent: 'benefits',
    score: 0.85,
    patterns: [
      /^benefits?$/,
      /\b(?:my|our) (?:\w+ )?benefits?\b/,
      /\bbenefits? (?:request|requests|application)\b/,
      /\b(?:request|apply for|use|access|see|view|show|check) (?:a |my |the |for )?(?:\w+ )?benefits?\b/,
      /\bwhat benefits (?:do|does|can) (?:i|we|my)\b/,
      /\b(?:i want to|i would like to|id like to|i need to|help me|sign me up|lets) (?:enroll|enrol|sign up)\b/,
      /^(?:enroll|enrol) me\b/,
      /\b(?:request|submit|get|claim) (?:a |my )?(?:\w+ )?reimbursement\b/,
      /\b(?:gym|wellness|fitness)(?: \w+)? (?:reimbursement|allowance)\b/,
      /\b(?:get|be) reimbursed\b/,
      /^(?:roadside(?: assistance| help)?|rental car|a rental car|tow truck|towing|a tow)$/,
      /\b(?:need|want|get|request|use|send|call|book|arrange)\b(?: \w+){0,3} (?:rental car|roadside|tow|tow truck|towing|jump start)\b/,
      /\b(?:car|vehicle) (?:broke down|has broken down|wont start|will not start)\b/,
      /\b(?:i|we) (?:have|got) a flat (?:tire|tyre)\b/,
      /\bwhat benefits\b/,
    ],
  },
  {
    intent: 'file_claim',
    score: 0.9,
    patterns: [
      /\b(?:file|submit|make|start|open|lodge|report|raise|begin|create|new|place|put in)\b(?: \w+){0,3} claims?\b/,
      /\b(?:want|need|like|going) to claim\b/,
      /\breport (?:(?:a|an|the|my) )?(?:(?:stolen|damaged|broken|car) )*(?:accident|crash|collision|theft|loss|damage|incident|break in|fire|flood|leak|injury|car|vehicle|bike|phone)\b/,
      /\b(?:i|we) (?:had|have had|was in|were in|got in|got into|was involved in) (?:(?:a|an) )?(?:car )?(?:accident|crash|collision|fender bender)\b/,
      /\b(?:was|were|got|has been|have been) (?:stolen|broken into|vandalized|vandalised|damaged|flooded|burglarized|rear ended)\b/,
      /\b(?:someone|somebody|thieves|they) (?:stole|broke into|hit|vandalized|damaged|crashed into)\b/,
      /\b(?:car|house|home|basement|kitchen|roof|apartment|flat|vehicle|garage) (?:flooded|caught fire|burned|burnt|was stolen|is flooded|is damaged)\b/,
      /\bi (?:crashed|wrecked|totaled|totalled)\b/,
      /\b(?:fell on|damaged|destroyed|smashed|flooded|crashed into|hit|broke) (?:my|our)\b/,
      /\b(?:hurt|injured) (?:my|myself|ourselves)\b/,
      /\bhit and run\b/,
      /\b(?:windshield|windscreen|window|pipe|pipes|roof|ceiling) (?:is |got |was |has )?(?:cracked|broken|burst|leaking|smashed|damaged|collapsed)\b/,
    ],
  },
  {
    intent: 'policy_lookup',
    score: 0.9,
    patterns: [
      // Asking to see something of their own; "get health insurance" is shopping, not a lookup.
      new RegExp(
        `\\b(?:show|see|view|look up|lookup|check|list|display|pull up|open|access|review|download|send|email|get|find|give|need)(?: me)?(?: a copy of)?(?: (?:my|our|the))?(?: \\w+){0,2} ${ownData}\\b`,
      ),
      new RegExp(
        `^(?:what is|whats|what are|how much is|how much are|when is|when are|when does|when do|when will) ${mine} ${ownData}\\b`,
      ),
      new RegExp(
        `^(?:what is|whats|what are|how much is|how much are) (?:the|my|our) (?:\\w+ )?${ownData} (?:on|for|of|in|under) (?:my|our)\\b`,
      ),
      new RegExp(
        `^(?:is|are) ${mine} ${ownData} (?:active|valid|current|in force|lapsed|cancelled|canceled|expired|paid)\\b`,
      ),
      new RegExp(
        `\\b(?:what|which|how much|how many) (?:\\w+ )?(?:${ownData}|insurance|plans?) do (?:i|we) have\\b`,
      ),
      new RegExp(
        `\\b(?:show|see|view|look up|check|pull up|review) (?:me )?(?:my|our)(?: \\w+){0,2} insurance\\b`,
      ),
      new RegExp(`\\b(?:tell me about|explain|describe) ${mine} ${ownData}\\b`),
      new RegExp(`^${mine} (?:${ownData}|insurance)$`),
      /\bpolicy (?:details|info|information|number|status|summary|documents?)\b/,
      /^(?:policy|policies)$/,
      // A bare "documents" asks for their own (the policy documents), not how claim documents work.
      /^(?:(?:the|my|our|all|all my|policy|insurance) )*(?:documents?|docs|paperwork)$/,
    ],
  },
  {
    intent: 'help',
    score: 0.75,
    maxWords: 6,
    patterns: [/\b(?:help|menu|options)\b/],
  },
];

/** A greeting, possibly followed by the actual request ("hi, I'd like to file a claim"). */
const greetingPrefix =
  /^(?:(?:hi|hello|helo|hallo|hey|heya|hiya|howdy|greetings|yo|hola|good (?:morning|afternoon|evening|day)|morning|evening)\b(?: there| all| everyone| team| bot)? ?)+/;
/** What may follow a greeting in a message that is only a greeting. */
const smallTalk = /^(?:how are you(?: doing)?|hows it going|how is it going|whats up|sup)$/;

/**
 * Every word the rules rely on; near misses of these are read as them. Inflections are listed too, so a
 * real word is not "corrected" into a different key word ("filed" is not "file").
 */
const keywords: ReadonlySet<string> = new Set(
  `
  hi hello helo hey heya hiya howdy greetings morning evening afternoon
  thanks thank goodbye logout signout forget robot chatbot automated
  help menu options commands confused stuck lost
  cancel stop quit exit abort restart reset start over never mind nevermind forget
  change update renew add remove switch upgrade downgrade beneficiary address
  windshield windscreen window pipe pipes roof cracked burst leaking smashed
  cover covers covered coverage coverages insured insurance protected define meaning explain difference
  happens works work calculated
  talk speak chat connect transfer person someone somebody human humans agent agents representative
  operator people staff advisor adviser customer service support callback real live actual
  claim claims claimed status update updates progress track tracking approved denied rejected paid payout
  pending decision news happening processed check
  benefit benefits enroll enrol enrolment enrollment reimburse reimbursement reimbursed wellness gym fitness
  roadside rental towing request requests upgrade spouse dependent
  file filed filing submit submitted make start open lodge report reported raise create place
  accident accidents crash crashed collision theft stolen stole damage damaged flooded flood fire burned
  vandalized vandalised burglarized broken broke wrecked totaled totalled incident injury leak
  policy policies deductible deductibles premium premiums document documents dependent dependents
  pay paying owe owed owing balance installment installments
  limit limits details detail payment payments bill renewal show view lookup display review download
  information summary number card active valid expired lapsed
  assistance adjuster specialist officer hurt injured destroyed cancelled canceled increase lower reduce
  `
    .split(/\s+/)
    .filter((word) => word !== ''),
);

/** Ordinary words one letter away from a key word, which must not be "corrected" into it. */
const realWordsNearKeywords: ReadonlySet<string> = new Set(
  `
  about police store floor turned quiet proof tracked insurer insurers spending cancer stock widow plane
  statue leading stuff lovers covert coveted summit resort cheek truck trick
  `
    .split(/\s+/)
    .filter((word) => word !== ''),
);

/** Options for {@link LocalRecognizer}. */
export type LocalRecognizerOptions = EntityOptions;

/** Recognises intents and entities with patterns, offline and in microseconds. */
export class LocalRecognizer implements Recognizer {
  constructor(private readonly options: LocalRecognizerOptions = {}) {}

  recognize(text: string): Promise<Recognition> {
    return Promise.resolve(this.recognizeNow(text));
  }

  /** The same as {@link recognize}, without the promise. */
  recognizeNow(text: string): Recognition {
    const entities = extractEntities(text, this.options);
    const { intent, score } = classify(text, entities);
    return { intent, score, entities };
  }
}

function classify(message: string, entities: Entities): { intent: Intent; score: number } {
  const { text, corrections } = normalizeText(message, keywords, realWordsNearKeywords);
  // Each corrected word makes the reading a little less certain.
  const confidence = (score: number): number => Math.round(score * 0.95 ** corrections * 100) / 100;
  const request = text.replace(greetingPrefix, '').trim();
  if ((text !== '' && request === '') || smallTalk.test(request))
    return { intent: 'greeting', score: confidence(0.95) };
  // Only filler and punctuation ("ok", "hmm", "?"): an acknowledgement, not a question.
  if (text === '' && /\S/.test(message)) return { intent: 'small_talk', score: confidence(0.8) };
  const words = request === '' ? 0 : request.split(' ').length;
  for (const rule of intentRules) {
    if (rule.maxWords !== undefined && words > rule.maxWords) continue;
    if (rule.patterns.some((pattern) => pattern.test(request))) {
      return { intent: rule.intent, score: confidence(rule.score) };
    }
  }
  // A bare reference number says what the customer wants to look at.
  if (entities.requestNumber) return { intent: 'request_status', score: confidence(0.7) };
  if (entities.claimNumber) return { intent: 'claim_status', score: confidence(0.7) };
  if (entities.policyNumber) return { intent: 'policy_lookup', score: confidence(0.7) };
  return { intent: 'faq', score: confidence(0.5) };
}
