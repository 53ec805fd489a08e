import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderFleetFile, type FleetAnswers } from './fleet-file.ts';
import { fleetProblems } from './run.ts';

const answers: FleetAnswers = {
  name: 'prod',
  domain: 'example.com',
  repository: 'acme-corp/fleet',
  repositoryId: 4242,
  ownerId: 77,
  masterType: 'cx32',
  location: 'fsn1',
  cidr: '10.100.0.0/24',
  storageBox: { host: 'u123456.your-storagebox.de', user: 'u123456', id: 4711 },
  sealPublicKey: 'IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=',
  tlsMode: 'on_demand',
  sshUser: 'deploy',
  sshKeys: [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com',
  ],
};

describe('renderFleetFile', () => {
  it('when there is no file, then the new one is a valid fleet.yaml with every answer', () => {
    const text = renderFleetFile(undefined, answers);
    expect(fleetProblems(text)).toEqual([]);
    expect(parse(text)).toMatchObject({
      github: { repository: 'acme-corp/fleet', repository_id: 4242, owner_id: 77 },
      storage_box: { id: 4711 },
      seal: { public_key: answers.sealPublicKey },
    });
  });

  it('when the file already says the same, then the text comes back unchanged', () => {
    const text = renderFleetFile(undefined, answers);
    expect(renderFleetFile(text, answers)).toBe(text);
  });

  it("when the operator's file has comments and other fields, then only the answered fields change", () => {
    const mine = `# my fleet\n${renderFleetFile(undefined, answers)}authelia:\n  enabled: true # keep 2FA\n`;
    const next = renderFleetFile(mine, { ...answers, repositoryId: 99 });
    expect(next).toContain('# my fleet');
    expect(next).toContain('enabled: true # keep 2FA');
    expect(parse(next)).toMatchObject({ github: { repository_id: 99 }, authelia: { enabled: true } });
  });

  it('when an answer is invalid, then the problems name the path and the value', () => {
    expect(fleetProblems(renderFleetFile(undefined, { ...answers, cidr: '8.8.8.0/24' })).join('\n')).toMatch(
      /\/network\/cidr/,
    );
  });
});
