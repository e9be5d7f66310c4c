#!/usr/bin/env node
/**
 * `tokenradius` command line. Each command lives in its own file under src/cli/commands and is
 * registered here in one explicit list.
 */
import { buildProgram } from './program.js';

const program = buildProgram();
await program.parseAsync(process.argv);
