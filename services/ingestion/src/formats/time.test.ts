import { describe, expect, it } from 'vitest';
import { isoInZone, parseWallTime, resolveCallTimes, switchTimeZone, wallTimeInstants } from './time.js';

const rome = switchTimeZone('Europe/Rome');
const iso = (ms: number[]) => ms.map((m) => new Date(m).toISOString());

describe('wallTimeInstants', () => {
  it.each([
    ['an ordinary summer time', '2026-07-01 12:00:00', ['2026-07-01T10:00:00.000Z']],
    ['an ordinary winter time', '2026-01-15 12:00:00', ['2026-01-15T11:00:00.000Z']],
    ['the last minute before the spring gap', '2026-03-29 01:59:59', ['2026-03-29T00:59:59.000Z']],
    ['inside the spring gap: never happened', '2026-03-29 02:30:00', []],
    ['the first minute after the spring gap', '2026-03-29 03:00:00', ['2026-03-29T01:00:00.000Z']],
    ['inside the repeated autumn hour: twice', '2026-10-25 02:30:00', ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']],
    ['just after the repeated hour', '2026-10-25 03:00:00', ['2026-10-25T02:00:00.000Z']],
  ])('%s', (_name, text, expected) => {
    const wall = parseWallTime(text);
    if (!wall) throw new Error('unreadable');
    expect(iso(wallTimeInstants(wall, rome))).toEqual(expected);
  });

  it('parseWallTime refuses impossible dates and other shapes', () => {
    expect(parseWallTime('2026-02-30 10:00:00')).toBeNull();
    expect(parseWallTime('2026-10-05 24:00:00')).toBeNull();
    expect(parseWallTime('05/10/2026 10:00:00')).toBeNull();
    expect(parseWallTime('2026-10-05T10:00:00')).not.toBeNull();
  });
});

describe('resolveCallTimes', () => {
  const first = Date.UTC(2026, 9, 25, 0, 30); // 02:30 +02:00
  const second = Date.UTC(2026, 9, 25, 1, 30); // 02:30 +01:00
  it('keeps the first occurrence when nothing tells them apart', () => {
    expect(resolveCallTimes({ start: [first, second], answer: null, end: null })).toMatchObject({ start: first, ordered: true });
  });
  it('lets the duration choose', () => {
    const start = Date.UTC(2026, 9, 25, 0, 0);
    expect(resolveCallTimes({ start: [start], answer: null, end: [first, second], durationSeconds: 5400 })).toMatchObject({ end: second });
  });
  it('says when no choice is in order', () => {
    expect(resolveCallTimes({ start: [second], answer: null, end: [first] }).ordered).toBe(false);
  });
});

describe('zones with half-hour offsets and half-hour DST (Australia/Lord_Howe: +10:30 / +11:00)', () => {
  const lordHowe = switchTimeZone('Australia/Lord_Howe');
  it('the repeated half hour of April has two instants, and each is written with its own offset', () => {
    const wall = parseWallTime('2026-04-05 01:45:00');
    if (!wall) throw new Error('unreadable');
    const instants = wallTimeInstants(wall, lordHowe);
    expect(instants.map((ms) => isoInZone(ms, lordHowe))).toEqual(['2026-04-05T01:45:00+11:00', '2026-04-05T01:45:00+10:30']);
  });
  it('Kathmandu is +05:45 all year', () => {
    expect(isoInZone(Date.UTC(2026, 0, 1, 0, 0), switchTimeZone('Asia/Kathmandu'))).toBe('2026-01-01T05:45:00+05:45');
  });
});

describe('isoInZone', () => {
  it('writes the offset of the instant, and Z for UTC itself', () => {
    expect(isoInZone(Date.UTC(2026, 9, 5, 8), rome)).toBe('2026-10-05T10:00:00+02:00');
    expect(isoInZone(Date.UTC(2026, 11, 5, 8), switchTimeZone('Europe/London'))).toBe('2026-12-05T08:00:00+00:00');
    expect(isoInZone(Date.UTC(2026, 11, 5, 8), switchTimeZone('UTC'))).toBe('2026-12-05T08:00:00Z');
  });
});
