import { describe, expect, it } from 'vitest';
import {
  hasFleetLabels,
  labelKeyProblem,
  labelValueProblem,
  projectWorkerSelector,
  workerLabels,
  workerServerName,
} from './labels.ts';

describe('fleet names and labels', () => {
  it('when a worker is named, then the name is <fleet>-<project>', () => {
    expect(workerServerName('demo', 'acme')).toBe('demo-acme');
  });

  it('when a worker is labelled, then it carries fleet, project and role', () => {
    expect(workerLabels('demo', 'acme')).toEqual({
      'supafleet/fleet': 'demo',
      'supafleet/project': 'acme',
      'supafleet/role': 'worker',
    });
    expect(projectWorkerSelector('demo', 'acme')).toBe(
      'supafleet/fleet=demo,supafleet/project=acme,supafleet/role=worker',
    );
  });

  const guards: [string, Record<string, string>, boolean][] = [
    ['all three labels', workerLabels('demo', 'acme'), true],
    ['another fleet', workerLabels('other', 'acme'), false],
    ['another project', workerLabels('demo', 'blog'), false],
    ['no role', { 'supafleet/fleet': 'demo', 'supafleet/project': 'acme' }, false],
    ['a worker without project', { 'supafleet/fleet': 'demo', 'supafleet/role': 'worker' }, false],
    ['no labels', {}, false],
  ];
  for (const [what, labels, want] of guards) {
    it(`when a server has ${what}, then the guard ${want ? 'passes' : 'refuses'}`, () => {
      expect(hasFleetLabels(labels, { fleet: 'demo', project: 'acme', role: 'worker' })).toBe(want);
    });
  }

  const keys: [string, boolean][] = [
    ['supafleet/fleet', true],
    ['simple', true],
    ['hetzner.cloud/x', false],
    ['-bad', false],
    ['a'.repeat(64), false],
    ['Bad_Prefix/x', false],
  ];
  for (const [key, ok] of keys) {
    it(`when the label key is "${key.slice(0, 20)}", then it is ${ok ? 'valid' : 'refused'}`, () => {
      expect(labelKeyProblem(key) === undefined).toBe(ok);
    });
  }

  it('when a label value is empty or well formed, then it is valid; otherwise refused', () => {
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('a.b-c_d')).toBeUndefined();
    expect(labelValueProblem('bad value')).toMatch(/label value "bad value"/);
  });
});
