// Preloaded into the bundle under test (node --import, or NODE_OPTIONS=--import=…): records every file write
// the run makes, as { op: 'write', path, start, length } (a byte range of the file) or { op: 'rename', from, to },
// just BEFORE the write happens. It never records content, so it cannot leak what it watches.
//
// MONDOO_TEST_WRITES says where the records go:
//   stdout | stderr  a line `::debug::mondoo-test-write <json>` on that stream, in order with the workflow
//                    commands (::add-mask::) the run prints there (writes to a pipe are synchronous on Linux)
//   <path>           JSON lines appended to that file (for the CLI, whose stdout is its requested output)
import fs from 'node:fs';
import { resolve } from 'node:path';
import { syncBuiltinESMExports } from 'node:module';

const sink = process.env['MONDOO_TEST_WRITES'];
if (sink) {
  const original = {
    appendFileSync: fs.appendFileSync,
    writeFileSync: fs.writeFileSync,
    openSync: fs.openSync,
    writeSync: fs.writeSync,
    closeSync: fs.closeSync,
    renameSync: fs.renameSync,
    appendFile: fs.promises.appendFile,
    writeFile: fs.promises.writeFile,
  };

  // fs.appendFileSync calls fs.writeFileSync (and the promise API calls itself): record the outermost call only.
  let depth = 0;
  /**
   * @template T
   * @param {() => void} record
   * @param {() => T} write
   * @returns {T}
   */
  const outermost = (record, write) => {
    if (depth === 0) record();
    depth += 1;
    try {
      return write();
    } finally {
      depth -= 1;
    }
  };

  /** @param {Record<string, unknown>} record */
  const emit = (record) => {
    const json = JSON.stringify(record);
    if (sink === 'stdout' || sink === 'stderr')
      original.writeSync(sink === 'stdout' ? 1 : 2, `::debug::mondoo-test-write ${json}\n`);
    else original.appendFileSync(sink, `${json}\n`);
  };

  /** @param {unknown} target */
  const pathOf = (target) => {
    if (typeof target === 'string') return resolve(target);
    if (target instanceof URL) return resolve(target.pathname);
    if (Buffer.isBuffer(target)) return resolve(target.toString());
    return undefined;
  };
  /** @param {string} path */
  const sizeOf = (path) => {
    try {
      return fs.statSync(path).size;
    } catch {
      return 0;
    }
  };
  /** @param {unknown} data @param {unknown} options */
  const byteLength = (data, options) => {
    if (typeof data === 'string') {
      const encoding =
        typeof options === 'string'
          ? options
          : /** @type {{ encoding?: BufferEncoding } | undefined} */ (options)?.encoding;
      return Buffer.byteLength(data, encoding ?? 'utf8');
    }
    if (ArrayBuffer.isView(data)) return data.byteLength;
    return 0;
  };
  /** @param {unknown} options */
  const appends = (options) => {
    const flag =
      typeof options === 'object' && options !== null ? /** @type {{ flag?: unknown }} */ (options).flag : undefined;
    return typeof flag === 'string' && flag.includes('a');
  };
  /** @param {unknown} file @param {unknown} data @param {unknown} options @param {boolean} append */
  const recordWrite = (file, data, options, append) => {
    const path = pathOf(file);
    if (path === undefined || path === sink) return;
    emit({ op: 'write', path, start: append ? sizeOf(path) : 0, length: byteLength(data, options) });
  };

  /** @type {Map<number, { path: string, position: number }>} */
  const open = new Map();

  fs.appendFileSync = /** @type {typeof fs.appendFileSync} */ (
    (file, data, options) =>
      outermost(
        () => recordWrite(file, data, options, true),
        () => original.appendFileSync(file, data, options),
      )
  );
  fs.writeFileSync = /** @type {typeof fs.writeFileSync} */ (
    (file, data, options) =>
      outermost(
        () => recordWrite(file, data, options, appends(options)),
        () => original.writeFileSync(file, data, options),
      )
  );
  fs.openSync = /** @type {typeof fs.openSync} */ (
    (file, flags, mode) => {
      const fd = original.openSync(file, flags, mode);
      const path = pathOf(file);
      const append =
        typeof flags === 'string'
          ? flags.includes('a')
          : typeof flags === 'number' && (flags & fs.constants.O_APPEND) !== 0;
      if (path !== undefined) open.set(fd, { path, position: append ? sizeOf(path) : 0 });
      return fd;
    }
  );
  fs.writeSync = /** @type {typeof fs.writeSync} */ (
    (fd, data, ...rest) => {
      const file = open.get(fd);
      if (file !== undefined && depth === 0) {
        let length;
        if (typeof data === 'string') length = byteLength(data, typeof rest[1] === 'string' ? rest[1] : undefined);
        else {
          const offset = typeof rest[0] === 'number' ? rest[0] : 0;
          length = typeof rest[1] === 'number' ? rest[1] : byteLength(data, undefined) - offset;
        }
        const position = typeof data === 'string' ? rest[0] : rest[2];
        const start = typeof position === 'number' ? position : file.position;
        emit({ op: 'write', path: file.path, start, length });
        file.position = start + length;
      }
      return /** @type {(...args: unknown[]) => number} */ (original.writeSync)(fd, data, ...rest);
    }
  );
  fs.closeSync = (fd) => {
    open.delete(fd);
    return original.closeSync(fd);
  };
  fs.renameSync = (from, to) => {
    const a = pathOf(from);
    const b = pathOf(to);
    if (a !== undefined && b !== undefined) emit({ op: 'rename', from: a, to: b });
    return original.renameSync(from, to);
  };
  // The promise API's own internals do not go through these properties; record every call.
  fs.promises.appendFile = /** @type {typeof fs.promises.appendFile} */ (
    (file, data, options) => {
      if (depth === 0) recordWrite(file, data, options, true);
      return original.appendFile(file, data, options);
    }
  );
  fs.promises.writeFile = /** @type {typeof fs.promises.writeFile} */ (
    (file, data, options) => {
      if (depth === 0) recordWrite(file, data, options, appends(options));
      return original.writeFile(file, data, options);
    }
  );
  syncBuiltinESMExports();
}
