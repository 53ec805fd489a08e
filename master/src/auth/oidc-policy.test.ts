import { describe, expect, it } from 'vitest';
import { workflowScope, type WorkflowClaims } from './oidc-policy.ts';

const wf = (file: string, ref = 'refs/heads/main', repo = 'acme-corp/fleet') =>
  `${repo}/.github/workflows/${file}@${ref}`;
/** What apply.yml's job gets on a push to main in the production environment. */
const apply: WorkflowClaims = {
  repository: 'acme-corp/fleet',
  ref: 'refs/heads/main',
  event_name: 'push',
  job_workflow_ref: wf('apply.yml'),
  environment: 'production',
};
const policy = { environment: 'production' };

describe('workflowScope', () => {
  it.each([
    { name: 'apply.yml on push', claims: {}, want: 'write' },
    { name: 'apply.yml on workflow_dispatch', claims: { event_name: 'workflow_dispatch' }, want: 'write' },
    {
      name: 'master.yml on workflow_dispatch',
      claims: { event_name: 'workflow_dispatch', job_workflow_ref: wf('master.yml') },
      want: 'write',
    },
    {
      name: 'the repository name in another case',
      claims: { job_workflow_ref: wf('apply.yml', 'refs/heads/main', 'Acme-Corp/Fleet') },
      want: 'write',
    },
    {
      name: 'backup.yml on schedule, no environment',
      claims: { event_name: 'schedule', job_workflow_ref: wf('backup.yml'), environment: '' },
      want: 'backup',
    },
    {
      name: 'backup.yml on workflow_dispatch',
      claims: { event_name: 'workflow_dispatch', job_workflow_ref: wf('backup.yml') },
      want: 'backup',
    },
    { name: 'backup.yml on push', claims: { job_workflow_ref: wf('backup.yml') }, want: 'read' },
    {
      name: 'health.yml on schedule',
      claims: { event_name: 'schedule', job_workflow_ref: wf('health.yml') },
      want: 'read',
    },
    {
      name: 'plan.yml on pull_request',
      claims: {
        event_name: 'pull_request',
        ref: 'refs/pull/7/merge',
        job_workflow_ref: wf('plan.yml', 'refs/pull/7/merge'),
      },
      want: 'read',
    },
    { name: 'apply.yml on pull_request_target', claims: { event_name: 'pull_request_target' }, want: 'read' },
    { name: 'apply.yml on schedule', claims: { event_name: 'schedule' }, want: 'read' },
    { name: 'apply.yml on issue_comment', claims: { event_name: 'issue_comment' }, want: 'read' },
    { name: 'apply.yml on workflow_run', claims: { event_name: 'workflow_run' }, want: 'read' },
    {
      name: 'apply.yml on a branch',
      claims: { ref: 'refs/heads/evil', job_workflow_ref: wf('apply.yml', 'refs/heads/evil') },
      want: 'read',
    },
    {
      name: "a branch's apply.yml called from main",
      claims: { job_workflow_ref: wf('apply.yml', 'refs/heads/evil') },
      want: 'read',
    },
    {
      name: "another repository's apply.yml",
      claims: { job_workflow_ref: wf('apply.yml', 'refs/heads/main', 'evil/tools') },
      want: 'read',
    },
    { name: 'a look-alike path', claims: { job_workflow_ref: wf('x/../apply.yml') }, want: 'read' },
    { name: 'apply.yml without environment', claims: { environment: '' }, want: 'read' },
    { name: 'apply.yml in staging', claims: { environment: 'staging' }, want: 'read' },
    { name: 'apply.yml in Production (case differs)', claims: { environment: 'Production' }, want: 'read' },
    { name: 'no job_workflow_ref', claims: { job_workflow_ref: '' }, want: 'read' },
    {
      name: 'no repository claim',
      claims: { repository: '', job_workflow_ref: '/.github/workflows/apply.yml@refs/heads/main' },
      want: 'read',
    },
  ])('when the token is from $name, then $want', ({ claims, want }) => {
    const d = workflowScope({ ...apply, ...claims }, policy);
    expect(d.scope).toBe(want);
    if (want !== 'write') expect(d.limitedBecause).toBeTruthy();
  });

  it('when write is refused for the environment, then the message names the one required', () => {
    expect(workflowScope({ ...apply, environment: 'staging' }, policy).limitedBecause).toMatch(
      /only in the "production" environment; this job ran in "staging"/,
    );
  });

  it('when the master is configured for another environment, then only that one writes', () => {
    expect(workflowScope(apply, { environment: 'prod-eu' }).scope).toBe('read');
    expect(workflowScope({ ...apply, environment: 'prod-eu' }, { environment: 'prod-eu' }).scope).toBe(
      'write',
    );
  });
});
