// Entry point of the GitHub Action (dist/index.js). run() reports every failure itself (setFailed).
import { run } from './action.js';

void run();
