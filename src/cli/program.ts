import { Command } from 'commander';
import { readFileSync } from 'node:fs';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('tokenradius')
    .description('Find leaked access tokens, read what they carry, score their blast radius, alert and revoke.')
    .version(version());
  return program;
}
