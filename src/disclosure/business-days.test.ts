import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDays, dayBases, dayBasisLabels, elapsedDays, isBusinessDay, ukBankHolidays, type BankHolidayRegion, type DayBasis } from './business-days.ts';

const at = (iso: string): Date => new Date(iso);
const iso = (date: Date): string => date.toISOString();

// The lists gov.uk publishes (www.gov.uk/bank-holidays), as month-day per year.
const published: Record<BankHolidayRegion, Record<number, string>> = {
  'england-and-wales': {
    2018: '01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26',
    2019: '01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26',
    2020: '01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28',
    2021: '01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28',
    2022: '01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27',
    2023: '01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26',
    2024: '01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26',
    2025: '01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26',
    2026: '01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28',
    2027: '01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28',
  },
  scotland: {
    2018: '01-01 01-02 03-30 05-07 05-28 08-06 11-30 12-25 12-26',
    2019: '01-01 01-02 04-19 05-06 05-27 08-05 12-02 12-25 12-26',
    2020: '01-01 01-02 04-10 05-08 05-25 08-03 11-30 12-25 12-28',
    2021: '01-01 01-04 04-02 05-03 05-31 08-02 11-30 12-27 12-28',
    2022: '01-03 01-04 04-15 05-02 06-02 06-03 08-01 09-19 11-30 12-26 12-27',
    2023: '01-02 01-03 04-07 05-01 05-08 05-29 08-07 11-30 12-25 12-26',
    2024: '01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26',
    2025: '01-01 01-02 04-18 05-05 05-26 08-04 12-01 12-25 12-26',
    2026: '01-01 01-02 04-03 05-04 05-25 08-03 11-30 12-25 12-28',
  },
  'northern-ireland': {
    2019: '01-01 03-18 04-19 04-22 05-06 05-27 07-12 08-26 12-25 12-26',
    2020: '01-01 03-17 04-10 04-13 05-08 05-25 07-13 08-31 12-25 12-28',
    2021: '01-01 03-17 04-02 04-05 05-03 05-31 07-12 08-30 12-27 12-28',
    2022: '01-03 03-17 04-15 04-18 05-02 06-02 06-03 07-12 08-29 09-19 12-26 12-27',
    2023: '01-02 03-17 04-07 04-10 05-01 05-08 05-29 07-12 08-28 12-25 12-26',
    2024: '01-01 03-18 03-29 04-01 05-06 05-27 07-12 08-26 12-25 12-26',
    2025: '01-01 03-17 04-18 04-21 05-05 05-26 07-14 08-25 12-25 12-26',
    2026: '01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28',
  },
};

test('every day basis has a label a maker can choose from', () => {
  assert.deepEqual(Object.keys(dayBasisLabels), [...dayBases]);
  assert.equal(dayBasisLabels.calendar, 'Calendar days');
  assert.equal(dayBasisLabels['england-and-wales'], 'Business days (England and Wales bank holidays)');
  assert.equal(dayBasisLabels.scotland, 'Business days (Scotland bank holidays)');
  assert.equal(dayBasisLabels['northern-ireland'], 'Business days (Northern Ireland bank holidays)');
});

test('the bank holidays computed by rule are the ones gov.uk publishes, for every region and year listed', () => {
  for (const [region, years] of Object.entries(published) as [BankHolidayRegion, Record<number, string>][]) {
    for (const [year, days] of Object.entries(years)) {
      const expected = days.split(' ').map((monthDay) => `${year}-${monthDay}`);
      assert.deepEqual(
        ukBankHolidays(Number(year), region).map((h) => h.date),
        expected,
        `${region} ${year}`,
      );
    }
  }
});

test('2026 as published: England and Wales, Scotland (2 January, first Monday of August, St Andrew’s Day), Northern Ireland (St Patrick’s Day, the Boyne moved off a Sunday)', () => {
  assert.deepEqual(ukBankHolidays(2026, 'england-and-wales'), [
    { date: '2026-01-01', name: 'New Year’s Day' },
    { date: '2026-04-03', name: 'Good Friday' },
    { date: '2026-04-06', name: 'Easter Monday' },
    { date: '2026-05-04', name: 'Early May bank holiday' },
    { date: '2026-05-25', name: 'Spring bank holiday' },
    { date: '2026-08-31', name: 'Summer bank holiday' },
    { date: '2026-12-25', name: 'Christmas Day' },
    { date: '2026-12-28', name: 'Boxing Day (substitute day)' },
  ]);
  assert.deepEqual(
    ukBankHolidays(2026, 'scotland').map((h) => `${h.date} ${h.name}`),
    [
      '2026-01-01 New Year’s Day',
      '2026-01-02 2nd January',
      '2026-04-03 Good Friday',
      '2026-05-04 Early May bank holiday',
      '2026-05-25 Spring bank holiday',
      '2026-08-03 Summer bank holiday',
      '2026-11-30 St Andrew’s Day',
      '2026-12-25 Christmas Day',
      '2026-12-28 Boxing Day (substitute day)',
    ],
  );
  const ni = ukBankHolidays(2026, 'northern-ireland');
  assert.deepEqual(ni.find((h) => h.date === '2026-03-17'), { date: '2026-03-17', name: 'St Patrick’s Day' });
  assert.deepEqual(ni.find((h) => h.date === '2026-07-13'), { date: '2026-07-13', name: 'Battle of the Boyne (Orangemen’s Day) (substitute day)' }, '12 July 2026 is a Sunday');
});

test('a holiday on a weekend moves to the next free weekday, named as gov.uk names it', () => {
  const names = (year: number, region: BankHolidayRegion, from: string, to: string) =>
    ukBankHolidays(year, region)
      .filter((h) => h.date >= from && h.date <= to)
      .map((h) => `${h.date} ${h.name}`);
  assert.deepEqual(names(2022, 'england-and-wales', '2022-12-01', '2022-12-31'), ['2022-12-26 Boxing Day', '2022-12-27 Christmas Day (substitute day)'], 'Christmas on a Sunday: Boxing Day keeps Monday');
  assert.deepEqual(names(2021, 'england-and-wales', '2021-12-01', '2021-12-31'), ['2021-12-27 Christmas Day (substitute day)', '2021-12-28 Boxing Day (substitute day)'], 'Christmas on a Saturday');
  assert.deepEqual(names(2023, 'scotland', '2023-01-01', '2023-01-31'), ['2023-01-02 New Year’s Day (substitute day)', '2023-01-03 2nd January (substitute day)'], 'in Scotland 2 January follows New Year’s Day');
  assert.deepEqual(names(2022, 'scotland', '2022-01-01', '2022-01-31'), ['2022-01-03 New Year’s Day (substitute day)', '2022-01-04 2nd January (substitute day)']);
  assert.deepEqual(names(2021, 'scotland', '2021-01-01', '2021-01-31'), ['2021-01-01 New Year’s Day', '2021-01-04 2nd January (substitute day)']);
  assert.deepEqual(names(2025, 'scotland', '2025-11-01', '2025-12-01'), ['2025-12-01 St Andrew’s Day (substitute day)']);
  assert.deepEqual(names(2024, 'northern-ireland', '2024-03-01', '2024-03-20'), ['2024-03-18 St Patrick’s Day (substitute day)']);
});

test('one-off bank holidays by proclamation: VE Day 2020, the Platinum Jubilee and the State Funeral 2022, the Coronation 2023', () => {
  for (const region of ['england-and-wales', 'scotland', 'northern-ireland'] as const) {
    const named = (year: number) => new Map(ukBankHolidays(year, region).map((h) => [h.date, h.name]));
    assert.equal(named(2020).get('2020-05-08'), 'Early May bank holiday (VE day)', region);
    assert.equal(named(2020).has('2020-05-04'), false, `${region}: the first Monday in May 2020 was a working day`);
    assert.equal(named(2022).get('2022-06-02'), 'Spring bank holiday', region);
    assert.equal(named(2022).has('2022-05-30'), false, `${region}: the last Monday in May 2022 was a working day`);
    assert.equal(named(2022).get('2022-06-03'), 'Platinum Jubilee bank holiday', region);
    assert.equal(named(2022).get('2022-09-19'), 'Bank Holiday for the State Funeral of Queen Elizabeth II', region);
    assert.equal(named(2023).get('2023-05-08'), 'Bank holiday for the coronation of King Charles III', region);
    assert.equal(named(2023).get('2023-05-01'), 'Early May bank holiday', `${region}: the Coronation was an extra day`);
  }
});

test('Easter is found at both ends of its range: 22 March (2285) and 25 April (2038)', () => {
  const dates = (year: number) => ukBankHolidays(year, 'england-and-wales').map((h) => `${h.date} ${h.name}`);
  assert.ok(dates(2285).includes('2285-03-20 Good Friday'));
  assert.ok(dates(2285).includes('2285-03-23 Easter Monday'));
  assert.ok(dates(2038).includes('2038-04-23 Good Friday'));
  assert.ok(dates(2038).includes('2038-04-26 Easter Monday'));
});

test('a business day is a weekday that is not a bank holiday where the maker is', () => {
  assert.equal(isBusinessDay('2026-03-16', 'england-and-wales'), true, 'an ordinary Monday');
  assert.equal(isBusinessDay('2026-03-14', 'england-and-wales'), false, 'Saturday');
  assert.equal(isBusinessDay('2026-03-15', 'scotland'), false, 'Sunday');
  assert.equal(isBusinessDay('2026-04-06', 'england-and-wales'), false, 'Easter Monday');
  assert.equal(isBusinessDay('2026-04-06', 'scotland'), true, 'Easter Monday is not a Scottish bank holiday');
  assert.equal(isBusinessDay('2026-08-03', 'scotland'), false);
  assert.equal(isBusinessDay('2026-08-03', 'england-and-wales'), true);
  assert.equal(isBusinessDay('2026-08-31', 'scotland'), true);
  assert.equal(isBusinessDay('2026-03-17', 'northern-ireland'), false);
  assert.equal(isBusinessDay('2026-03-17', 'england-and-wales'), true);
  assert.equal(isBusinessDay('2026-07-13', 'northern-ireland'), false);
  assert.equal(isBusinessDay('2026-12-28', 'northern-ireland'), false);
  assert.throws(() => isBusinessDay('2026-02-30', 'scotland'), RangeError);
  assert.throws(() => isBusinessDay('26-03-16', 'scotland'), /YYYY-MM-DD/);
  assert.throws(() => isBusinessDay('2026-03-16', 'calendar' as BankHolidayRegion), RangeError);
  assert.throws(() => ukBankHolidays(2026.5, 'scotland'), RangeError);
});

test('calendar days are exact 24-hour periods, even across a change of the clocks', () => {
  assert.equal(iso(addDays(at('2026-03-28T12:00:00Z'), 1, 'calendar')), '2026-03-29T12:00:00.000Z');
  assert.equal(iso(addDays(at('2026-03-01T09:30:15.250Z'), 30, 'calendar')), '2026-03-31T09:30:15.250Z');
  assert.equal(iso(addDays(at('2026-12-24T17:00:00Z'), 7, 'calendar')), '2026-12-31T17:00:00.000Z', 'holidays count as days');
  assert.equal(elapsedDays(at('2026-03-01T00:00:00Z'), at('2026-03-08T00:00:00Z'), 'calendar'), 7);
  assert.equal(elapsedDays(at('2026-03-01T00:00:00Z'), at('2026-03-07T23:59:59.999Z'), 'calendar'), 6);
});

test('a report on a business day is due at the same London time, that many business days later', () => {
  // Monday 18 May 2026, 09:00 BST; a 7-day triage promise skips the weekend and Spring bank holiday.
  assert.equal(iso(addDays(at('2026-05-18T08:00:00Z'), 7, 'england-and-wales')), '2026-05-28T08:00:00.000Z');
  assert.equal(iso(addDays(at('2026-05-18T08:00:00Z'), 7, 'calendar')), '2026-05-25T08:00:00.000Z');
  // Friday 23:30 plus one business day is Monday 23:30.
  assert.equal(iso(addDays(at('2026-02-06T23:30:00Z'), 1, 'scotland')), '2026-02-09T23:30:00.000Z');
});

test('Easter 2026: England and Wales skip Good Friday and Easter Monday, Scotland only Good Friday', () => {
  const wednesday = at('2026-04-01T09:00:00Z'); // 10:00 BST
  assert.equal(iso(addDays(wednesday, 2, 'england-and-wales')), '2026-04-07T09:00:00.000Z');
  assert.equal(iso(addDays(wednesday, 2, 'northern-ireland')), '2026-04-07T09:00:00.000Z');
  assert.equal(iso(addDays(wednesday, 2, 'scotland')), '2026-04-06T09:00:00.000Z');
});

test('Christmas and New Year 2026: the substitute Boxing Day and Scotland’s 2 January both count as holidays', () => {
  const christmasEve = at('2026-12-24T15:00:00Z');
  assert.equal(iso(addDays(christmasEve, 1, 'england-and-wales')), '2026-12-29T15:00:00.000Z');
  const newYearsEve = at('2026-12-31T09:00:00Z');
  assert.equal(iso(addDays(newYearsEve, 1, 'england-and-wales')), '2027-01-04T09:00:00.000Z');
  assert.equal(iso(addDays(newYearsEve, 1, 'scotland')), '2027-01-05T09:00:00.000Z', '2 January 2027 is a Saturday, so Scotland takes Monday 4th');
});

test('across the change to BST (29 March 2026) and back to GMT (25 October 2026) the London clock time is kept', () => {
  // Friday 27 March 09:00 GMT → Monday 30 March 09:00 BST: 71 hours later, not 72.
  assert.equal(iso(addDays(at('2026-03-27T09:00:00Z'), 1, 'england-and-wales')), '2026-03-30T08:00:00.000Z');
  // Friday 23 October 09:00 BST → Monday 26 October 09:00 GMT: 73 hours later.
  assert.equal(iso(addDays(at('2026-10-23T08:00:00Z'), 1, 'england-and-wales')), '2026-10-26T09:00:00.000Z');
  assert.equal(elapsedDays(at('2026-10-23T08:00:00Z'), at('2026-10-26T08:59:59.999Z'), 'england-and-wales'), 0);
  assert.equal(elapsedDays(at('2026-10-23T08:00:00Z'), at('2026-10-26T09:00:00Z'), 'england-and-wales'), 1);
});

test('a report on a weekend or bank holiday is due at the end of the Nth business day after it', () => {
  // Saturday 7 March 2026 (GMT): 1 business day is all of Monday, due 00:00 Tuesday London.
  assert.equal(iso(addDays(at('2026-03-07T14:00:00Z'), 1, 'england-and-wales')), '2026-03-10T00:00:00.000Z');
  // Saturday 6 June 2026 (BST): due at 24:00 BST on Monday, which is 23:00 UTC.
  assert.equal(iso(addDays(at('2026-06-06T10:00:00Z'), 1, 'england-and-wales')), '2026-06-08T23:00:00.000Z');
  // Five business days from a Sunday end with Friday, not the following Monday morning.
  assert.equal(iso(addDays(at('2026-06-07T10:00:00Z'), 5, 'england-and-wales')), '2026-06-12T23:00:00.000Z');
  // Good Friday 2026: Easter Monday is a holiday too, so Tuesday is the first business day.
  assert.equal(iso(addDays(at('2026-04-03T10:00:00Z'), 1, 'england-and-wales')), '2026-04-07T23:00:00.000Z');
  assert.equal(iso(addDays(at('2026-04-03T10:00:00Z'), 1, 'scotland')), '2026-04-06T23:00:00.000Z');
});

test('the London date decides: 00:30 on Saturday in London is a weekend report though it is still Friday in UTC', () => {
  const saturdayInLondon = at('2026-06-05T23:30:00Z');
  assert.equal(iso(addDays(saturdayInLondon, 1, 'england-and-wales')), '2026-06-08T23:00:00.000Z');
  const fridayInLondon = at('2026-06-05T22:30:00Z'); // 23:30 BST on Friday
  assert.equal(iso(addDays(fridayInLondon, 1, 'england-and-wales')), '2026-06-08T22:30:00.000Z');
});

test('zero days is due at once; a negative or fractional count, or an invalid date, is refused', () => {
  for (const basis of dayBases) assert.equal(iso(addDays(at('2026-03-07T14:00:00Z'), 0, basis)), '2026-03-07T14:00:00.000Z', basis);
  assert.throws(() => addDays(at('2026-03-07T14:00:00Z'), -1, 'scotland'), RangeError);
  assert.throws(() => addDays(at('2026-03-07T14:00:00Z'), 1.5, 'calendar'), RangeError);
  assert.throws(() => addDays(new Date(Number.NaN), 1, 'calendar'), /not a valid date/);
  assert.throws(() => elapsedDays(at('2026-03-07T14:00:00Z'), new Date(Number.NaN), 'scotland'), /not a valid date/);
});

test('elapsed days count whole promised days, as addDays counts them', () => {
  const wednesday = at('2026-04-01T09:00:00Z'); // 10:00 BST, before Easter
  assert.equal(elapsedDays(wednesday, at('2026-04-01T20:00:00Z'), 'england-and-wales'), 0);
  assert.equal(elapsedDays(wednesday, at('2026-04-02T09:00:00Z'), 'england-and-wales'), 1);
  assert.equal(elapsedDays(wednesday, at('2026-04-07T08:59:59.999Z'), 'england-and-wales'), 1, 'the Easter weekend does not count');
  assert.equal(elapsedDays(wednesday, at('2026-04-07T09:00:00Z'), 'england-and-wales'), 2);
  assert.equal(elapsedDays(wednesday, at('2026-04-07T09:00:00Z'), 'calendar'), 6);
  const saturday = at('2026-03-07T14:00:00Z');
  assert.equal(elapsedDays(saturday, at('2026-03-09T23:59:59.999Z'), 'england-and-wales'), 0);
  assert.equal(elapsedDays(saturday, at('2026-03-10T00:00:00Z'), 'england-and-wales'), 1);
  assert.equal(elapsedDays(at('2026-04-07T09:00:00Z'), wednesday, 'england-and-wales'), -2, 'reversed, the count is negative');
});

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

test('elapsedDays undoes addDays: n days after any start, exactly n have elapsed, and a moment earlier n - 1', () => {
  const random = seededRandom(20260329);
  const first = Date.parse('2019-01-01T00:00:00Z');
  const last = Date.parse('2031-01-01T00:00:00Z');
  for (let i = 0; i < 3000; i++) {
    const start = new Date(first + Math.floor(random() * (last - first)));
    const days = Math.floor(random() * 60);
    const basis = dayBases[Math.floor(random() * dayBases.length)] as DayBasis;
    const due = addDays(start, days, basis);
    const label = `${iso(start)} + ${days} ${basis} = ${iso(due)}`;
    assert.equal(elapsedDays(start, due, basis), days, label);
    if (days > 0) {
      assert.equal(elapsedDays(start, new Date(due.getTime() - 1), basis), days - 1, label);
      assert.ok(due.getTime() > addDays(start, days - 1, basis).getTime(), `${label}: each day more is later`);
    }
  }
});
