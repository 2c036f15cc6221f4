// A disclosure policy promises reporters answers "within N days". A UK maker may mean working days,
// and then the promise stretches over weekends and the bank holidays of the maker's part of the UK,
// counted on the London clock, as a reporter there would count them. This module turns such a
// promise into a deadline, and a finished piece of work back into the days it took. It is pure:
// bank holidays are computed by rule from the Banking and Financial Dealings Act 1971 and the
// proclamations listed below, never fetched, so a deadline never depends on gov.uk being up.

export const dayBases = ['calendar', 'england-and-wales', 'scotland', 'northern-ireland'] as const;
export type DayBasis = (typeof dayBases)[number];
export type BankHolidayRegion = Exclude<DayBasis, 'calendar'>;

export const dayBasisLabels: Record<DayBasis, string> = {
  calendar: 'Calendar days',
  'england-and-wales': 'Business days (England and Wales bank holidays)',
  scotland: 'Business days (Scotland bank holidays)',
  'northern-ireland': 'Business days (Northern Ireland bank holidays)',
};

export interface BankHoliday {
  /** The London date the holiday is taken on, YYYY-MM-DD. */
  date: string;
  /** gov.uk's title; a holiday moved off a weekend is marked "(substitute day)", as gov.uk shows it. */
  name: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Dates are whole days since 1970-01-01 ("day numbers"), so stepping a day is `+ 1` and no time
// zone can shift them. Wall-clock readings are milliseconds since 1970-01-01T00:00 on that clock.

function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY;
}

function isoDate(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

function weekdayOf(day: number): number {
  return new Date(day * DAY).getUTCDay(); // 0 Sunday … 6 Saturday
}

function yearOf(day: number): number {
  return new Date(day * DAY).getUTCFullYear();
}

const isWeekend = (day: number): boolean => weekdayOf(day) === 0 || weekdayOf(day) === 6;

/** The day itself if it is Monday to Friday, else the Monday after. */
function weekdayOnOrAfter(day: number): number {
  let d = day;
  while (isWeekend(d)) d++;
  return d;
}

const firstMonday = (year: number, month: number): number => {
  const first = dayNumber(year, month, 1);
  return first + ((8 - weekdayOf(first)) % 7);
};

const lastMonday = (year: number, month: number): number => {
  const last = dayNumber(year, month + 1, 0);
  return last - ((weekdayOf(last) + 6) % 7);
};

/** Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const monthAndDay = h + l - 7 * m + 114;
  return dayNumber(year, Math.floor(monthAndDay / 31), (monthAndDay % 31) + 1);
}

interface Observed {
  day: number;
  name: string;
}

const observed = (name: string, nominal: number, day: number): Observed => ({ day, name: day === nominal ? name : `${name} (substitute day)` });

/**
 * Christmas and Boxing Day: one on a weekday keeps its day; one on a weekend takes the next weekday
 * the other has left free. So when Christmas is a Sunday, Boxing Day stays Monday 26 and Christmas
 * moves to Tuesday 27, as gov.uk lists it (2022).
 */
function christmasAndBoxingDay(year: number): Observed[] {
  const nominal: [string, number][] = [
    ['Christmas Day', dayNumber(year, 12, 25)],
    ['Boxing Day', dayNumber(year, 12, 26)],
  ];
  const taken = new Set(nominal.filter(([, day]) => !isWeekend(day)).map(([, day]) => day));
  return nominal.map(([name, day]) => {
    if (!isWeekend(day)) return observed(name, day, day);
    let moved = weekdayOnOrAfter(day);
    while (taken.has(moved)) moved = weekdayOnOrAfter(moved + 1);
    taken.add(moved);
    return observed(name, day, moved);
  });
}

/**
 * Scotland's New Year is two days taken in order: 2 January follows New Year's Day even when that
 * is itself a substitute. So 1 January on a Sunday gives New Year's Day on Monday 2 and 2 January
 * on Tuesday 3, as gov.uk lists it (2023) — unlike the Christmas pair, where the weekday keeps its name.
 */
function scottishNewYear(year: number): Observed[] {
  const first = dayNumber(year, 1, 1);
  const second = first + 1;
  const newYear = weekdayOnOrAfter(first);
  return [observed('New Year’s Day', first, newYear), observed('2nd January', second, weekdayOnOrAfter(Math.max(second, newYear + 1)))];
}

/** A fixed-date holiday that moves to the Monday after when it falls on a weekend. */
function mondayIfWeekend(name: string, year: number, month: number, day: number): Observed {
  const nominal = dayNumber(year, month, day);
  return observed(name, nominal, weekdayOnOrAfter(nominal));
}

/** The holidays the Act and the standing royal proclamations give every year. */
function standingHolidays(year: number, region: BankHolidayRegion): Observed[] {
  const easter = easterSunday(year);
  const holidays: Observed[] = [];
  if (region === 'scotland') holidays.push(...scottishNewYear(year));
  else holidays.push(mondayIfWeekend('New Year’s Day', year, 1, 1));
  if (region === 'northern-ireland') holidays.push(mondayIfWeekend('St Patrick’s Day', year, 3, 17));
  holidays.push({ day: easter - 2, name: 'Good Friday' });
  if (region !== 'scotland') holidays.push({ day: easter + 1, name: 'Easter Monday' });
  holidays.push({ day: firstMonday(year, 5), name: 'Early May bank holiday' });
  holidays.push({ day: lastMonday(year, 5), name: 'Spring bank holiday' });
  if (region === 'northern-ireland') holidays.push(mondayIfWeekend('Battle of the Boyne (Orangemen’s Day)', year, 7, 12));
  holidays.push({ day: region === 'scotland' ? firstMonday(year, 8) : lastMonday(year, 8), name: 'Summer bank holiday' });
  if (region === 'scotland') holidays.push(mondayIfWeekend('St Andrew’s Day', year, 11, 30));
  holidays.push(...christmasAndBoxingDay(year));
  return holidays;
}

interface Proclamation {
  date: string;
  name: string;
  /** The standing holiday of that year this one moves, if it moves one rather than adding a day. */
  replaces?: string;
}

/**
 * One-off changes by royal proclamation, each applied across the whole UK. Add new ones here when
 * they are proclaimed (usually months ahead); until then a deadline over such a day counts it as a
 * working day. Earlier ones (2011, 2012) are left out: no report in this product is that old.
 */
const proclamations: readonly Proclamation[] = [
  { date: '2020-05-08', name: 'Early May bank holiday (VE day)', replaces: 'Early May bank holiday' },
  { date: '2022-06-02', name: 'Spring bank holiday', replaces: 'Spring bank holiday' },
  { date: '2022-06-03', name: 'Platinum Jubilee bank holiday' },
  { date: '2022-09-19', name: 'Bank Holiday for the State Funeral of Queen Elizabeth II' },
  { date: '2023-05-08', name: 'Bank holiday for the coronation of King Charles III' },
];

// Deadlines step through the same few years again and again; each year is worked out once.
const holidaysByYear = new Map<string, ReadonlyMap<number, string>>();

function holidaysOf(year: number, region: BankHolidayRegion): ReadonlyMap<number, string> {
  const key = `${region}:${year}`;
  const cached = holidaysByYear.get(key);
  if (cached) return cached;
  let holidays = standingHolidays(year, region);
  for (const p of proclamations.filter((q) => q.date.startsWith(`${year}-`))) {
    if (p.replaces) holidays = holidays.filter((h) => h.name !== p.replaces);
    holidays.push({ day: parseDate(p.date), name: p.name });
  }
  const byDay = new Map([...holidays].sort((a, b) => a.day - b.day).map((h) => [h.day, h.name] as const));
  holidaysByYear.set(key, byDay);
  return byDay;
}

function parseDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const day = m ? dayNumber(Number(m[1]), Number(m[2]), Number(m[3])) : NaN;
  if (!Number.isFinite(day) || isoDate(day) !== date) throw new RangeError(`Expected a date as YYYY-MM-DD, got "${date}".`);
  return day;
}

function checkRegion(region: string): asserts region is BankHolidayRegion {
  if (region === 'calendar' || !(dayBases as readonly string[]).includes(region)) throw new RangeError(`No bank holidays for day basis "${region}".`);
}

/** The bank holidays of one year in one part of the UK, in date order. */
export function ukBankHolidays(year: number, region: BankHolidayRegion): BankHoliday[] {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`Expected a four-digit year, got ${year}.`);
  checkRegion(region);
  return [...holidaysOf(year, region)].map(([day, name]) => ({ date: isoDate(day), name }));
}

const isBusinessDayNumber = (day: number, region: BankHolidayRegion): boolean => !isWeekend(day) && !holidaysOf(yearOf(day), region).has(day);

/** Monday to Friday and not one of the region's bank holidays. */
export function isBusinessDay(date: string, region: BankHolidayRegion): boolean {
  checkRegion(region);
  return isBusinessDayNumber(parseDate(date), region);
}

// The London clock, read through Intl so that the BST rules come from the platform's time-zone
// data, not from a copy of them here.
const londonClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** What a London clock shows at an instant, as milliseconds since 1970-01-01T00:00 on that clock. */
function londonWallClock(instant: number): number {
  const parts = londonClock.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) + (instant - wholeSecond);
}

/**
 * The instant a London clock shows a reading. In the autumn hour that happens twice the earlier
 * (BST) instant is taken; a reading the spring change skips is read on the clock from before the
 * change, landing an hour later. Deadlines never meet either: the clocks change on Sundays at
 * 01:00 UTC, and deadlines fall on business days or at midnight.
 */
function londonInstant(wall: number): number {
  const offsetAt = (instant: number): number => londonWallClock(instant) - instant;
  const before = offsetAt(wall - DAY);
  const after = offsetAt(wall + DAY);
  const candidates = [wall - before, wall - after].sort((a, b) => a - b);
  return candidates.find((instant) => londonWallClock(instant) === wall) ?? wall - before;
}

function instantOf(date: Date, what: string): number {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${what} is not a valid date.`);
  return t;
}

/**
 * The deadline `days` promised days after `start`.
 *
 * Calendar days are exact 24-hour periods, whatever the clocks do. Business days give the reporter
 * the same amount of working time however the report arrives:
 * - arriving on a business day, it is due at the same London clock time `days` business days
 *   later (Wednesday 10:00 plus 2 is Friday 10:00; the weekend and bank holidays do not count);
 * - arriving on a weekend or bank holiday, the clock starts when the next business day does, and
 *   the report is due at the end (24:00 London) of the `days`th business day after the start —
 *   a report on Saturday with 1 business day is due at the end of Monday, 00:00 Tuesday.
 * Both are one rule: the deadline is the first instant by which `days` × 24 hours spent on
 * business days have passed. Zero days is due at once.
 */
export function addDays(start: Date, days: number, basis: DayBasis): Date {
  const from = instantOf(start, 'The start');
  if (!Number.isSafeInteger(days) || days < 0) throw new RangeError(`Expected a whole number of days, 0 or more, got ${days}.`);
  if (basis === 'calendar') return new Date(from + days * DAY);
  checkRegion(basis);
  if (days === 0) return new Date(from);
  const wall = londonWallClock(from);
  const startDay = Math.floor(wall / DAY);
  let day = startDay;
  for (let counted = 0; counted < days; ) {
    day++;
    if (isBusinessDayNumber(day, basis)) counted++;
  }
  if (isBusinessDayNumber(startDay, basis)) return new Date(londonInstant(day * DAY + (wall - startDay * DAY)));
  return new Date(londonInstant((day + 1) * DAY));
}

/**
 * How many whole promised days lie between two instants, counted as `addDays` counts them: the
 * largest n with addDays(from, n, basis) <= to. A report triaged after 2 days 23 hours took 2
 * days. When `to` is before `from` the count is negative: -elapsedDays(to, from, basis).
 */
export function elapsedDays(from: Date, to: Date, basis: DayBasis): number {
  const start = instantOf(from, 'The start');
  const end = instantOf(to, 'The end');
  if (end < start) return -elapsedDays(to, from, basis);
  if (basis === 'calendar') return Math.floor((end - start) / DAY);
  checkRegion(basis);
  const startWall = londonWallClock(start);
  const startDay = Math.floor(startWall / DAY);
  const endDay = Math.floor(londonWallClock(end) / DAY);
  // Each business day strictly between the two dates completes one promised day: from a business
  // day it ends at the start's clock time on it, from any other day it ends when that day does.
  let days = 0;
  for (let day = startDay + 1; day < endDay; day++) if (isBusinessDayNumber(day, basis)) days++;
  // The end's own date completes one more only from a business-day start, once its clock time is reached.
  const startsOnBusinessDay = isBusinessDayNumber(startDay, basis);
  if (endDay > startDay && startsOnBusinessDay && isBusinessDayNumber(endDay, basis) && londonInstant(endDay * DAY + (startWall - startDay * DAY)) <= end) days++;
  return days;
}
