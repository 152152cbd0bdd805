/**
 * Where a claim's stated location is, offline, for the check of a photo's GPS position against it:
 * coordinates as typed, else a US city the text names (with its state when given: "Portland, OR" is not
 * Portland, Maine), else the customer's address on file when the loss happened at home. A location that
 * matches nothing, or matches several places with nothing to choose between them, has no position: the
 * check is then not made, rather than made against a guess.
 */
import { distanceKm, type GpsPosition } from '../files/evidence.js';
import { usCities, usStates } from './places-data.js';

/** A position a stated location was matched to, with what it was matched to, for the officer. */
export interface ResolvedPlace extends GpsPosition {
  /** "Austin, TX", "30.2672, -97.7431", "the customer's address (Austin, TX)". */
  matched: string;
}

/** What else {@link resolveLocation} may go on. */
export interface LocationContext {
  /** The customer's address on file. */
  home?: { city: string; region?: string };
  /**
   * The loss is at the insured address whatever the text says (home and renters policies, where "the
   * kitchen" means the kitchen of the insured home), unless the text names another place.
   */
  insuredAtHome?: boolean;
}

/** Cities of one name closer than this are taken as one place. */
const sameCityKm = 25;

interface City {
  name: string;
  state: string;
  latitude: number;
  longitude: number;
}

/** Words after a name that make it a street ("Lincoln Ave", "Washington St"), not a city. */
const streetWords: ReadonlySet<string> = new Set([
  'st',
  'street',
  'ave',
  'av',
  'avenue',
  'blvd',
  'boulevard',
  'rd',
  'road',
  'dr',
  'drive',
  'ln',
  'lane',
  'way',
  'pkwy',
  'parkway',
  'hwy',
  'highway',
  'ct',
  'court',
  'pl',
  'place',
  'sq',
  'square',
  'ter',
  'terrace',
  'cir',
  'circle',
  'trl',
  'trail',
  'expy',
  'expressway',
  'fwy',
  'freeway',
  'pike',
  'park',
  'mall',
  'county',
]);

/** Words that put the loss at the customer's home. */
const homeWords =
  /\b(?:(?:at|my|our|the) (?:home|house|apartment|flat|condo|place|driveway|garage|basement|yard|backyard|garden|kitchen|bathroom|bedroom|attic|roof)|where (?:i|we) live|my address)\b|^\s*home\s*$/i;

/** Lower case without accents or punctuation, with "Saint"/"St.", "Fort"/"Ft." and "Mount"/"Mt." alike. */
function tokensOf(text: string): { lower: string[]; original: string[] } {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\bD\.\s?C\.?/g, 'DC');
  const original = plain.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const lower = original.map((token) => {
    const word = token.toLowerCase();
    return word === 'saint' ? 'st' : word === 'ft' ? 'fort' : word === 'mt' ? 'mount' : word;
  });
  return { lower, original };
}

const keyOf = (text: string) => tokensOf(text).lower.join(' ');

const citiesByKey = new Map<string, City[]>();
for (const line of usCities.split('\n')) {
  const [name, state, latitude, longitude] = line.split('|');
  if (!name || !state || !latitude || !longitude) continue;
  const key = keyOf(name);
  const city = { name, state, latitude: Number(latitude), longitude: Number(longitude) };
  citiesByKey.set(key, [...(citiesByKey.get(key) ?? []), city]);
}
const longestCityWords = Math.max(...[...citiesByKey.keys()].map((key) => key.split(' ').length));
const stateByName = new Map(Object.entries(usStates).map(([code, name]) => [keyOf(name), code]));
const longestStateWords = Math.max(...[...stateByName.keys()].map((key) => key.split(' ').length));

/** The position of `location`, or undefined when it cannot be told. */
export function resolveLocation(
  location: string | undefined,
  context: LocationContext = {},
): ResolvedPlace | undefined {
  const text = location ?? '';
  const coordinates = /(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)/.exec(text);
  if (coordinates) {
    const latitude = Number(coordinates[1]);
    const longitude = Number(coordinates[2]);
    if (Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180) {
      return { latitude, longitude, matched: `${latitude}, ${longitude}` };
    }
  }
  const homeState = context.home ? stateCode(context.home.region) : undefined;
  const named = cityIn(text, homeState);
  if (named) return place(named);
  if (context.home && (context.insuredAtHome || homeWords.test(text))) {
    const home = cityIn(`${context.home.city}, ${context.home.region ?? ''}`, homeState);
    if (home) return { ...place(home), matched: `the customer's address (${home.name}, ${home.state})` };
  }
  return undefined;
}

function place(city: City): ResolvedPlace {
  return {
    latitude: city.latitude,
    longitude: city.longitude,
    matched: `${city.name}, ${city.state}`,
  };
}

/** A state as a code or a name ("TX", "Texas"), or undefined. */
function stateCode(region: string | undefined): string | undefined {
  if (!region) return undefined;
  const upper = region.trim().toUpperCase();
  return usStates[upper] ? upper : stateByName.get(keyOf(region));
}

interface Occurrence {
  start: number;
  end: number;
  key: string;
}

/**
 * The city `text` names: the last one that can be told apart (an address ends with its city), in the
 * states the text names if it names any, else the only city of that name, else the one in `homeState`.
 */
function cityIn(text: string, homeState: string | undefined): City | undefined {
  const { lower, original } = tokensOf(text);
  let occurrences: Occurrence[] = [];
  for (let start = 0; start < lower.length; start += 1) {
    for (let words = Math.min(longestCityWords, lower.length - start); words >= 1; words -= 1) {
      const key = lower.slice(start, start + words).join(' ');
      if (!citiesByKey.has(key)) continue;
      if (!streetWords.has(lower[start + words] ?? '')) occurrences.push({ start, end: start + words, key });
      break;
    }
  }
  // "North Las Vegas" holds "Las Vegas": only the longer one was meant.
  occurrences = occurrences.filter(
    (inner) =>
      !occurrences.some((outer) => outer !== inner && outer.start <= inner.start && outer.end >= inner.end),
  );

  const states = new Set<string>();
  // A name that is a state as well as a city ("New York", "Washington") is the state after another city.
  occurrences = occurrences.filter((occurrence, index) => {
    const code = stateByName.get(occurrence.key);
    if (code && index > 0) {
      states.add(code);
      return false;
    }
    return true;
  });
  for (let start = 0; start < lower.length; start += 1) {
    for (let words = Math.min(longestStateWords, lower.length - start); words >= 1; words -= 1) {
      const code = stateByName.get(lower.slice(start, start + words).join(' '));
      const inCity = occurrences.some((city) => city.start <= start && city.end >= start + words);
      if (code && !inCity) states.add(code);
    }
  }
  // A two-letter code counts in capitals right after a city or before a ZIP code ("Austin, TX 78701"),
  // so "or" and "in" in a sentence are not Oregon and Indiana.
  original.forEach((token, index) => {
    const afterCity = occurrences.some((city) => city.end === index);
    const beforeZip = /^\d{5}$/.test(original[index + 1] ?? '');
    if (/^[A-Z]{2}$/.test(token) && usStates[token] && (afterCity || beforeZip)) states.add(token);
  });

  for (const occurrence of [...occurrences].reverse()) {
    const candidates = citiesByKey.get(occurrence.key) ?? [];
    const inStates = states.size > 0 ? candidates.filter((city) => states.has(city.state)) : candidates;
    if (inStates.length === 1) return inStates[0];
    const atHome = inStates.filter((city) => city.state === homeState);
    if (atHome.length === 1) return atHome[0];
    // Twin cities across a state line (Kansas City, Missouri and Kansas) are one place for this check.
    const [first] = inStates;
    if (first && inStates.every((city) => distanceKm(city, first) < sameCityKm)) return first;
  }
  return undefined;
}
