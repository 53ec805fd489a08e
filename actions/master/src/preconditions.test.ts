import { describe, expect, it } from 'vitest';
import type { Server } from '../../../core/hetzner/types.ts';
import { checkCreate, checkRebuild } from './preconditions.ts';

const SELECTOR = 'supafleet/fleet=prod,supafleet/role=master';
const server = (id: number, name: string) => ({ id, name }) as Server;

describe('master preconditions', () => {
  it('when no master exists, then create may go ahead', () => {
    expect(() => checkCreate([])).not.toThrow();
  });

  it('when a master exists, then create refuses and points at mode rebuild with confirm', () => {
    expect(() => checkCreate([server(7, 'prod-master')])).toThrow(
      'a master already exists (server prod-master, id 7); to replace it, run with mode rebuild and ' +
        'confirm prod-master (this wipes its disk; restore it from its backup afterwards)',
    );
  });

  it('when one master exists and confirm names it, then rebuild gets that server', () => {
    expect(checkRebuild([server(7, 'prod-master')], SELECTOR, 'prod-master')).toEqual(
      server(7, 'prod-master'),
    );
  });

  const refusals: { name: string; masters: Server[]; confirm: string; want: string }[] = [
    {
      name: 'no master exists',
      masters: [],
      confirm: 'prod-master',
      want: `no server carries ${SELECTOR}, so there is no master to rebuild; run with mode create`,
    },
    {
      name: 'two servers carry the master labels',
      masters: [server(7, 'prod-master'), server(9, 'prod-master-old')],
      confirm: 'prod-master',
      want:
        `2 servers carry ${SELECTOR}: prod-master (id 7), prod-master-old (id 9); expected one master. ` +
        'Delete or relabel the extra ones in the Hetzner console; nothing was rebuilt',
    },
    {
      name: 'confirm is empty',
      masters: [server(7, 'prod-master')],
      confirm: '',
      want:
        'input confirm is ""; rebuilding wipes the disk of server prod-master (id 7), so set confirm to ' +
        'prod-master to go ahead',
    },
    {
      name: 'confirm names another server',
      masters: [server(7, 'prod-master')],
      confirm: 'prod',
      want:
        'input confirm is "prod"; rebuilding wipes the disk of server prod-master (id 7), so set confirm to ' +
        'prod-master to go ahead',
    },
  ];
  for (const c of refusals) {
    it(`when ${c.name}, then rebuild refuses: ${c.want.slice(0, 40)}…`, () => {
      expect(() => checkRebuild(c.masters, SELECTOR, c.confirm)).toThrow(c.want);
    });
  }
});
