// Entry point of the GitHub Action (dist/index.js).
import { run } from './action.js';

await run();
