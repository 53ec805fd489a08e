/**
 * The hostile corpus through every renderer: free-text values come out only as
 * inert data (YAML scalars with `$` doubled for Compose, JSON strings, env values
 * Compose reads literally); narrow-format fields refuse them with the field named.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { placeholderMasterSecrets } from '../master/secrets.ts';
import { renderMasterStack } from '../master/stack.ts';
import { renderMasterUserData } from '../master/user-data.ts';
import { placeholderEnrollment, placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { parseEnvFile } from '../shared/env-file.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import { fleetSpec } from './fixtures/specs.ts';
import { HOSTILE, STRICT_FIELDS, hostileFleet, hostileOpened, hostileProject } from './hostile.ts';
import { decodeUserData, isShellScript } from './decode.ts';

const fleet = resolveFleet(fleetSpec);
const uncompose = (s: string) => s.replaceAll('$$', '$');

describe('hostile values in free-text fields', () => {
  it.each(HOSTILE.map((v, i) => [JSON.stringify(v), i] as const))(
    'when a project field holds %s, then it comes out only as inert data',
    (_label, i) => {
      const v = HOSTILE[i]!;
      const project = resolveProject(hostileProject(i));
      const opened = hostileOpened(i);
      const bundle = renderWorkerBundle({
        fleet,
        project,
        secrets: placeholderSecrets(),
        opened,
        revision: 1,
        wgAddress: '10.100.0.2',
      });
      const compose = parse(bundle.get('docker-compose.yml')!);
      const auth = compose.services.auth.environment as Record<string, string>;
      expect(uncompose(auth.GOTRUE_SITE_URL!)).toBe(v);
      expect(uncompose(auth.GOTRUE_SMTP_HOST!)).toBe(v);
      expect(uncompose(auth.GOTRUE_SMTP_USER!)).toBe(v);
      expect(uncompose(auth.GOTRUE_SMTP_SENDER_NAME!)).toBe(v);
      expect(uncompose(auth.GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID!)).toBe(v);
      expect(uncompose(auth.GOTRUE_EXTERNAL_KEYCLOAK_URL!)).toBe(v);
      expect(uncompose(auth.GOTRUE_URI_ALLOW_LIST!)).toBe(`${v},https://ok.example.com/${v}`);
      // No lone `$` is left for Compose to interpolate.
      for (const value of Object.values(auth))
        expect(value.replaceAll('$$', '').replace(/\$\{[A-Z_]+\}/g, '')).not.toContain('$');
      // Sealed plaintexts: literal in .env (Compose does not expand single-quoted values) and in JSON.
      const env = parseEnvFile(bundle.get('.env')!);
      expect(env.SMTP_PASS).toBe(opened['auth.smtp.pass']);
      expect(env.EXTERNAL_GOOGLE_SECRET).toBe(opened['auth.external.google.secret']);
      expect(JSON.parse(bundle.get('function-secrets.json')!)).toEqual({ EVIL: v });
      // Scripts are static: the value is never part of any shell script.
      for (const [path, content] of bundle)
        if (isShellScript(content) && v.length > 3) expect(content.includes(v), path).toBe(false);
    },
  );

  it.each(HOSTILE.map((v, i) => [JSON.stringify(v), i] as const))(
    'when the fleet name holds %s, then the master output keeps it as data',
    (_label, i) => {
      const f = resolveFleet(hostileFleet(i));
      const stack = renderMasterStack({ fleet: f, secrets: placeholderMasterSecrets() });
      expect(parse(stack.get('etc/supafleet/fleet.yaml')!).name).toBe(HOSTILE[i]);
      const decoded = decodeUserData(renderMasterUserData({ fleet: f }).text);
      for (const file of decoded.files)
        if (isShellScript(file.content) && HOSTILE[i]!.length > 3)
          expect(file.content.includes(HOSTILE[i]!)).toBe(false);
    },
  );
});

describe('hostile values in narrow-format fields', () => {
  const cases = STRICT_FIELDS.flatMap((s) => HOSTILE.map((v) => [s.field, JSON.stringify(v), s, v] as const));
  it.each(cases)(
    'when %s holds %s, then rendering refuses with an error naming the field',
    (field, _label, s, v) => {
      const render = () => {
        if (s.project) {
          const project = resolveProject(s.project(v));
          renderWorkerBundle({
            fleet,
            project,
            secrets: placeholderSecrets(),
            opened: placeholderOpened(project),
            revision: 1,
            wgAddress: '10.100.0.2',
          });
          renderWorkerUserData({ fleet, project, enrollment: placeholderEnrollment('example.com') });
        } else {
          const f = resolveFleet(s.fleet!(v));
          renderMasterUserData({ fleet: f });
          renderMasterStack({ fleet: f, secrets: placeholderMasterSecrets() });
        }
      };
      let message = '';
      try {
        render();
      } catch (e) {
        message = (e as Error).message;
      }
      if (field === 'ssh.authorized_keys[0]' && !/[\n\r]/.test(v)) {
        // A key comment is free text: one line of it is inert in authorized_keys (and YAML data here).
        expect(message).toBe('');
      } else {
        expect(message.startsWith(`${field}: `), message).toBe(true);
      }
    },
  );
});
