import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import type { HttpClient } from './http.js';
import { checkedTls } from './tls-policy.js';

/**
 * Connect ahead: open the TLS connection to an origin (TCP, TLS, through the proxy when one applies) before
 * the request for it exists, so that its handshakes overlap whatever the run does first (fetching the OIDC
 * token, assuming the role, loading credentials). Measured in bench/README.md ("Latency mode").
 *
 * The connection is opened by the agent the request will use, with the options the agent itself would pass
 * (same TLS context, server name and certificate checks, same proxy tunnel), and the first request to that
 * origin takes it in the agent's own `createConnection`. Until then nothing is written on it but the
 * handshakes. A pre-opened connection that fails, closes, or outlives its time limit before a request takes
 * it is dropped without a word, and the request opens a fresh one as it would have anyway. One that is still
 * being set up when its request comes is waited for, as the request would wait for its own; if it then fails,
 * the request opens a fresh one. An unused one never keeps the process alive.
 */

type Opened = (err: Error | null, stream: Duplex) => void;
/** Opens one connection, as the agent's createConnection does (synchronously, or through the callback). */
export type OpenConnection = (options: https.RequestOptions, callback: Opened) => Duplex | null | undefined;

/** A connection opened ahead: `ready` once TLS is up, `failed` if it errored or closed first. */
interface Ahead {
  state: 'opening' | 'ready' | 'failed';
  socket: tls.TLSSocket | undefined;
  /** Why it failed, when a fresh connection would fail the same way (see WarmAgent's `final`). */
  finalError: Error | undefined;
  /** The request waiting for it, if one came while it was opening. */
  waiter: ((socket: tls.TLSSocket | undefined) => void) | undefined;
  /** Stops its own time limit: from when a request waits for it, the request's limit applies. */
  claimed: () => void;
  cleanup: () => void;
}

const originKey = (host: unknown, port: unknown): string => `${String(host)}:${String(port)}`;

/**
 * An https.Agent that can open a connection to an origin ahead of its first request. `open` makes each
 * connection (default: the https.Agent's own, a direct TLS connection); pass a tunnelling agent's
 * createConnection to go through a proxy. `final` tells the failures a fresh connection would meet just the
 * same (a proxy refusing the credentials): the request gets that error instead of trying again.
 */
export class WarmAgent extends https.Agent {
  private readonly ahead = new Map<string, Ahead>();
  private readonly openConnection: OpenConnection;
  private readonly final: (err: Error) => boolean;

  constructor(options: https.AgentOptions, open?: OpenConnection, final?: (err: Error) => boolean) {
    // Every connection it makes, and every one opened ahead, checks the certificate (tls-policy.ts): the
    // agent's options go on top of each connection's (Agent#addRequest, and `preconnect` below).
    super(checkedTls(options));
    this.openConnection = open ?? ((opts, callback) => super.createConnection(opts, callback));
    this.final = final ?? (() => false);
  }

  /**
   * Opens a connection to host:port now, for the first request there. At most one per origin; dropped (and
   * destroyed) if no request has come for it within `limitMs`, the time limit of an ordinary connection
   * attempt. Once a request waits for it, the request's own time limit applies, as to any connection.
   */
  preconnect(host: string, port: number, tlsOptions: tls.ConnectionOptions, limitMs: number): void {
    const key = originKey(host, port);
    if (this.ahead.has(key)) return;
    // What the agent passes to createConnection for a request (Agent#addRequest): the request's options
    // with the agent's own on top, and the server name of the host (none for an IP address).
    const options = {
      ...tlsOptions,
      host,
      port,
      servername: isIP(host) === 0 ? host : '',
      ...this.options,
    } as https.RequestOptions;
    const timer = setTimeout(() => fail(), limitMs);
    timer.unref();
    const entry: Ahead = {
      state: 'opening',
      socket: undefined,
      finalError: undefined,
      waiter: undefined,
      claimed: () => clearTimeout(timer),
      cleanup: () => clearTimeout(timer),
    };
    this.ahead.set(key, entry);
    const settle = (state: 'ready' | 'failed', err?: Error): void => {
      if (entry.state !== 'opening') return;
      entry.state = state;
      const waiter = entry.waiter;
      entry.waiter = undefined;
      if (state === 'failed') {
        entry.finalError = err !== undefined && this.final(err) ? err : undefined;
        drop();
      }
      waiter?.(entry.socket);
    };
    /**
     * Closes the connection; whatever it still reports (a late error) goes nowhere. It is forgotten, unless
     * it failed for good: then the next request to the origin gets the same error without trying again.
     */
    const drop = (): void => {
      if (this.ahead.get(key) === entry && entry.finalError === undefined) this.ahead.delete(key);
      entry.cleanup();
      entry.socket?.on('error', () => undefined).destroy();
      entry.socket = undefined;
    };
    const fail = (): void => {
      if (entry.state === 'ready') {
        // Ready but never taken within the limit, or closed by the server while waiting: drop it.
        entry.state = 'failed';
        drop();
        return;
      }
      settle('failed');
    };
    const adopt = (socket: tls.TLSSocket): void => {
      entry.socket = socket;
      // An unused connection must not keep the process alive; the request that takes it refs it again.
      socket.unref();
      const onReady = (): void => settle('ready');
      const onGone = (): void => fail();
      socket.once('secureConnect', onReady);
      socket.on('error', onGone);
      socket.once('end', onGone);
      socket.once('close', onGone);
      entry.cleanup = () => {
        clearTimeout(timer);
        socket.off('secureConnect', onReady);
        socket.off('error', onGone);
        socket.off('end', onGone);
        socket.off('close', onGone);
      };
    };
    let returned: Duplex | null | undefined;
    try {
      returned = this.openConnection(options, (err, stream: Duplex | undefined) => {
        if (err !== null || stream === undefined) settle('failed', err ?? undefined);
        else if (stream !== returned) adopt(stream as tls.TLSSocket);
      });
    } catch {
      settle('failed');
      return;
    }
    if (returned) adopt(returned as tls.TLSSocket);
  }

  /** Used by the agent for every new connection: the one opened ahead for this origin if there is one, else a fresh one. */
  override createConnection(options: https.RequestOptions, callback?: Opened): Duplex | null | undefined {
    const open = callback ?? (() => undefined);
    const key = originKey(options.host, options.port);
    const entry = this.ahead.get(key);
    if (entry === undefined) return this.openConnection(options, open);
    this.ahead.delete(key);
    const take = (socket: tls.TLSSocket | undefined): void => {
      if (entry.finalError !== undefined) {
        open(entry.finalError, undefined as unknown as Duplex);
        return;
      }
      if (socket === undefined || socket.destroyed) {
        const fresh = this.openConnection(options, open);
        if (fresh) open(null, fresh);
        return;
      }
      entry.cleanup();
      socket.ref();
      open(null, socket);
    };
    if (entry.state === 'opening') {
      entry.claimed();
      entry.waiter = take;
    } else {
      take(entry.socket);
    }
    return undefined;
  }
}

/**
 * Opens, ahead and in the order given (the one needed first, first), the connections a run will need after
 * its first step. A client without `preconnect` (a scripted one in the tests) is left alone.
 */
export function connectAhead(http: HttpClient, urls: Array<string | undefined>, limitMs: number): void {
  for (const url of urls) if (url !== undefined) http.preconnect?.(url, limitMs);
}
