// Entry point of the GitHub Action (dist/index.js). run() reports every failure itself (setFailed).
import { run } from './action.js';
import { exitSoon } from './exit-soon.js';

void run().finally(() => exitSoon());
