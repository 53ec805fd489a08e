/** The route action's inputs, read once. */
import * as core from '@actions/core';
import {
  masterInputs,
  requireMaster,
  stringInput,
  type InputSource,
  type MasterInputs,
} from '../../../core/apply/runner/inputs.ts';

export interface RouteSettings {
  readonly master: MasterInputs & { url: string };
  readonly project: string;
}

export function readInputs(): RouteSettings {
  const src: InputSource = { get: (n) => core.getInput(n), mask: (v) => core.setSecret(v) };
  const project = stringInput(src, 'project');
  if (!/^[a-z][a-z0-9-]{1,31}$/.test(project)) {
    throw new Error(`input project ${JSON.stringify(project)} is not a project name; expected e.g. acme`);
  }
  return { master: requireMaster(masterInputs(src)), project };
}
