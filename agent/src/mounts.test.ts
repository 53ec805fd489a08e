import { describe, expect, it } from 'vitest';
import { servicesWithChangedMounts } from './mounts.ts';

const compose = {
  services: {
    vector: {
      volumes: [
        './vector/vector.yml:/etc/vector/vector.yml:ro',
        '/var/run/docker.sock:/var/run/docker.sock:ro',
      ],
    },
    functions: {
      volumes: [
        { type: 'bind', source: './functions', target: '/home/deno/functions' },
        'deno-cache:/root/.cache',
      ],
    },
    db: {
      volumes: [
        './db/init/roles.sql:/docker-entrypoint-initdb.d/roles.sql:ro',
        'db-data:/var/lib/postgresql/data',
      ],
    },
    rest: {},
  },
};
const files = (o: Record<string, string>) => new Map(Object.entries(o));
const base = {
  'vector/vector.yml': 'a',
  'functions/main/index.ts': 'x',
  'db/init/roles.sql': 'r',
  '.env': 'E=1',
};

describe('services with changed mounts', () => {
  it.each([
    ['nothing changed', {}, []],
    ['a mounted file changed', { 'vector/vector.yml': 'b' }, ['vector']],
    ['a file under a mounted directory changed', { 'functions/main/index.ts': 'y' }, ['functions']],
    ['a file was added under a mounted directory', { 'functions/hello/index.ts': 'new' }, ['functions']],
    ['only .env changed (compose sees that itself)', { '.env': 'E=2' }, []],
    ['two mounts changed', { 'vector/vector.yml': 'b', 'db/init/roles.sql': 's' }, ['db', 'vector']],
  ])('when %s, then %j restart', (_name, patch, want) => {
    expect(servicesWithChangedMounts(compose, files(base), files({ ...base, ...patch }))).toEqual(want);
  });

  it('when a file is removed from a mounted directory, then that service restarts', () => {
    const { 'functions/main/index.ts': _gone, ...rest } = base;
    expect(servicesWithChangedMounts(compose, files(base), files(rest))).toEqual(['functions']);
  });

  it('when a prefix only looks alike, then it does not count', () => {
    const c = { services: { a: { volumes: ['./func:/x'] } } };
    expect(
      servicesWithChangedMounts(c, files({ 'functions/x': '1' }), files({ 'functions/x': '2' })),
    ).toEqual([]);
  });

  it('when sources are absolute or climb out, then they are ignored', () => {
    const c = { services: { a: { volumes: ['/etc/x:/x', './../y:/y'] } } };
    expect(servicesWithChangedMounts(c, files({ y: '1' }), files({ y: '2' }))).toEqual([]);
  });
});
