import { describe, expect, it } from 'vitest';
import { formatSelector, matchesSelector, parseSelector } from './label-selector.ts';

const LABELS = {
  'supafleet/fleet': 'demo',
  'supafleet/project': 'acme',
  'supafleet/role': 'worker',
  tier: '',
};

describe('label selectors', () => {
  const cases: [string, string, boolean][] = [
    ['equality', 'supafleet/fleet=demo', true],
    ['double equals', 'supafleet/fleet==demo', true],
    ['equality with another value', 'supafleet/fleet=other', false],
    ['inequality', 'supafleet/fleet!=other', true],
    ['inequality of an absent key', 'missing!=x', true],
    ['existence', 'supafleet/role', true],
    ['existence of an absent key', 'missing', false],
    ['absence', '!missing', true],
    ['absence of a present key', '!supafleet/role', false],
    ['in a set', 'supafleet/project in (acme,blog)', true],
    ['not in the set', 'supafleet/project in (blog,shop)', false],
    ['notin a set', 'supafleet/project notin (blog, shop)', true],
    ['notin with the value', 'supafleet/project notin (acme)', false],
    ['an empty value', 'tier=', true],
    ['AND of several, one failing', 'supafleet/fleet=demo,supafleet/project in (x,y),supafleet/role', false],
    ['AND of several, all holding', 'supafleet/fleet=demo, supafleet/project in (acme,y), !gone', true],
    ['the empty selector', '', true],
  ];
  for (const [what, selector, want] of cases) {
    it(`when the selector is ${what} (${selector}), then it ${want ? 'matches' : 'does not match'}`, () => {
      expect(matchesSelector(LABELS, parseSelector(selector))).toBe(want);
    });
  }

  it('when a selector is malformed, then parsing fails naming it', () => {
    expect(() => parseSelector('a in ()')).toThrow(/invalid label selector "a in \(\)"/);
    expect(() => parseSelector('a=b c')).toThrow(/invalid label selector/);
  });

  it('when labels are formatted, then keys come sorted', () => {
    expect(formatSelector({ b: '2', a: '1' })).toBe('a=1,b=2');
  });
});
