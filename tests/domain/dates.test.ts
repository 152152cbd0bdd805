import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chosenDate,
  dateOrderOfLocale,
  findDate,
  readDate,
  spokenDate,
  type DateOrder,
} from '../../src/domain/dates.js';

const now = new Date(2026, 10, 21, 12);

describe('findDate', () => {
  const unambiguous: readonly [string, string][] = [
    ['1988-04-12', '1988-04-12'],
    ['1988/04/12', '1988-04-12'],
    ['1988.4.12', '1988-04-12'],
    ['13/04/1988', '1988-04-13'],
    ['04/13/1988', '1988-04-13'],
    ['31.12.1999', '1999-12-31'],
    ['04/04/1988', '1988-04-04'],
    ['April 12, 1988', '1988-04-12'],
    ['Apr 12th 1988', '1988-04-12'],
    ['12 April 1988', '1988-04-12'],
    ['12-Apr-1988', '1988-04-12'],
    ['the 12th of April, 1988', '1988-04-12'],
    ['1988 April 12', '1988-04-12'],
    ['Sept. 3, 2025', '2025-09-03'],
    ['born 13/4/88', '1988-04-13'],
    ['yesterday', '2026-11-20'],
    ['3 days ago', '2026-11-18'],
  ];
  for (const order of [undefined, 'month_first', 'day_first'] as const) {
    for (const [text, date] of unambiguous) {
      it(`reads ${JSON.stringify(text)} as ${date} (${order ?? 'no locale'})`, () => {
        assert.equal(readDate(text, { now, ...(order ? { order } : {}) }), date);
      });
    }
  }

  const byOrder: readonly [string, DateOrder | undefined, string | [string, string]][] = [
    ['04/12/1988', 'month_first', '1988-04-12'],
    ['04/12/1988', 'day_first', '1988-12-04'],
    ['04/12/1988', undefined, ['1988-04-12', '1988-12-04']],
    ['12-04-1988', 'month_first', '1988-12-04'],
    ['12.04.1988', 'day_first', '1988-04-12'],
    // Dots are the day-first convention: a month-first locale does not decide them.
    ['12.04.1988', 'month_first', ['1988-04-12', '1988-12-04']],
    ['12.04.1988', undefined, ['1988-04-12', '1988-12-04']],
    ['04/05/88', undefined, ['1988-04-05', '1988-05-04']],
  ];
  for (const [text, order, expected] of byOrder) {
    it(`reads ${text} in a ${order ?? 'undecided'} locale as ${JSON.stringify(expected)}`, () => {
      const reading = findDate(text, { now, ...(order ? { order } : {}) });
      if (typeof expected === 'string') {
        assert.equal(reading?.kind === 'date' && reading.date, expected);
      } else {
        assert.deepEqual(reading?.kind === 'ambiguous' && reading.choices, expected);
      }
    });
  }

  it('finds nothing in impossible dates and years out of range', () => {
    for (const text of ['02/30/1988', '0088-04-12', '31/31/1988', 'sometime in spring', '1750-01-01']) {
      assert.equal(findDate(text, { now }), undefined, text);
    }
  });

  it('reads a date without a year only when asked to, as the latest such day not after today', () => {
    assert.equal(readDate('June 10', { now }), undefined);
    assert.equal(readDate('June 10', { now, yearless: true }), '2026-06-10');
    assert.equal(readDate('on the 24th of December', { now, yearless: true }), '2025-12-24');
  });

  it('says where the date was written', () => {
    const reading = findDate('AUT-100200 born 12/04/1988!', { now });
    assert.equal(reading?.index, 16);
    assert.equal(reading?.length, 10);
  });
});

describe('dateOrderOfLocale', () => {
  it('follows the locale region and does not guess without one', () => {
    assert.equal(dateOrderOfLocale('en-US'), 'month_first');
    assert.equal(dateOrderOfLocale('en-us'), 'month_first');
    assert.equal(dateOrderOfLocale('en-GB'), 'day_first');
    assert.equal(dateOrderOfLocale('de-DE'), 'day_first');
    assert.equal(dateOrderOfLocale('en'), undefined);
    assert.equal(dateOrderOfLocale('ja-JP'), undefined);
    assert.equal(dateOrderOfLocale('not a locale!'), undefined);
    assert.equal(dateOrderOfLocale(undefined), undefined);
  });
});

describe('chosenDate', () => {
  const choices = ['1988-05-04', '1988-04-05'] as const;
  it('takes the date, its position or its month', () => {
    assert.equal(spokenDate(choices[0]), '4 May 1988');
    assert.equal(chosenDate('4 May 1988', choices), choices[0]);
    assert.equal(chosenDate('April 5, 1988', choices), choices[1]);
    assert.equal(chosenDate('the second one', choices), choices[1]);
    assert.equal(chosenDate('1', choices), choices[0]);
    assert.equal(chosenDate('may', choices), choices[0]);
    assert.equal(chosenDate('no idea', choices), undefined);
    assert.equal(chosenDate('12 June 1988', choices), undefined);
  });
});
