import { normalize } from './text.js';

/**
 * Kinds of question the knowledge base deliberately does not answer, however close an article looks:
 * - price: prices, quotes, rates of return and what something costs;
 * - company: a named insurer's or other firm's product;
 * - region: one US state's rules;
 * - tax: tax treatment (an article whose tags are about taxes answers it);
 * - legal: legal advice and disputes with third parties;
 * - product: financial products with no article (retirement accounts, health savings accounts, ...);
 * - advice: shopping advice ("which is best", "who sells", "how much should I buy").
 */
export type ScopeCue = 'price' | 'company' | 'region' | 'tax' | 'legal' | 'product' | 'advice';

const list = (text: string): string =>
  text
    .split(',')
    .map((entry) => entry.trim().replace(/ /g, '\\s+'))
    .join('|');

const states = list(
  'alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida, georgia, hawaii, ' +
    'idaho, illinois, indiana, iowa, kansas, kentucky, louisiana, maine, maryland, massachusetts, michigan, ' +
    'minnesota, mississippi, missouri, montana, nebraska, nevada, new hampshire, new jersey, new mexico, ' +
    'new york, north carolina, north dakota, ohio, oklahoma, oregon, pennsylvania, rhode island, south carolina, ' +
    'south dakota, tennessee, texas, utah, vermont, virginia, washington, west virginia, wisconsin, wyoming, ' +
    'district of columbia, puerto rico',
);

/** Insurers, brokers and other firms customers name; kept to names that are not everyday words. */
const companies = list(
  'state farm, geico, progressive, allstate, aaa, liberty mutual, nationwide insurance, usaa, farmers insurance, ' +
    'travelers insurance, american family, erie, safeco, esurance, the hartford, metlife, prudential, ' +
    'new york life, northwestern mutual, mutual of omaha, aflac, globe life, transamerica, john hancock, ' +
    'lincoln financial, primerica, colonial penn, gerber life, aig, humana, aetna, cigna, unitedhealthcare, ' +
    'united healthcare, kaiser, blue cross, blue shield, anthem, medicare blue, kemper, lemonade, chubb, amica, ' +
    'mercury insurance, enterprise, hertz, avis, budget rental, genworth, fidelity, vanguard, dave ramsey, ' +
    'suze orman',
);

/** Products and matters next to insurance that no article covers. */
const products = list(
  '401k, 401 k, 403b, ira, roth, hsa, hra, fsa, health savings account, medicaid, critical illness, ' +
    'cancer insurance, accident insurance, sr22, sr 22, mortgage insurance, mortgage disability, ' +
    'mortgage protection, mortgage life, pet insurance, travel insurance, ' +
    'dental insurance, vision insurance, retirement plan, pension, umbrella, business insurance, ' +
    'commercial insurance, burial insurance, final expense, fdic, stock, stocks',
);

const cuePatterns: readonly (readonly [ScopeCue, RegExp])[] = [
  [
    'price',
    new RegExp(
      // "Cost" alone often means an expense a policy may cover ("the cost of repairs"), so only the cost
      // of insurance itself counts.
      '\\b(what|how much) (\\w+ ){0,5}cost|\\bcost of (\\w+ )?(insurance|a policy|coverage|premiums?|a plan)\\b' +
        '|\\b(insurance|policy|coverage|plan|premium) costs?\\b' +
        '|\\b(price|prices|pricing|priced|quote|quotes|quoted|cheap|cheaper|cheapest' +
        '|afford|affordable|average premium|monthly payment|interest rate|rate of return|what rate)\\b' +
        // "how much is/does/for ..." asks for an amount; "how much coverage" and "how much ... out of
        // pocket" ask about things the articles explain.
        '|\\bhow much (?!coverage\\b|.*\\bout of pocket\\b)(\\w+ ){0,4}?(is|are|does|do|would|will|for|pay)\\b',
    ),
  ],
  ['company', new RegExp(`\\b(${companies})\\b`)],
  // A state named as where something applies; moving from or to a state is an address change.
  [
    'region',
    new RegExp(
      `\\b((in|for|of|under) (the state of )?(${states})|(${states}) (laws?|rules|requirements|regulations))\\b`,
    ),
  ],
  ['tax', /\b(tax|taxes|taxed|taxable|taxation|irs|write off|tax deductible)\b/],
  [
    'legal',
    /\b(lawyer|lawyers|attorney|sue|suing|lawsuit|legal advice|court|creditor|creditors|debt collectors?|bankruptcy|garnish\w*)\b/,
  ],
  ['product', new RegExp(`\\b(${products})\\b`)],
  [
    'advice',
    new RegExp(
      '\\b(the best(?! time| way)|best (company|insurer|provider|policy|plan)|top rated|good company' +
        // "Recommend a good ..." asks for a product or firm; "what do you recommend I do" asks for help.
        '|recommend\\w* (?!i |that |we )' +
        '|who sells|who offers|where (can|do|should) i (buy|purchase|shop for)|where to buy' +
        // "Where do I get/find ..." is shopping only for insurance itself, not for my policy's papers.
        '|where (can|do|should) i (get|find) (?!my\\b|our\\b|the\\b)(\\w+ ){0,2}(insurance|policy|coverage)\\b' +
        '|(what|which) (\\w+ ){0,2}(companies|insurers|carriers|cards|banks|providers) (offer|sell|provide)' +
        '|how much (\\w+ ){1,3}insurance (should|do|is right|is necessary|is enough))\\b',
    ),
  ],
];

/** The out-of-scope cues a text contains, in a fixed order. */
export function scopeCues(text: string): ScopeCue[] {
  const words = normalize(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return cuePatterns.filter(([, pattern]) => pattern.test(words)).map(([cue]) => cue);
}
