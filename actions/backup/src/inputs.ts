/** The backup action's inputs, read once. */
import * as core from '@actions/core';
import {
  masterInputs,
  numberInput,
  requireMaster,
  stringInput,
  type InputSource,
  type MasterInputs,
} from '../../../core/apply/runner/inputs.ts';

export interface BackupSettings {
  readonly master: MasterInputs & { url: string };
  /** A project name, or undefined for every active project. */
  readonly project?: string;
  readonly waitMs: number;
}

export function readInputs(): BackupSettings {
  const src: InputSource = { get: (n) => core.getInput(n), mask: (v) => core.setSecret(v) };
  const project = stringInput(src, 'project', 'all');
  if (project !== 'all' && !/^[a-z][a-z0-9-]{1,31}$/.test(project)) {
    throw new Error(
      `input project ${JSON.stringify(project)} is not valid; expected a project name or "all"`,
    );
  }
  return {
    master: requireMaster(masterInputs(src)),
    ...(project !== 'all' ? { project } : {}),
    waitMs: Math.round(numberInput(src, 'wait-minutes', 30, { min: 0.01, max: 240 }) * 60_000),
  };
}
