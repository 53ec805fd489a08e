import { describe, expect, it } from 'vitest';
import { plan } from './plan.ts';
import { PLAN_MARKER, escapeMarkdown, renderMarkdown } from './render-markdown.ts';
import { renderJson } from './render-json.ts';
import { renderText } from './render-text.ts';
import type { Plan } from './types.ts';
import { FLEET, project, row, sealed, server } from './test/fixtures.ts';

const SECRET_BODY = 'U2VjcmV0VmFsdWVOZXZlclNob3du';

function samplePlan(): Plan {
  const smtp = (pass: string) => ({
    host: 'smtp.example.com',
    port: 587,
    user: 'apikey',
    pass,
    sender: 'no-reply@example.com',
  });
  return plan(
    {
      fleet: FLEET,
      projects: [
        project('acme'),
        project('blog', {
          auth: {
            site_url: 'https://blog.example',
            smtp: smtp(sealed('blog', 'auth.smtp.pass', SECRET_BODY)),
          },
        }),
        project('shop', { server: { type: 'cx32', location: 'fsn1' } }),
        project('same'),
      ],
    },
    {
      projects: [
        row(
          project('blog', {
            auth: { site_url: 'https://old|blog.example', smtp: smtp(sealed('blog', 'auth.smtp.pass')) },
          }),
        ),
        row(project('shop')),
        row(project('same')),
        row(project('vault', { protect: true })),
        row(project('old')),
      ],
      servers: [
        server('blog', { id: 1 }),
        server('shop', { id: 2 }),
        server('same', { id: 3 }),
        server('vault', { id: 4 }),
        server('old', { id: 5 }),
        server('ghost', { id: 6 }),
      ],
    },
    { prices: (t) => ({ cx22: 4, cx32: 7 })[t], currency: 'EUR' },
  );
}

describe('renderMarkdown', () => {
  it('when rendered, then the comment starts with the hidden marker', () => {
    expect(renderMarkdown(samplePlan()).split('\n')[0]).toBe(PLAN_MARKER);
  });

  it('when rendered, then it matches the reviewed layout', () => {
    expect(renderMarkdown(samplePlan())).toMatchSnapshot();
  });

  it('when a value holds a pipe or HTML, then it is escaped and cannot break the table', () => {
    const md = renderMarkdown(samplePlan());
    expect(md).toContain('old&#124;blog.example');
    expect(escapeMarkdown('<img src=x> | `x`')).toBe('&lt;img src=x&gt; &#124; \\`x\\`');
  });

  it('when the plan is longer than the limit, then steps are left out with a pointer', () => {
    const many = plan(
      {
        fleet: FLEET,
        projects: Array.from({ length: 400 }, (_, i) => project(`p${String(i).padStart(3, '0')}`)),
      },
      {
        projects: [],
        servers: [],
      },
    );
    const md = renderMarkdown(many, { maxLength: 5000 });
    expect(md.length).toBeLessThanOrEqual(5000);
    expect(md).toMatch(/…and \d+ more steps/);
  });
});

describe('renderText', () => {
  it('when rendered, then it matches the reviewed layout', () => {
    expect(renderText(samplePlan())).toMatchSnapshot();
  });
});

describe('renderJson', () => {
  it('when rendered, then it parses back with a version and sorted keys', () => {
    const text = renderJson(samplePlan());
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed.version).toBe(1);
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
  });
});

describe('no secret in any rendering', () => {
  it('when a sealed value changed, then no rendering contains its ciphertext', () => {
    const p = samplePlan();
    for (const out of [renderMarkdown(p), renderText(p), renderJson(p)]) {
      expect(out).not.toContain(SECRET_BODY);
      expect(out).not.toContain('sealed:v1:');
    }
  });
});
