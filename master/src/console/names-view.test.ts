import { describe, expect, it } from 'vitest';
import type { FleetSpec } from '../../../core/spec/types.ts';
import { namesView } from './names-view.ts';

const fleet = {
  name: 'prod',
  domain: 'example.com',
  github: { repository: 'acme-corp/fleet', repository_id: 1, owner_id: 2 },
} as FleetSpec;

describe('namesView (the New project form data)', () => {
  it('when the registry holds active and deleted projects, then the active ones are listed by name with their subdomains', () => {
    const view = namesView(fleet, [
      { name: 'shop', subdomain: 'shop', status: 'active' },
      { name: 'old', subdomain: 'old', status: 'deleted' },
      { name: 'blog', subdomain: 'journal', status: 'active' },
    ]);
    expect(view).toEqual({
      fleet: { name: 'prod', domain: 'example.com', repository: 'acme-corp/fleet' },
      projects: [
        { name: 'blog', subdomain: 'journal' },
        { name: 'shop', subdomain: 'shop' },
      ],
    });
  });

  it('when fleet.yaml names no repository, then the repository is null', () => {
    const view = namesView({ ...fleet, github: { repository_id: 1, owner_id: 2 } }, []);
    expect(view.fleet.repository).toBeNull();
  });
});
