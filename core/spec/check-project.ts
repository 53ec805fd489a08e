import projectSchema from '../../schemas/project.schema.json' with { type: 'json' };
import type { Issue, PathSegment } from './errors.ts';
import { quote, toDotted } from './errors.ts';
import { authMailIssue } from './rules/auth-mail.ts';
import { cronProblem } from './rules/cron.ts';
import { hostnameProblem, labelProblem, reservedProblem } from './rules/dns.ts';
import { emailProblem } from './rules/email.ts';
import { sealedProblem, secretNameProblem } from './rules/sealed.ts';
import { serverIssues } from './rules/servers.ts';
import { httpsUrlProblem, originProblem, redirectUrlProblem } from './rules/urls.ts';
import { entriesAt, itemsAt, stringAt } from './walk.ts';

/** The OAuth providers a project may configure (the keys of auth.external). */
export const AUTH_PROVIDERS: readonly string[] =
  projectSchema.properties.auth.properties.external.propertyNames.enum;

/** What a project check knows beyond the spec itself. */
export interface ProjectContext {
  /** The name that the file name demands (`acme` for projects/acme.yaml), when there is a file. */
  readonly fileName?: string;
  /** The fleet's domain, when known: the project's host must fit in DNS. */
  readonly domain?: string;
}

/**
 * The rules a project spec must follow beyond its schema: names, catalogue,
 * URLs, e-mail, cron, sealed values and secret names. Works on an unchecked
 * document (wrong types are left to the schema) and never quotes a secret.
 */
export function projectIssues(spec: unknown, ctx: ProjectContext = {}): Issue[] {
  const issues: Issue[] = [];
  const add = (path: readonly PathSegment[], message: string | undefined, at?: 'key'): void => {
    if (message !== undefined) issues.push({ path, message, ...(at ? { at } : {}) });
  };
  const check = (path: readonly PathSegment[], rule: (v: string) => string | undefined): void => {
    const value = stringAt(spec, path);
    if (value !== undefined) add(path, rule(value));
  };

  const name = stringAt(spec, ['name']);
  if (name !== undefined) {
    add(['name'], labelProblem(name) ?? reservedProblem(name));
    if (ctx.fileName !== undefined && name !== ctx.fileName) {
      add(
        ['name'],
        `name ${quote(name)} differs from the file name ${ctx.fileName}.yaml; expected ${quote(ctx.fileName)} (rename the file or the project)`,
      );
    }
  }
  const subdomain = stringAt(spec, ['subdomain']);
  if (subdomain !== undefined) add(['subdomain'], labelProblem(subdomain) ?? reservedProblem(subdomain));
  const host = subdomain ?? name;
  if (host !== undefined && ctx.domain !== undefined && `${host}.${ctx.domain}`.length > 253) {
    add(
      [subdomain !== undefined ? 'subdomain' : 'name'],
      `the host ${host}.${ctx.domain} is longer than 253 characters`,
    );
  }

  issues.push(
    ...serverIssues(
      spec !== null && typeof spec === 'object' ? (spec as { server?: unknown }).server : undefined,
      ['server'],
    ),
  );

  check(['auth', 'site_url'], httpsUrlProblem);
  itemsAt(spec, ['auth', 'redirect_urls']).forEach((_, i) =>
    check(['auth', 'redirect_urls', i], redirectUrlProblem),
  );
  const mail = authMailIssue(spec);
  if (mail) issues.push(mail);
  check(['auth', 'smtp', 'host'], hostnameProblem);
  check(['auth', 'smtp', 'sender'], emailProblem);
  for (const [provider] of entriesAt(spec, ['auth', 'external'])) {
    check(['auth', 'external', provider, 'url'], httpsUrlProblem);
  }
  itemsAt(spec, ['api', 'cors_origins']).forEach((_, i) => check(['api', 'cors_origins', i], originProblem));
  check(['backup', 'schedule'], cronProblem);
  check(['backup', 'healthcheck_url'], httpsUrlProblem);

  for (const [secretName] of entriesAt(spec, ['functions', 'secrets'])) {
    add(['functions', 'secrets', secretName], secretNameProblem(secretName), 'key');
  }

  // Sealed values are bound to the project they sit in: the spec's name, or the file's.
  const project = name ?? ctx.fileName ?? '';
  const sealedPaths: PathSegment[][] = [
    ['auth', 'smtp', 'pass'],
    // An unknown provider is reported once, as an unknown key, not again for its secret.
    ...entriesAt(spec, ['auth', 'external'])
      .filter(([provider]) => AUTH_PROVIDERS.includes(provider))
      .map(([provider]) => ['auth', 'external', provider, 'secret']),
    ...entriesAt(spec, ['functions', 'secrets']).map(([secretName]) => ['functions', 'secrets', secretName]),
  ];
  for (const path of sealedPaths) {
    check(path, (value) => sealedProblem(value, project, toDotted(path)));
  }
  return issues;
}
