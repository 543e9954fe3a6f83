// The drill behind the first comment of src/core/credentials/container-credentials.ts and src/core/credentials/instance-metadata.ts
// (issue 17, item 6): can the AWS SDK's own providers (fromHttp, fromContainerMetadata, fromInstanceMetadata),
// wrapped in a 2 s deadline (Promise.race, since they take no abort signal), hold the tool's guarantees against an
// endpoint that drips bytes, floods, or accepts and never answers? Each provider runs in its own child process
// against the container simulator of testkit/ (loopback only), with timeout 1000 and maxRetries 0; the drill
// reports when the race settled, when the child exited (killed after 20 s if it never does) and its peak RSS.
//
//   node bench/sdk-providers.js
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

async function child(provider, url, token) {
  const started = performance.now();
  let peak = process.memoryUsage().rss;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50).unref();
  let run;
  if (provider === 'fromHttp') {
    const { fromHttp } = require('@aws-sdk/credential-provider-http');
    run = fromHttp({
      awsContainerCredentialsFullUri: url,
      awsContainerAuthorizationToken: token,
      timeout: 1000,
      maxRetries: 0,
    });
  } else if (provider === 'fromContainerMetadata') {
    const { fromContainerMetadata } = require('@smithy/credential-provider-imds');
    process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = url;
    process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = token;
    run = fromContainerMetadata({ timeout: 1000, maxRetries: 0 });
  } else {
    const { fromInstanceMetadata } = require('@smithy/credential-provider-imds');
    process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = url;
    run = fromInstanceMetadata({ timeout: 1000, maxRetries: 0 });
  }
  const inner = run().then(
    () => 'resolved',
    (e) => `rejected (${String(e?.name ?? 'Error')})`,
  );
  const deadline = new Promise((resolve) => setTimeout(() => resolve('deadline'), 2000).unref());
  const first = await Promise.race([inner, deadline]);
  process.stdout.write(
    JSON.stringify({ first, firstMs: Math.round(performance.now() - started), peakRssMB: Math.round(peak / 1e6) }),
  );
}

async function drill() {
  const { startContainerCredentials, startSimulators } = await import('../testkit/index.js');
  const sims = await startSimulators();
  const container = await startContainerCredentials({ sts: sims.sts });
  const self = fileURLToPath(import.meta.url);
  for (const mode of ['drip', 'flood', 'hang']) {
    for (const provider of ['fromHttp', 'fromContainerMetadata', 'fromInstanceMetadata']) {
      container.mode = mode;
      const url = provider === 'fromInstanceMetadata' ? container.url : container.fullUri;
      const t0 = performance.now();
      const result = await new Promise((resolve) => {
        const proc = spawn(process.execPath, [self, '--child', provider, url, container.token ?? ''], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        let text = '';
        proc.stdout.on('data', (d) => (text += d));
        const kill = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        proc.on('close', (code) => {
          clearTimeout(kill);
          resolve({ text, code });
        });
      });
      const exit =
        result.code === null
          ? 'never exited (killed at 20 s)'
          : `exited after ${Math.round(performance.now() - t0)} ms`;
      console.log(`${mode.padEnd(5)} ${provider.padEnd(21)} ${result.text} ${exit}`);
    }
  }
  await container.close();
  await sims.close();
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5]);
else await drill();
