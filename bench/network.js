// Latency mode of the benchmark (`--rtt oidc=10,sts=15,mondoo=30`): each named simulator is reached through
// a loopback pass-through (testkit/latency.js) that makes it that many milliseconds of round trip away, and
// every URL and environment variable the children get is pointed at the pass-throughs. Also the report of
// this mode: its ratios, and a profile of when each run's connections opened and its requests went out.
import { parseRtt, startLatency } from '../testkit/latency.js';

/** Simulators that can be put behind a pass-through. */
export const RTT_NAMES = ['oidc', 'sts', 'mondoo', 'imds'];

/** Targets of latency mode: a missed one fails the benchmark (exit code 3). */
export const LATENCY_TARGETS = { envFloor: 1.1, roleFloorRole: 1.1, roleJwtFloorRoleJwt: 1.1 };

/** Parses --rtt; throws with a message for the usage error. */
export function rttOption(text) {
  return parseRtt(text, RTT_NAMES);
}

/**
 * Starts one pass-through per simulator named in `rtt`.
 * @returns the pass-throughs, `via` (rewrites any URL, string or environment object from a simulator's
 *   address to its pass-through's), `clear` (forgets the connection records) and `close`.
 */
export async function startNetwork(sims, rtt, now) {
  const fronts = {};
  for (const [name, rttMs] of Object.entries(rtt))
    fronts[name] = { sim: sims[name], proxy: await startLatency({ port: sims[name].port }, { rttMs, now }) };
  const swaps = Object.values(fronts).map(({ sim, proxy }) => [
    new RegExp(`127\\.0\\.0\\.1:${sim.port}(?!\\d)`, 'g'),
    `127.0.0.1:${proxy.port}`,
  ]);
  const viaString = (text) => swaps.reduce((out, [from, to]) => out.replace(from, to), text);
  const via = (value) => {
    if (typeof value === 'string') return viaString(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? viaString(v) : v]));
  };
  return {
    fronts,
    via,
    describe: () =>
      Object.entries(fronts)
        .map(([name, { proxy }]) => `${name} ${proxy.rttMs} ms`)
        .join(', '),
    clear: () => {
      for (const { proxy } of Object.values(fronts)) proxy.connections.length = 0;
    },
    /** When, in ms after `spawnedAt`, each pass-through saw its connections open and their first bytes. */
    profile(spawnedAt) {
      const out = {};
      for (const [name, { proxy }] of Object.entries(fronts)) {
        out[name] = proxy.connections.map((c) => ({
          opened: c.opened - spawnedAt,
          firstBytes: c.firstBytes === undefined ? undefined : c.firstBytes - spawnedAt,
        }));
      }
      return out;
    },
    close: () => Promise.all(Object.values(fronts).map(({ proxy }) => proxy.close())),
  };
}

/** Per case, in time order: the median of each timeline point over the measured runs. */
export function profileLines(profiles, median) {
  const lines = [];
  for (const [name, runs] of Object.entries(profiles)) {
    if (runs.length === 0) continue;
    const points = [];
    for (const key of new Set(runs.flatMap((r) => Object.keys(r)))) {
      const values = runs.map((r) => r[key]).filter((v) => v !== undefined);
      if (values.length > 0) points.push([key, median(values)]);
    }
    points.sort((a, b) => a[1] - b[1]);
    lines.push(`  ${name.padEnd(10)} ${points.map(([key, ms]) => `${key} ${ms.toFixed(0)}`).join(', ')}`);
  }
  return lines;
}

/**
 * One run's timeline, ms after spawn: connections (opened; "hello": the client's first bytes came), requests
 * (read by the simulator), and the exit.
 */
export function timeline(network, sims, run) {
  const spawnedAt = run.spawnedAt;
  const points = {};
  for (const [name, conns] of Object.entries(network.profile(spawnedAt))) {
    conns.forEach((c, i) => {
      points[`${name} conn${i + 1}`] = c.opened;
      if (c.firstBytes !== undefined) points[`${name} hello${i + 1}`] = c.firstBytes;
    });
  }
  for (const name of ['oidc', 'sts', 'mondoo', 'imds']) {
    sims[name].requests.forEach((r, i) => {
      points[`${name} req${i + 1}${r.action ? ` (${r.action})` : ''}`] = r.time - spawnedAt;
    });
  }
  points.exit = run.ms;
  return points;
}
