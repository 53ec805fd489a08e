import { describe, expect, it } from 'vitest';
import { Secret } from '../../../core/seal/secret.ts';
import { createBody, splitImage } from './docker.ts';
import { studioSettings } from './settings.ts';

const settings = studioSettings(
  { name: 'fleet', domain: 'example.com' },
  {
    name: 'acme',
    subdomain: 'acme',
    postgresPassword: new Secret('pg-secret'),
    pgMetaCryptoKey: new Secret('k'),
    anonKey: new Secret('a'),
    serviceRoleKey: new Secret('s'),
    jwtSecret: new Secret('j'),
  },
);

describe("a project Studio's container", () => {
  it('when created, then Studio is published on loopback only, with its limit, no capabilities, no restarts, on the Studio network', () => {
    const body = createBody(settings, { port: 3101, memoryMb: 384 }, 'supafleet-studio');
    expect(body).toMatchObject({
      Image: 'supabase/studio:2026.02.16-sha-26c615c',
      Labels: { 'supafleet.studio': 'acme' },
      ExposedPorts: { '3000/tcp': {} },
      HostConfig: {
        CapDrop: ['ALL'],
        Memory: 384 * 1024 * 1024,
        NetworkMode: 'supafleet-studio',
        PortBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '3101' }] },
        RestartPolicy: { Name: 'no' },
        SecurityOpt: ['no-new-privileges:true'],
      },
    });
    expect(body.Env).toContain('POSTGRES_PASSWORD=pg-secret');
  });

  it.each([
    ['supabase/studio:2026.02.16-sha-26c615c', ['supabase/studio', '2026.02.16-sha-26c615c']],
    ['registry.local:5000/studio', ['registry.local:5000/studio', 'latest']],
    ['registry.local:5000/studio:1.2', ['registry.local:5000/studio', '1.2']],
  ] as const)('when the image is %s, then it is pulled as %j', (image, want) => {
    expect(splitImage(image)).toEqual(want);
  });
});
