/**
 * `instanceof` across the Action's two bundles (errors.ts, ToolError): dist/index.js and dist/credential-chain.js
 * each carry a copy of the error classes, and an error made by one copy is caught by the other. Two copies of
 * errors.ts are built here, as the two bundles are, and each is checked against the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { build } from 'esbuild';
import type * as Errors from '../../../src/core/safety/errors.js';

type ErrorsModule = typeof Errors;

let dir: string;
let a: ErrorsModule;
let b: ErrorsModule;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'error-kinds-'));
  const require = createRequire(import.meta.url);
  for (const name of ['a', 'b'])
    await build({
      entryPoints: ['src/core/safety/errors.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: join(dir, `${name}.cjs`),
      logLevel: 'silent',
    });
  a = require(join(dir, 'a.cjs')) as ErrorsModule;
  b = require(join(dir, 'b.cjs')) as ErrorsModule;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the two builds are two copies: their classes are not the same objects', () => {
  expect(a.AuthError).not.toBe(b.AuthError);
});

test('an error of one copy is an instance of the same class of the other, both ways', () => {
  expect(new a.AuthError('x', { code: 'STS_FAILED' })).toBeInstanceOf(b.AuthError);
  expect(new b.AuthError('x', { code: 'STS_FAILED' })).toBeInstanceOf(a.AuthError);
  expect(new a.ConfigError('role-to-assume', 'x')).toBeInstanceOf(b.ConfigError);
  expect(new b.NetworkError('x', false)).toBeInstanceOf(a.NetworkError);
  expect(new a.HttpFailure('x', { status: 503, headers: {} }, { code: 'STS_FAILED' })).toBeInstanceOf(b.HttpFailure);
});

test('a subclass is an instance of its parent of the other copy, and a parent is not one of a subclass', () => {
  const failure = new a.HttpFailure('x', { status: 503, headers: {} }, { code: 'STS_FAILED' });
  expect(failure).toBeInstanceOf(b.AuthError);
  expect(failure).toBeInstanceOf(Error);
  expect(new b.AuthError('x', { code: 'STS_FAILED' })).not.toBeInstanceOf(a.HttpFailure);
});

test('the kinds do not mix: a ConfigError is no AuthError, a NetworkError no HttpFailure, a plain Error none', () => {
  expect(new a.ConfigError('x', 'y')).not.toBeInstanceOf(b.AuthError);
  expect(new a.NetworkError('x', true)).not.toBeInstanceOf(b.HttpFailure);
  const plain = Object.assign(new Error('x'), { code: 'STS_FAILED' });
  for (const cls of [b.AuthError, b.ConfigError, b.NetworkError, b.HttpFailure]) expect(plain).not.toBeInstanceOf(cls);
  expect({ code: 'STS_FAILED' }).not.toBeInstanceOf(b.AuthError);
  expect(null).not.toBeInstanceOf(b.AuthError);
});

test("what the entry does with a chain's error: its code and whether it is retried, from the other copy", () => {
  expect(b.errorCode(new a.AuthError('x', { code: 'AWS_CREDENTIAL_SOURCE_FAILED' }))).toBe(
    'AWS_CREDENTIAL_SOURCE_FAILED',
  );
  expect(b.errorCode(new a.ConfigError('x', 'y'))).toBe('CONFIG_INVALID_INPUT');
  expect(b.isTransient(new a.NetworkError('x', true))).toBe(true);
  expect(b.isTransient(new a.HttpFailure('x', { status: 503, headers: {} }, { code: 'STS_FAILED' }))).toBe(true);
  expect(b.isTransient(new a.HttpFailure('x', { status: 403, headers: {} }, { code: 'STS_FAILED' }))).toBe(false);
});

test('a subclass without a kind of its own is matched by its prototype, never as its parent', () => {
  class Local extends a.AuthError {}
  expect(new Local('x', { code: 'STS_FAILED' })).toBeInstanceOf(Local);
  expect(new a.AuthError('x', { code: 'STS_FAILED' })).not.toBeInstanceOf(Local);
  expect(new Local('x', { code: 'STS_FAILED' })).toBeInstanceOf(b.AuthError);
});

test('the kinds are not enumerable: they stay out of JSON, spreads and the log of an error', () => {
  const err = new a.AuthError('x', { code: 'STS_FAILED' });
  const symbols = Object.getOwnPropertySymbols(err);
  expect(symbols.map(String)).toEqual(['Symbol(mondoo-aws-auth.error-kinds)']);
  expect(symbols.every((s) => !Object.prototype.propertyIsEnumerable.call(err, s))).toBe(true);
  expect(Object.getOwnPropertySymbols({ ...err })).toEqual([]);
  expect(JSON.stringify(err)).toBe('{"name":"AuthError","code":"STS_FAILED","transient":false}');
});
