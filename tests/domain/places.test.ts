import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distanceKm } from '../../src/files/evidence.js';
import { resolveLocation } from '../../src/domain/places.js';

const matched = (location: string, context?: Parameters<typeof resolveLocation>[1]) =>
  resolveLocation(location, context)?.matched;

describe('stated locations', () => {
  it('takes coordinates as typed', () => {
    assert.deepEqual(resolveLocation('30.2672, -97.7431'), {
      latitude: 30.2672,
      longitude: -97.7431,
      matched: '30.2672, -97.7431',
    });
  });

  it('finds the city of a street address, an intersection or a landmark', () => {
    assert.equal(matched('Lamar Blvd & 5th St, Austin, TX'), 'Austin, TX');
    assert.equal(matched('I-35 near Round Rock'), 'Round Rock, TX');
    assert.equal(matched('the Walmart parking lot in north Las Vegas'), 'North Las Vegas, NV');
    assert.equal(matched('outside the stadium in st. louis'), 'St. Louis, MO');
    assert.equal(matched('Saint Paul'), 'St. Paul, MN');
    assert.equal(matched('downtown winston salem'), 'Winston-Salem, NC');
    const austin = resolveLocation('Austin')!;
    assert.ok(distanceKm(austin, { latitude: 30.2672, longitude: -97.7431 }) < 2);
  });

  it('tells same-named cities apart by the state the customer gives, as a code or a name', () => {
    assert.equal(matched('Portland, OR'), 'Portland, OR');
    assert.equal(matched('Congress St, Portland, ME 04101'), 'Portland, ME');
    assert.equal(matched('Portland, Maine'), 'Portland, ME');
    assert.equal(matched('Springfield, Illinois'), 'Springfield, IL');
    assert.equal(matched('Buffalo, New York'), 'Buffalo, NY');
    assert.equal(matched('Pike Place Market, Seattle, Washington'), 'Seattle, WA');
    assert.equal(matched('Times Square, New York'), 'New York, NY');
    assert.equal(matched('the Mall, Washington, D.C.'), 'Washington, DC');
  });

  it("without a state, takes the one in the customer's state, and otherwise does not guess", () => {
    assert.equal(matched('Portland'), undefined);
    assert.equal(matched('Portland', { home: { city: 'Bangor', region: 'ME' } }), 'Portland, ME');
    assert.equal(matched('Portland', { home: { city: 'Eugene', region: 'Oregon' } }), 'Portland, OR');
    // Kansas City, Missouri and Kansas City, Kansas are one place for the distance check.
    assert.match(matched('Kansas City') ?? '', /^Kansas City, (KS|MO)$/);
    assert.equal(matched('Kansas City', { home: { city: 'Columbia', region: 'MO' } }), 'Kansas City, MO');
  });

  it('does not take a street or a word of a sentence for a place', () => {
    assert.equal(matched('123 Washington St'), undefined);
    assert.equal(matched('Lincoln Ave and 3rd'), undefined);
    // "or" and "in" in lower case are words, not Oregon and Indiana.
    assert.equal(matched('in the lot or on the street in Salem'), undefined);
    assert.equal(matched('somewhere on the highway'), undefined);
    assert.equal(resolveLocation(undefined), undefined);
  });

  it("uses the customer's address on file for a loss at home, or any loss on a home policy", () => {
    const home = { city: 'Austin', region: 'TX' };
    assert.equal(matched('at home, in the driveway', { home }), "the customer's address (Austin, TX)");
    assert.equal(matched('my garage', { home }), "the customer's address (Austin, TX)");
    assert.equal(matched('kitchen', { home, insuredAtHome: true }), "the customer's address (Austin, TX)");
    assert.equal(matched('kitchen', { home }), undefined);
    // A place the customer names comes first, even on a home policy.
    assert.equal(matched('our cabin in Flagstaff', { home, insuredAtHome: true }), 'Flagstaff, AZ');
    assert.equal(matched('at home', { home: { city: 'Smallville', region: 'KS' } }), undefined);
  });
});
