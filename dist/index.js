"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// node_modules/@smithy/core/dist-es/submodules/serde/is-array-buffer/is-array-buffer.js
var isArrayBuffer;
var init_is_array_buffer = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/is-array-buffer/is-array-buffer.js"() {
    isArrayBuffer = (arg) => typeof ArrayBuffer === "function" && arg instanceof ArrayBuffer || Object.prototype.toString.call(arg) === "[object ArrayBuffer]";
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-buffer-from/buffer-from.js
var fromArrayBuffer, fromString;
var init_buffer_from = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-buffer-from/buffer-from.js"() {
    init_is_array_buffer();
    fromArrayBuffer = (input, offset = 0, length = input.byteLength - offset) => {
      if (!isArrayBuffer(input)) {
        throw new TypeError(`The "input" argument must be ArrayBuffer. Received type ${typeof input} (${input})`);
      }
      return Buffer.from(input, offset, length);
    };
    fromString = (input, encoding) => {
      if (typeof input !== "string") {
        throw new TypeError(`The "input" argument must be of type string. Received type ${typeof input} (${input})`);
      }
      return encoding ? Buffer.from(input, encoding) : Buffer.from(input);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-base64/fromBase64.js
var BASE64_REGEX, fromBase64;
var init_fromBase64 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-base64/fromBase64.js"() {
    init_buffer_from();
    BASE64_REGEX = /^[A-Za-z0-9+/]*={0,2}$/;
    fromBase64 = (input) => {
      if (input.length * 3 % 4 !== 0) {
        throw new TypeError(`Incorrect padding on base64 string.`);
      }
      if (!BASE64_REGEX.exec(input)) {
        throw new TypeError(`Invalid base64 string.`);
      }
      const buffer = fromString(input, "base64");
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/fromUtf8.js
var fromUtf8;
var init_fromUtf8 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/fromUtf8.js"() {
    init_buffer_from();
    fromUtf8 = (input) => {
      const buf = fromString(input, "utf8");
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength / Uint8Array.BYTES_PER_ELEMENT);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-base64/toBase64.js
var toBase64;
var init_toBase64 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-base64/toBase64.js"() {
    init_buffer_from();
    init_fromUtf8();
    toBase64 = (_input) => {
      let input;
      if (typeof _input === "string") {
        input = fromUtf8(_input);
      } else {
        input = _input;
      }
      if (typeof input !== "object" || typeof input.byteOffset !== "number" || typeof input.byteLength !== "number") {
        throw new Error("@smithy/util-base64: toBase64 encoder function only accepts string | Uint8Array.");
      }
      return fromArrayBuffer(input.buffer, input.byteOffset, input.byteLength).toString("base64");
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-stream/blob/Uint8ArrayBlobAdapter.js
function bindUint8ArrayBlobAdapter(toUtf82, fromUtf82, toBase642, fromBase642) {
  return class Uint8ArrayBlobAdapter2 extends Uint8Array {
    static fromString(source, encoding = "utf-8") {
      if (typeof source === "string") {
        if (encoding === "base64") {
          return Uint8ArrayBlobAdapter2.mutate(fromBase642(source));
        }
        return Uint8ArrayBlobAdapter2.mutate(fromUtf82(source));
      }
      throw new Error(`Unsupported conversion from ${typeof source} to Uint8ArrayBlobAdapter.`);
    }
    static mutate(source) {
      Object.setPrototypeOf(source, Uint8ArrayBlobAdapter2.prototype);
      return source;
    }
    transformToString(encoding = "utf-8") {
      if (encoding === "base64") {
        return toBase642(this);
      }
      return toUtf82(this);
    }
  };
}
var init_Uint8ArrayBlobAdapter = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-stream/blob/Uint8ArrayBlobAdapter.js"() {
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/toUtf8.js
var toUtf8;
var init_toUtf8 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/toUtf8.js"() {
    init_buffer_from();
    toUtf8 = (input) => {
      if (typeof input === "string") {
        return input;
      }
      if (typeof input !== "object" || typeof input.byteOffset !== "number" || typeof input.byteLength !== "number") {
        throw new Error("@smithy/util-utf8: toUtf8 encoder function only accepts string | Uint8Array.");
      }
      return fromArrayBuffer(input.buffer, input.byteOffset, input.byteLength).toString("utf8");
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/uuid/v4.js
function bindV4(getRandomValues2) {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") {
    return () => crypto.randomUUID();
  }
  return () => {
    const rnds = new Uint8Array(16);
    getRandomValues2(rnds);
    rnds[6] = rnds[6] & 15 | 64;
    rnds[8] = rnds[8] & 63 | 128;
    return decimalToHex[rnds[0]] + decimalToHex[rnds[1]] + decimalToHex[rnds[2]] + decimalToHex[rnds[3]] + "-" + decimalToHex[rnds[4]] + decimalToHex[rnds[5]] + "-" + decimalToHex[rnds[6]] + decimalToHex[rnds[7]] + "-" + decimalToHex[rnds[8]] + decimalToHex[rnds[9]] + "-" + decimalToHex[rnds[10]] + decimalToHex[rnds[11]] + decimalToHex[rnds[12]] + decimalToHex[rnds[13]] + decimalToHex[rnds[14]] + decimalToHex[rnds[15]];
  };
}
var decimalToHex;
var init_v4 = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/uuid/v4.js"() {
    decimalToHex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/hasOwn.js
function hasOwn(o, k) {
  return Object.prototype.hasOwnProperty.call(o, k);
}
var init_hasOwn = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/hasOwn.js"() {
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/httpRequest.js
function cloneQuery(query) {
  return Object.keys(query).reduce((carry, paramName) => {
    const param = query[paramName];
    return {
      ...carry,
      [paramName]: Array.isArray(param) ? [...param] : param
    };
  }, {});
}
var HttpRequest;
var init_httpRequest = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/httpRequest.js"() {
    HttpRequest = class _HttpRequest {
      method;
      protocol;
      hostname;
      port;
      path;
      query;
      headers;
      username;
      password;
      fragment;
      body;
      constructor(options) {
        this.method = options.method || "GET";
        this.hostname = options.hostname || "localhost";
        this.port = options.port;
        this.query = options.query || {};
        this.headers = options.headers || {};
        this.body = options.body;
        this.protocol = options.protocol ? options.protocol.slice(-1) !== ":" ? `${options.protocol}:` : options.protocol : "https:";
        this.path = options.path ? options.path.charAt(0) !== "/" ? `/${options.path}` : options.path : "/";
        this.username = options.username;
        this.password = options.password;
        this.fragment = options.fragment;
      }
      static clone(request) {
        const cloned = new _HttpRequest({
          ...request,
          headers: { ...request.headers }
        });
        if (cloned.query) {
          cloned.query = cloneQuery(cloned.query);
        }
        return cloned;
      }
      static isInstance(request) {
        if (!request) {
          return false;
        }
        const req = request;
        return "method" in req && "protocol" in req && "hostname" in req && "path" in req && typeof req["query"] === "object" && typeof req["headers"] === "object";
      }
      clone() {
        return _HttpRequest.clone(this);
      }
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/normalizeProvider.js
var normalizeProvider;
var init_normalizeProvider = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/normalizeProvider.js"() {
    normalizeProvider = (input) => {
      if (typeof input === "function") {
        return input;
      }
      const promisified = Promise.resolve(input);
      return () => promisified;
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/transport/index.js
var init_transport = __esm({
  "node_modules/@smithy/core/dist-es/submodules/transport/index.js"() {
    init_hasOwn();
    init_httpRequest();
    init_normalizeProvider();
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-hex-encoding/hex-encoding.js
function fromHex(encoded) {
  if (encoded.length % 2 !== 0) {
    throw new Error("Hex encoded strings must have an even number length");
  }
  const out = new Uint8Array(encoded.length / 2);
  for (let i = 0; i < encoded.length; i += 2) {
    const encodedByte = encoded.slice(i, i + 2).toLowerCase();
    if (encodedByte in HEX_TO_SHORT) {
      out[i / 2] = HEX_TO_SHORT[encodedByte];
    } else {
      throw new Error(`Cannot decode unrecognized sequence ${encodedByte} as hexadecimal`);
    }
  }
  return out;
}
function toHex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.byteLength; i++) {
    out += SHORT_TO_HEX[bytes[i]];
  }
  return out;
}
var SHORT_TO_HEX, HEX_TO_SHORT;
var init_hex_encoding = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-hex-encoding/hex-encoding.js"() {
    SHORT_TO_HEX = {};
    HEX_TO_SHORT = {};
    for (let i = 0; i < 256; i++) {
      let encodedByte = i.toString(16).toLowerCase();
      if (encodedByte.length === 1) {
        encodedByte = `0${encodedByte}`;
      }
      SHORT_TO_HEX[i] = encodedByte;
      HEX_TO_SHORT[encodedByte] = i;
    }
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/toUint8Array.js
var toUint8Array;
var init_toUint8Array = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/util-utf8/toUint8Array.js"() {
    init_fromUtf8();
    toUint8Array = (data) => {
      if (data instanceof Uint8Array) {
        return data;
      }
      if (typeof data === "string") {
        return fromUtf8(data);
      }
      if (ArrayBuffer.isView(data)) {
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength / Uint8Array.BYTES_PER_ELEMENT);
      }
      return new Uint8Array(data);
    };
  }
});

// node_modules/@smithy/core/dist-es/submodules/client/index.js
var init_client = __esm({
  "node_modules/@smithy/core/dist-es/submodules/client/index.js"() {
    init_transport();
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/writeKey.js
function writeKey(obj) {
  Object.defineProperty(obj, "__proto__", { value: void 0, writable: true, enumerable: true, configurable: true });
}
var init_writeKey = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/writeKey.js"() {
  }
});

// node_modules/@smithy/core/dist-es/submodules/serde/index.js
var import_node_crypto, Uint8ArrayBlobAdapter, _getRandomValues, v4;
var init_serde = __esm({
  "node_modules/@smithy/core/dist-es/submodules/serde/index.js"() {
    import_node_crypto = require("node:crypto");
    init_fromBase64();
    init_toBase64();
    init_Uint8ArrayBlobAdapter();
    init_fromUtf8();
    init_toUtf8();
    init_v4();
    init_hex_encoding();
    init_toUint8Array();
    init_is_array_buffer();
    init_transport();
    init_writeKey();
    Uint8ArrayBlobAdapter = class extends bindUint8ArrayBlobAdapter(toUtf8, fromUtf8, toBase64, fromBase64) {
    };
    _getRandomValues = import_node_crypto.getRandomValues;
    v4 = bindV4(_getRandomValues);
  }
});

// src/action.ts
var import_node_fs2 = require("node:fs");

// node_modules/@actions/core/lib/command.js
var os = __toESM(require("os"));

// node_modules/@actions/core/lib/utils.js
function toCommandValue(input) {
  if (input === null || input === void 0) {
    return "";
  } else if (typeof input === "string" || input instanceof String) {
    return input;
  }
  return JSON.stringify(input);
}
function toCommandProperties(annotationProperties) {
  if (!Object.keys(annotationProperties).length) {
    return {};
  }
  return {
    title: annotationProperties.title,
    file: annotationProperties.file,
    line: annotationProperties.startLine,
    endLine: annotationProperties.endLine,
    col: annotationProperties.startColumn,
    endColumn: annotationProperties.endColumn
  };
}

// node_modules/@actions/core/lib/command.js
function issueCommand(command, properties, message) {
  const cmd = new Command(command, properties, message);
  process.stdout.write(cmd.toString() + os.EOL);
}
var CMD_STRING = "::";
var Command = class {
  constructor(command, properties, message) {
    if (!command) {
      command = "missing.command";
    }
    this.command = command;
    this.properties = properties;
    this.message = message;
  }
  toString() {
    let cmdStr = CMD_STRING + this.command;
    if (this.properties && Object.keys(this.properties).length > 0) {
      cmdStr += " ";
      let first = true;
      for (const key in this.properties) {
        if (this.properties.hasOwnProperty(key)) {
          const val = this.properties[key];
          if (val) {
            if (first) {
              first = false;
            } else {
              cmdStr += ",";
            }
            cmdStr += `${key}=${escapeProperty(val)}`;
          }
        }
      }
    }
    cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
    return cmdStr;
  }
};
function escapeData(s) {
  return toCommandValue(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s) {
  return toCommandValue(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/:/g, "%3A").replace(/,/g, "%2C");
}

// node_modules/@actions/core/lib/file-command.js
var crypto2 = __toESM(require("crypto"));
var fs = __toESM(require("fs"));
var os2 = __toESM(require("os"));
function issueFileCommand(command, message) {
  const filePath = process.env[`GITHUB_${command}`];
  if (!filePath) {
    throw new Error(`Unable to find environment variable for file command ${command}`);
  }
  if (!fs.existsSync(filePath)) {
    throw new Error(`Missing file at path: ${filePath}`);
  }
  fs.appendFileSync(filePath, `${toCommandValue(message)}${os2.EOL}`, {
    encoding: "utf8"
  });
}
function prepareKeyValueMessage(key, value) {
  const delimiter = `ghadelimiter_${crypto2.randomUUID()}`;
  const convertedValue = toCommandValue(value);
  if (key.includes(delimiter)) {
    throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
  }
  if (convertedValue.includes(delimiter)) {
    throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
  }
  return `${key}<<${delimiter}${os2.EOL}${convertedValue}${os2.EOL}${delimiter}`;
}

// node_modules/@actions/core/lib/core.js
var os3 = __toESM(require("os"));
var ExitCode;
(function(ExitCode2) {
  ExitCode2[ExitCode2["Success"] = 0] = "Success";
  ExitCode2[ExitCode2["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
function exportVariable(name, val) {
  const convertedVal = toCommandValue(val);
  process.env[name] = convertedVal;
  const filePath = process.env["GITHUB_ENV"] || "";
  if (filePath) {
    return issueFileCommand("ENV", prepareKeyValueMessage(name, val));
  }
  issueCommand("set-env", { name }, convertedVal);
}
function setSecret(secret) {
  issueCommand("add-mask", {}, secret);
}
function setOutput(name, value) {
  const filePath = process.env["GITHUB_OUTPUT"] || "";
  if (filePath) {
    return issueFileCommand("OUTPUT", prepareKeyValueMessage(name, value));
  }
  process.stdout.write(os3.EOL);
  issueCommand("set-output", { name }, toCommandValue(value));
}
function setFailed(message) {
  process.exitCode = ExitCode.Failure;
  error(message);
}
function debug(message) {
  issueCommand("debug", {}, message);
}
function error(message, properties = {}) {
  issueCommand("error", toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
function warning(message, properties = {}) {
  issueCommand("warning", toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
function info(message) {
  process.stdout.write(message + os3.EOL);
}

// src/core/safety/log-safety.ts
var UNSAFE_CHARS = (
  // eslint-disable-next-line no-misleading-character-class -- each code point is meant on its own, the combining ones too
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}\p{Cs}]/gu
);
function hasUnsafeChar(text) {
  UNSAFE_CHARS.lastIndex = 0;
  const found2 = UNSAFE_CHARS.test(text);
  UNSAFE_CHARS.lastIndex = 0;
  return found2;
}
function escapeChar(c) {
  const code = c.codePointAt(0) ?? 0;
  return code > 65535 ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
}
function escapeUnsafe(text) {
  return text.replace(UNSAFE_CHARS, escapeChar);
}
function neutraliseLine(line) {
  const escaped = escapeUnsafe(line).replace(/##(\[|vso\[)/gi, "# #$1");
  const indent = /^\s*/.exec(escaped)?.[0] ?? "";
  return escaped.startsWith("::", indent.length) ? `${indent}: :${escaped.slice(indent.length + 2)}` : escaped;
}
var PIECE = 20;
var BLOCK = PIECE / 2;
var MIN_SECRET_LENGTH = 4;
var MAX_INDEXED_LENGTH = 64 * 1024;
var IGNORED = new RegExp(`\\s|${UNSAFE_CHARS.source}`, "u");
var IGNORED_ALL = new RegExp(IGNORED.source, "gu");
var ESCAPE_START = /[\\%+]/;
var JSON_SIMPLE = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "	"
};
var HEX2 = /^[0-9a-fA-F]{2}$/;
var HEX4 = /^[0-9a-fA-F]{4}$/;
function decodedAt(s, i) {
  const c = s[i];
  if (c === "\\" && i + 1 < s.length) {
    const next = s[i + 1];
    const simple = JSON_SIMPLE[next];
    if (simple !== void 0) return [simple, 2];
    const hex = s.slice(i + 2, i + 6);
    if (next === "u" && HEX4.test(hex)) return [String.fromCharCode(parseInt(hex, 16)), 6];
    const astral = next === "u" ? /^\{([0-9a-fA-F]{1,6})\}/.exec(s.slice(i + 2, i + 10)) : null;
    if (astral !== null && parseInt(astral[1], 16) <= 1114111)
      return [String.fromCodePoint(parseInt(astral[1], 16)), 2 + astral[0].length];
  }
  if (c === "+") return [" ", 1];
  if (c === "%" && HEX2.test(s.slice(i + 1, i + 3))) {
    const first = parseInt(s.slice(i + 1, i + 3), 16);
    const extra = first < 128 ? 0 : first >= 240 ? 3 : first >= 224 ? 2 : first >= 192 ? 1 : -1;
    if (extra === 0) return [String.fromCharCode(first), 3];
    const bytes = [first];
    for (let k = 1; k <= extra; k++) {
      const hex = s.slice(i + 3 * k + 1, i + 3 * k + 3);
      if (s[i + 3 * k] !== "%" || !HEX2.test(hex)) return [c, 1];
      bytes.push(parseInt(hex, 16));
    }
    const decoded = extra < 0 ? "" : Buffer.from(bytes).toString("utf8");
    if (decoded !== "" && !decoded.includes("�")) return [decoded, 3 * (extra + 1)];
  }
  return [c, 1];
}
function canonical(s, decode) {
  let text = "";
  const from = [];
  const to = [];
  for (let i = 0; i < s.length; ) {
    const code = s.charCodeAt(i);
    if (code > 32 && code < 127 && !(decode && (code === 92 || code === 37 || code === 43))) {
      text += s[i];
      from.push(i);
      to.push(i + 1);
      i++;
      continue;
    }
    const [chars, taken] = decode ? decodedAt(s, i) : [s[i], 1];
    for (const unit of chars.split("")) {
      if (IGNORED.test(unit)) continue;
      text += unit;
      from.push(i);
      to.push(i + taken);
    }
    i += taken;
  }
  return { text, from, to };
}
function createRedactor() {
  const values = /* @__PURE__ */ new Set();
  let byLength = [];
  const forms = [];
  const blocks = /* @__PURE__ */ new Map();
  const short = /* @__PURE__ */ new Map();
  const index = (form) => {
    if (form.length > MAX_INDEXED_LENGTH || form.length < MIN_SECRET_LENGTH) return;
    if (form.length < PIECE) {
      const set = short.get(form.length) ?? /* @__PURE__ */ new Set();
      short.set(form.length, set.add(form));
      return;
    }
    const f = forms.push(form) - 1;
    for (let o = 0; o + BLOCK <= form.length; o += BLOCK) {
      const key = form.slice(o, o + BLOCK);
      const at = blocks.get(key);
      if (at === void 0) blocks.set(key, [[f, o]]);
      else at.push([f, o]);
    }
  };
  const spans = (text, decode) => {
    const form = canonical(text, decode);
    const t = form.text;
    const span = (start, end) => [
      form.from[start],
      form.to[end - 1]
    ];
    const found2 = [];
    for (const [length, set] of short)
      for (let i = 0; i + length <= t.length; i++) if (set.has(t.slice(i, i + length))) found2.push(span(i, i + length));
    for (let j = 0; j + BLOCK <= t.length; j++) {
      let reach = j;
      for (const [f, o] of blocks.get(t.slice(j, j + BLOCK)) ?? []) {
        const secret = forms[f];
        let left = 0;
        while (j - left > 0 && o - left > 0 && t[j - left - 1] === secret[o - left - 1]) left++;
        let right = BLOCK;
        while (j + right < t.length && o + right < secret.length && t[j + right] === secret[o + right]) right++;
        if (left + right < PIECE) continue;
        found2.push(span(j - left, j + right));
        reach = Math.max(reach, j + right - BLOCK);
      }
      j = reach;
    }
    return found2;
  };
  return {
    add(value, opts = {}) {
      if (value.length < MIN_SECRET_LENGTH || values.has(value)) return false;
      values.add(value);
      byLength = [...values].sort((a, b) => b.length - a.length);
      if (opts.pieces === false) return true;
      const plain = value.replace(IGNORED_ALL, "").replace(/[\ud800-\udfff]/g, "");
      index(plain);
      if (ESCAPE_START.test(value)) index(canonical(value, true).text);
      return true;
    },
    redact(text) {
      let out = text;
      for (const secret of byLength) out = out.split(secret).join("***");
      const all = [...spans(out, false), ...spans(out, true)].sort((a, b) => a[0] - b[0]);
      let result = "";
      let at = 0;
      for (let k = 0; k < all.length; ) {
        const [start] = all[k];
        let end = all[k][1];
        for (k++; k < all.length && all[k][0] <= end; k++)
          end = Math.max(end, all[k][1]);
        result += `${out.slice(at, start)}***`;
        at = end;
      }
      return result + out.slice(at);
    }
  };
}
function neutraliseLines(text) {
  return text.split("\n").map(neutraliseLine).join("\n");
}

// src/core/safety/errors.ts
var KINDS = /* @__PURE__ */ Symbol.for("mondoo-aws-auth.error-kinds");
var ToolError = class extends Error {
  static [Symbol.hasInstance](value) {
    if (!Object.hasOwn(this, "kind")) return Function.prototype[Symbol.hasInstance].call(this, value);
    const kinds = value instanceof Error ? value[KINDS] : void 0;
    return kinds instanceof Set && kinds.has(this.kind);
  }
  constructor(message, options) {
    super(message, options);
    const kinds = /* @__PURE__ */ new Set();
    for (let c = new.target; typeof c === "function" && c !== Error; c = Object.getPrototypeOf(c))
      if (Object.hasOwn(c, "kind")) kinds.add(c.kind);
    Object.defineProperty(this, KINDS, { value: kinds });
  }
};
var ConfigError = class extends ToolError {
  static kind = "ConfigError";
  name = "ConfigError";
  code;
  /** The input (Action input name or CLI flag) the message is about. */
  input;
  /**
   * `code` is CONFIG_INVALID_INPUT or CONFIG_USAGE, or OIDC_TOKEN_UNAVAILABLE for a job that cannot have a token
   * at all (no `permissions: id-token: write`), which is found before any request too.
   */
  constructor(input, message, code = "CONFIG_INVALID_INPUT") {
    super(message);
    this.input = input;
    this.code = code;
  }
};
var AuthError = class extends ToolError {
  static kind = "AuthError";
  name = "AuthError";
  code;
  transient;
  constructor(message, opts) {
    super(message, opts.cause === void 0 ? void 0 : { cause: opts.cause });
    this.code = opts.code;
    this.transient = opts.transient ?? false;
  }
};
var HttpFailure = class extends AuthError {
  static kind = "HttpFailure";
  name = "HttpFailure";
  status;
  headers;
  /** The server's Retry-After, as it sent it (seconds, or an HTTP date): see {@link retryAfterMs}. */
  retryAfter;
  /** The server's clock (its Date header, in ms since the epoch), for clock-skew correction. */
  serverTime;
  /** The body said "slow down" whatever the status (STS answers throttling with 400). */
  throttled;
  constructor(message, answer, opts) {
    super(message, { code: opts.code });
    this.status = answer.status;
    this.headers = answer.headers;
    this.retryAfter = headerValue(answer.headers, "retry-after");
    this.serverTime = parseHttpDate(headerValue(answer.headers, "date"));
    this.throttled = opts.throttled ?? false;
  }
  /** Milliseconds the server asked us to wait, counted from `now`, if it said. */
  retryAfterMs(now) {
    return parseRetryAfter(this.retryAfter, now);
  }
};
var NetworkError = class extends ToolError {
  constructor(message, timedOut, hint) {
    super(message);
    this.timedOut = timedOut;
    this.hint = hint;
  }
  timedOut;
  hint;
  static kind = "NetworkError";
  name = "NetworkError";
};
function isTransientStatus(status) {
  return status === 429 || status >= 500;
}
function isTransient(err) {
  if (err instanceof NetworkError) return true;
  if (err instanceof HttpFailure) return err.throttled || isTransientStatus(err.status);
  return err instanceof AuthError && err.transient;
}
function parseRetryAfter(value, now) {
  if (value === void 0 || value.trim() === "") return void 0;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1e3;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? void 0 : Math.max(0, date - now);
}
function parseHttpDate(value) {
  const time = value === void 0 ? Number.NaN : Date.parse(value);
  return Number.isNaN(time) ? void 0 : time;
}
function headerValue(headers, name) {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}
function errorCode(err) {
  return err instanceof ConfigError || err instanceof AuthError ? err.code : "UNEXPECTED";
}
function failureLine(err) {
  return `[${errorCode(err)}] ${errorMessage(err)}`;
}
function errorMessage(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}
function truncate(text, max = 300) {
  const oneLine = text.replace(/[\s\u0085]+/g, " ").trim().replace(UNSAFE_CHARS, escapeChar);
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}… (${oneLine.length - max} more characters)`;
}
function redactUserinfo(value) {
  return value.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/?#]*@/i, "$1***@");
}
function quoteForLog(value, max = 80) {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return escapeUnsafe(JSON.stringify(shown));
}

// src/core/network/http.ts
var http2 = __toESM(require("node:http"), 1);
var https3 = __toESM(require("node:https"), 1);
var import_node_tls = require("node:tls");

// src/core/network/preconnect.ts
var https = __toESM(require("node:https"), 1);
var import_node_net = require("node:net");

// src/core/network/tls-policy.ts
function checkedTls(options) {
  return { ...options, rejectUnauthorized: true };
}
function ignoredTlsOverride(env) {
  if (env["NODE_TLS_REJECT_UNAUTHORIZED"] !== "0") return void 0;
  return "NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: mondoo-aws-auth always checks TLS certificates. To trust a proxy that inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.";
}
var CERTIFICATE_CODES = /* @__PURE__ */ new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID"
]);
function untrustedCertificate(err, where) {
  const code = err.code;
  if (code === void 0 || !CERTIFICATE_CODES.has(code)) return void 0;
  const what = code === "ERR_TLS_CERT_ALTNAME_INVALID" ? "is not issued for that name" : "is not trusted";
  return new AuthError(
    `The TLS certificate of ${where} ${what} (${code}). Certificates are always checked, whatever NODE_TLS_REJECT_UNAUTHORIZED says; if a proxy inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.`,
    { code: "TLS_CERTIFICATE_UNTRUSTED", cause: err }
  );
}

// src/core/network/preconnect.ts
var originKey = (host, port) => `${String(host)}:${String(port)}`;
var WarmAgent = class extends https.Agent {
  ahead = /* @__PURE__ */ new Map();
  openConnection;
  final;
  constructor(options, open, final) {
    super(checkedTls(options));
    this.openConnection = open ?? ((opts, callback) => super.createConnection(opts, callback));
    this.final = final ?? (() => false);
  }
  /**
   * Opens a connection to host:port now, for the first request there. At most one per origin; dropped (and
   * destroyed) if no request has come for it within `limitMs`, the time limit of an ordinary connection
   * attempt. Once a request waits for it, the request's own time limit applies, as to any connection.
   */
  preconnect(host, port, tlsOptions, limitMs) {
    const key = originKey(host, port);
    if (this.ahead.has(key)) return;
    const options = {
      ...tlsOptions,
      host,
      port,
      servername: (0, import_node_net.isIP)(host) === 0 ? host : "",
      ...this.options
    };
    const timer = setTimeout(() => fail(), limitMs);
    timer.unref();
    const entry = {
      state: "opening",
      socket: void 0,
      finalError: void 0,
      waiter: void 0,
      claimed: () => clearTimeout(timer),
      cleanup: () => clearTimeout(timer)
    };
    this.ahead.set(key, entry);
    const settle = (state, err) => {
      if (entry.state !== "opening") return;
      entry.state = state;
      const waiter = entry.waiter;
      entry.waiter = void 0;
      if (state === "failed") {
        entry.finalError = err !== void 0 && this.final(err) ? err : void 0;
        drop();
      }
      waiter?.(entry.socket);
    };
    const drop = () => {
      if (this.ahead.get(key) === entry && entry.finalError === void 0) this.ahead.delete(key);
      entry.cleanup();
      entry.socket?.on("error", () => void 0).destroy();
      entry.socket = void 0;
    };
    const fail = () => {
      if (entry.state === "ready") {
        entry.state = "failed";
        drop();
        return;
      }
      settle("failed");
    };
    const adopt = (socket) => {
      entry.socket = socket;
      socket.unref();
      const onReady = () => settle("ready");
      const onGone = () => fail();
      socket.once("secureConnect", onReady);
      socket.on("error", onGone);
      socket.once("end", onGone);
      socket.once("close", onGone);
      entry.cleanup = () => {
        clearTimeout(timer);
        socket.off("secureConnect", onReady);
        socket.off("error", onGone);
        socket.off("end", onGone);
        socket.off("close", onGone);
      };
    };
    let returned;
    try {
      returned = this.openConnection(options, (err, stream) => {
        if (err !== null || stream === void 0) settle("failed", err ?? void 0);
        else if (stream !== returned) adopt(stream);
      });
    } catch {
      settle("failed");
      return;
    }
    if (returned) adopt(returned);
  }
  /** Used by the agent for every new connection: the one opened ahead for this origin if there is one, else a fresh one. */
  createConnection(options, callback) {
    const open = callback ?? (() => void 0);
    const key = originKey(options.host, options.port);
    const entry = this.ahead.get(key);
    if (entry === void 0) return this.openConnection(options, open);
    this.ahead.delete(key);
    const take = (socket) => {
      if (entry.finalError !== void 0) {
        open(entry.finalError, void 0);
        return;
      }
      if (socket === void 0 || socket.destroyed) {
        const fresh = this.openConnection(options, open);
        if (fresh) open(null, fresh);
        return;
      }
      entry.cleanup();
      socket.ref();
      open(null, socket);
    };
    if (entry.state === "opening") {
      entry.claimed();
      entry.waiter = take;
    } else {
      take(entry.socket);
    }
    return void 0;
  }
};
function connectAhead(http3, urls, limitMs) {
  for (const url of urls) if (url !== void 0) http3.preconnect?.(url, limitMs);
}

// src/core/network/proxy.ts
var http = __toESM(require("node:http"), 1);
var https2 = __toESM(require("node:https"), 1);
var net = __toESM(require("node:net"), 1);
var tls = __toESM(require("node:tls"), 1);

// src/core/safety/url-input.ts
function isLoopbackHost(hostname) {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}
function secretUrlProblem(url, carries, plainHttpAlso = /* @__PURE__ */ new Set()) {
  if (url.protocol === "https:") return void 0;
  if (url.protocol !== "http:") return `is not an http(s) URL (${JSON.stringify(url.protocol)}).`;
  if (isLoopbackHost(url.hostname) || plainHttpAlso.has(url.hostname.toLowerCase())) return void 0;
  return `uses plain http to ${url.host}, which would send ${carries} unencrypted.`;
}
function quoteUrl(value) {
  return quoteForLog(redactUserinfo(value).replace(/[?#][^]*$/, ""), 80);
}
var CONTROL_FIX = "Remove it: a URL is taken exactly as given, never with characters dropped.";
function acceptSecretUrl(value, spec) {
  const input = spec.input;
  const refuse = (message) => typeof input === "string" ? new ConfigError(input, message) : input(message);
  if (hasUnsafeChar(value)) {
    throw refuse(
      `${spec.what} contains a control character or an invisible one (such as a tab, a line break or a zero-width space). ${CONTROL_FIX}`
    );
  }
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  const named = spec.showValue === true ? `${spec.what} ${quoteUrl(value)}` : spec.what;
  let url;
  try {
    url = new URL(hasScheme || spec.defaultScheme === void 0 ? value : `${spec.defaultScheme}://${value}`);
  } catch {
    throw refuse(`${named} is not a URL. ${spec.fix}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    const allowed = spec.carries === void 0 || spec.plainHttpAlso !== void 0 ? "an http:// or https:// URL" : "an https:// URL";
    throw refuse(
      `${named} uses ${url.protocol.replace(":", "")}://, which is not supported: it must be ${allowed}. ${spec.fix}`
    );
  }
  const problem = spec.carries === void 0 ? void 0 : secretUrlProblem(url, spec.carries, spec.plainHttpAlso?.hosts);
  if (problem !== void 0) {
    throw refuse(
      `${named} ${problem} ${spec.plainHttpAlso?.fix ?? "Use https:// (plain http is accepted only for a loopback host)."}`
    );
  }
  return url;
}

// src/core/network/proxy.ts
function firstSet(env, names) {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return void 0;
}
function parseProxyUrl(value, variable) {
  if (value === void 0) return void 0;
  return acceptSecretUrl(value, {
    input: "proxy",
    what: variable,
    fix: "Use the form http://proxy.example.com:3128 (credentials, if any, as http://user:password@host:port).",
    carries: void 0,
    defaultScheme: "http"
  });
}
function readProxySettings(env) {
  const httpsValue = firstSet(env, ["HTTPS_PROXY", "https_proxy"]);
  const httpValue = firstSet(env, ["HTTP_PROXY", "http_proxy"]);
  const noProxy = (firstSet(env, ["NO_PROXY", "no_proxy"]) ?? "").split(/[\s,]+/).map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== "");
  return {
    https: parseProxyUrl(httpsValue, env["HTTPS_PROXY"]?.trim() ? "HTTPS_PROXY" : "https_proxy"),
    http: parseProxyUrl(httpValue, env["HTTP_PROXY"]?.trim() ? "HTTP_PROXY" : "http_proxy"),
    noProxy
  };
}
function proxySecrets(settings) {
  const secrets = [];
  for (const url of [settings.https, settings.http]) {
    if (url === void 0 || url.username === "" && url.password === "") continue;
    secrets.push(url.href, url.href.replace(/\/$/, ""));
    if (url.password !== "") secrets.push(url.password, percentDecode(url.password).toString("utf8"));
  }
  return [...new Set(secrets)];
}
function parseNoProxyEntry(entry) {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) return { host: bracketed[1] ?? "", port: bracketed[2] };
  if ((entry.match(/:/g) ?? []).length > 1) return { host: entry, port: void 0 };
  const m = /^(.*?)(?::(\d+))?$/.exec(entry);
  return { host: m?.[1] ?? entry, port: m?.[2] };
}
function ipv4ToNumber(ip) {
  if (!net.isIPv4(ip)) return void 0;
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}
function inIpv4Cidr(ip, cidr) {
  const [base = "", bitsText = ""] = cidr.split("/");
  const bits = /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  const address = ipv4ToNumber(ip);
  const network = ipv4ToNumber(base);
  if (address === void 0 || network === void 0 || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(network / size);
}
function bypassesProxy(target, noProxy) {
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  return noProxy.some((entry) => {
    if (entry === "*") return true;
    const parsed = parseNoProxyEntry(entry);
    if (parsed.port !== void 0 && parsed.port !== port) return false;
    if (parsed.host.includes("/")) return inIpv4Cidr(host, parsed.host);
    if (net.isIP(parsed.host) !== 0 || net.isIP(host) !== 0) return parsed.host === host;
    const domain = parsed.host.replace(/^\*?\./, "");
    return domain !== "" && (host === domain || host.endsWith(`.${domain}`));
  });
}
function proxyFor(target, settings) {
  if (isLoopbackHost(target.hostname)) return void 0;
  const proxy = target.protocol === "https:" ? settings.https : settings.http;
  if (proxy === void 0 || bypassesProxy(target, settings.noProxy)) return void 0;
  return proxy;
}
function percentDecode(text) {
  const bytes = [];
  const utf8 = Buffer.from(text, "utf8");
  for (let i = 0; i < utf8.length; i++) {
    const hex = utf8[i] === 37 ? utf8.subarray(i + 1, i + 3).toString("latin1") : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(utf8[i] ?? 0);
    }
  }
  return Buffer.from(bytes);
}
function proxyAuthorization(proxy) {
  if (proxy.username === "" && proxy.password === "") return void 0;
  return `Basic ${Buffer.concat([percentDecode(proxy.username), Buffer.from(":"), percentDecode(proxy.password)]).toString("base64")}`;
}
function forwardProxyHeaders(proxy) {
  const auth = proxyAuthorization(proxy);
  return auth === void 0 ? {} : { "proxy-authorization": auth };
}
var ProxyTunnelError = class extends ToolError {
  constructor(message, status, transient) {
    super(message);
    this.status = status;
    this.transient = transient;
  }
  status;
  transient;
  static kind = "ProxyTunnelError";
  name = "ProxyTunnelError";
};
function tunnelRefusal(proxy, target, status) {
  const where = `the proxy ${proxy.host} refused to open a tunnel to ${target}: HTTP ${status}`;
  if (status === 407) {
    const fix = proxy.username === "" && proxy.password === "" ? "it requires authentication: give the credentials in the proxy URL, as http://user:password@host:port" : "proxy authentication failed: check the user and password in the proxy URL (percent-encode @ : / and % in them)";
    return new ProxyTunnelError(`${where} (${fix}).`, status, false);
  }
  if (isTransientStatus(status)) return new ProxyTunnelError(`${where}.`, status, true);
  return new ProxyTunnelError(
    `${where}. Allow ${target} in the proxy, or list the host in NO_PROXY if it is reachable directly.`,
    status,
    false
  );
}
var TunnelAgent = class extends https2.Agent {
  constructor(proxy) {
    super({ keepAlive: false });
    this.proxy = proxy;
  }
  proxy;
  createConnection(options, callback) {
    let settled = false;
    const done = (err, stream) => {
      if (settled) return;
      settled = true;
      callback?.(err, stream);
    };
    const target = `${options.host ?? "localhost"}:${String(options.port ?? 443)}`;
    const auth = proxyAuthorization(this.proxy);
    const request = (this.proxy.protocol === "https:" ? https2 : http).request(
      checkedTls({
        host: this.proxy.hostname.replace(/^\[|\]$/g, ""),
        port: this.proxy.port || (this.proxy.protocol === "https:" ? 443 : 80),
        method: "CONNECT",
        path: target,
        headers: { host: target, ...auth === void 0 ? {} : { "proxy-authorization": auth } },
        agent: false
      })
    );
    request.once("socket", (socket) => socket.unref());
    request.once("connect", (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        done(tunnelRefusal(this.proxy, target, response.statusCode ?? 0));
        return;
      }
      socket.ref();
      const host = (options.host ?? "").replace(/^\[|\]$/g, "");
      const { host: _host, port: _port, path: _path, servername: _servername, ...tlsOptions } = options;
      const servername = net.isIP(host) === 0 ? options.servername || host : void 0;
      const secure = tls.connect(
        checkedTls({ ...tlsOptions, socket, host, ...servername ? { servername } : {} })
      );
      done(null, secure);
    });
    request.once(
      "error",
      (err) => done(
        untrustedCertificate(err, `the proxy ${this.proxy.host}`) ?? new ProxyTunnelError(`could not reach the proxy ${this.proxy.host}: ${err.message}`, void 0, true)
      )
    );
    request.end();
    return void 0;
  }
};

// src/core/network/http.ts
var MAX_BODY_BYTES = 1024 * 1024;
function createHttpClient(proxy) {
  const agents = {
    http: new http2.Agent({ keepAlive: true }),
    https: new WarmAgent({ keepAlive: true, maxCachedSessions: 0 })
  };
  let tlsContext;
  const secureContext = () => tlsContext ??= (0, import_node_tls.createSecureContext)();
  const tunnels = /* @__PURE__ */ new Map();
  const tunnelTo = (url) => {
    let agent = tunnels.get(url.href);
    if (agent === void 0) {
      const tunnel = new TunnelAgent(url);
      agent = new WarmAgent(
        { keepAlive: false },
        (options, callback) => tunnel.createConnection(options, callback),
        // A refusal another attempt cannot fix (407, 403): the request gets it as it would from its own CONNECT.
        (err) => err instanceof ProxyTunnelError && !err.transient
      );
      tunnels.set(url.href, agent);
    }
    return agent;
  };
  const hostOf = (url) => url.hostname.replace(/^\[|\]$/g, "");
  const client = (request) => new Promise((resolve, reject) => {
    const target = new URL(request.url);
    const via = proxyFor(target, proxy);
    const headers = { ...request.headers };
    if (request.body !== void 0) headers["content-length"] = String(Buffer.byteLength(request.body));
    const secure = target.protocol === "https:";
    let transport = secure ? https3 : http2;
    let options = {
      hostname: hostOf(target),
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      method: request.method,
      headers,
      agent: secure ? agents.https : agents.http,
      ...secure ? { secureContext: secureContext() } : {}
    };
    if (via !== void 0 && secure) {
      options = { ...options, agent: tunnelTo(via) };
    } else if (via !== void 0) {
      transport = via.protocol === "https:" ? https3 : http2;
      options = {
        ...options,
        hostname: via.hostname.replace(/^\[|\]$/g, ""),
        port: via.port || (via.protocol === "https:" ? 443 : 80),
        path: target.href,
        headers: { host: target.host, ...forwardProxyHeaders(via), ...headers },
        agent: via.protocol === "https:" ? agents.https : agents.http
      };
    }
    let settled = false;
    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const req = transport.request(options, (res) => {
      if (via !== void 0 && !secure && res.statusCode === 407) {
        res.resume();
        fail(tunnelRefusal(via, target.host, 407));
        return;
      }
      const chunks = [];
      let size = 0;
      res.on("data", (chunk) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(
            new NetworkError(`the answer from ${target.host} was larger than ${MAX_BODY_BYTES} bytes`, false)
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on(
        "end",
        () => settle(
          () => resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8")
          })
        )
      );
      res.on("error", (err) => fail(err));
    });
    const fail = (err) => settle(() => reject(networkFailure(err, target)));
    const timer = setTimeout(() => {
      const err = noAnswerWithin(target, request.timeoutMs);
      fail(err);
      req.destroy(err);
    }, request.timeoutMs);
    req.on("error", fail);
    req.end(request.body);
  });
  client.preconnect = (url, limitMs) => {
    let target;
    try {
      target = new URL(url);
    } catch {
      return;
    }
    if (target.protocol !== "https:") return;
    const via = proxyFor(target, proxy);
    const agent = via === void 0 ? agents.https : tunnelTo(via);
    agent.preconnect(hostOf(target), Number(target.port || 443), { secureContext: secureContext() }, limitMs);
  };
  return client;
}
function noAnswerWithin(target, timeoutMs) {
  return new NetworkError(`${target.host} did not answer within ${formatMs(timeoutMs)}`, true);
}
function networkFailure(err, target) {
  if (err instanceof NetworkError || err instanceof AuthError) return err;
  if (err instanceof ProxyTunnelError) {
    return err.transient ? new NetworkError(`could not reach ${target.host}: ${err.message}`, false) : new AuthError(`${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}`, { code: "PROXY_REFUSED" });
  }
  return untrustedCertificate(err, target.host) ?? new NetworkError(`could not reach ${target.host}: ${describeSocketError(err)}`, false, unreachableHint(err, target));
}
function unreachableHint(err, target) {
  const code = err.code;
  if (code === "ECONNREFUSED")
    return `Fix: nothing accepted a connection at ${target.host} (or at the proxy, when HTTPS_PROXY is set). Check the host and port (universe-domain for Mondoo; aws-region, AWS_ENDPOINT_URL_STS for STS), that the service is up, and any firewall between this job and it.`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return `Fix: the host name ${target.hostname} could not be resolved. Check it for a typo (universe-domain for Mondoo; aws-region, AWS_ENDPOINT_URL_STS for STS) and this job's DNS; a job that reaches the internet only through a proxy needs HTTPS_PROXY.`;
  return void 0;
}
function describeSocketError(err) {
  const code = err.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "the connection was reset before an answer arrived";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name could not be resolved (check the URL, DNS, or HTTPS_PROXY)";
    case "ETIMEDOUT":
      return "the connection timed out";
    default:
      return code ? `${err.message} (${code})` : err.message;
  }
}
function formatMs(ms) {
  return ms % 1e3 === 0 ? `${ms / 1e3}s` : `${(ms / 1e3).toFixed(1)}s`;
}
function header(response, name) {
  return headerValue(response.headers, name);
}

// src/core/safety/masker.ts
function createMasker(opts = {}) {
  const redactor = createRedactor();
  return {
    add(value, how) {
      if (redactor.add(value, how)) opts.registerWithHost?.(value);
    },
    redact(text) {
      return neutraliseLines(redactor.redact(text));
    }
  };
}

// src/core/config/response-type.ts
var RESPONSE_TYPES = ["credential", "token"];
function parseResponseType(value) {
  const trimmed = value.trim().toLowerCase();
  return RESPONSE_TYPES.includes(trimmed) ? trimmed : void 0;
}
function responseTypeField(type) {
  return type === "token" ? { response_type: "TOKEN" } : {};
}

// src/core/config/config.ts
var DEFAULT_REGION = "us-east-1";
var describeAsActionInput = (name) => `input "${name}"`;
var ROLE_ARN = /^arn:(aws|aws-[a-z]+(?:-[a-z]+)*):iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?[\w+=,.@-]{1,64}$/;
function checkCombinedSettings(config, describe) {
  const roleAccount = config.roleToAssume === void 0 ? void 0 : ROLE_ARN.exec(config.roleToAssume)?.[2];
  if (roleAccount !== void 0 && config.allowedAccountIds !== void 0 && !config.allowedAccountIds.includes(roleAccount)) {
    throw new ConfigError(
      "allowed-account-ids",
      `${describe("role-to-assume")} is a role of account ${roleAccount}, which ${describe("allowed-account-ids")} (${config.allowedAccountIds.join(", ")}) does not list. Add ${roleAccount} to ${describe("allowed-account-ids")}, or assume a role of a listed account.`
    );
  }
  if (config.proof === "aws-jwt" && config.roleToAssume !== void 0 && config.awsJwtDurationSeconds >= config.roleDurationSeconds) {
    throw new ConfigError(
      "aws-jwt-duration-seconds",
      `${describe("aws-jwt-duration-seconds")} (${config.awsJwtDurationSeconds}) is not shorter than ${describe("role-duration-seconds")} (${config.roleDurationSeconds}): the AWS JWT would outlive the role's session, which STS refuses. Lower ${describe("aws-jwt-duration-seconds")} (the default is 300), or raise ${describe("role-duration-seconds")}.`
    );
  }
}
var SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
var REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
function quote(value) {
  return quoteForLog(value, 80);
}
function normalizeUniverseDomain(value, describe = describeAsActionInput) {
  const what = describe("universe-domain");
  const trimmed = value.trim();
  if (trimmed === "")
    throw new ConfigError(
      "universe-domain",
      `${what} is empty. Set it to your Mondoo API URL, for example https://us.api.mondoo.com or https://eu.api.mondoo.com.`
    );
  const url = acceptSecretUrl(trimmed, {
    input: "universe-domain",
    what,
    fix: "Use the API URL Mondoo shows for the identity provider, for example https://us.api.mondoo.com.",
    carries: "your AWS identity proof",
    defaultScheme: "https",
    showValue: true
  });
  const origin = `${url.protocol}//${url.host}`;
  const extra = url.search !== "" || url.hash !== "" || /[?#]/.test(trimmed) ? "a query string or fragment" : void 0;
  const path = url.pathname.replace(/\/+$/, "");
  if (extra !== void 0 || path !== "") {
    throw new ConfigError(
      "universe-domain",
      `${what} ${quote(redactUserinfo(value))} must not contain ${extra ?? `a path (${quote(path)})`}: it is the API's base URL, to which the tool adds the exchange's path. Use ${origin}.`
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError(
      "universe-domain",
      `${what} must not contain a user name or password. Use just the API base URL, for example https://us.api.mondoo.com.`
    );
  }
  return origin;
}
function requireText(name, value, describe, fix) {
  const trimmed = (value ?? "").trim();
  if (trimmed === "") throw new ConfigError(name, `${describe(name)} is required. ${fix}`);
  if (hasUnsafeChar(trimmed))
    throw new ConfigError(
      name,
      `${describe(name)} contains a control character or an invisible one (such as a newline). ${fix}`
    );
  if (trimmed.length > 2048)
    throw new ConfigError(
      name,
      `${describe(name)} is ${trimmed.length} characters long; at most 2048 are accepted. ${fix}`
    );
  return trimmed;
}
function parseIssuerUri(value, describe) {
  const trimmed = requireText(
    "issuer-uri",
    value,
    describe,
    "Use the issuer URL of the Mondoo identity provider, normally https://sts.amazonaws.com."
  );
  let url;
  try {
    url = new URL(trimmed);
  } catch {
    url = void 0;
  }
  if (url === void 0 || url.protocol !== "https:") {
    throw new ConfigError(
      "issuer-uri",
      `${describe("issuer-uri")} ${quoteUrl(trimmed)} must be an https:// URL, normally https://sts.amazonaws.com (the issuer URL of the Mondoo identity provider).`
    );
  }
  return trimmed;
}
function parseRoleArn(value, describe = describeAsActionInput) {
  const trimmed = (value ?? "").trim();
  if (trimmed === "") return void 0;
  if (!ROLE_ARN.test(trimmed)) {
    const hint = /^\d{12}$/.test(trimmed) || !trimmed.startsWith("arn:") ? " Give the full ARN, not a role name or account ID." : "";
    throw new ConfigError(
      "role-to-assume",
      `${describe("role-to-assume")} ${quote(trimmed)} is not an IAM role ARN. Use the form arn:aws:iam::123456789012:role/RoleName (arn:<partition>:iam::<12-digit account>:role/<path/name>).${hint}`
    );
  }
  return trimmed;
}
function parseSessionName(value, describe = describeAsActionInput) {
  const trimmed = value.trim();
  if (!SESSION_NAME.test(trimmed)) {
    throw new ConfigError(
      "role-session-name",
      `${describe("role-session-name")} ${quote(trimmed)} is not a valid session name. Use 2 to 64 characters from letters, digits and _+=,.@- (no spaces).`
    );
  }
  return trimmed;
}
function parseInteger(name, value, min, max, describe) {
  const trimmed = value.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `${describe(name)} ${quote(trimmed)} must be a whole number from ${min} to ${max}.`);
  }
  return n;
}
function parseSeconds(name, value, min, max, describe) {
  const trimmed = value.trim();
  const n = /^\d+(?:\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(
      name,
      `${describe(name)} ${quote(trimmed)} must be a number of seconds from ${min} to ${max}.`
    );
  }
  return Math.round(n * 1e3);
}
function parseBoolean(name, value, describe = describeAsActionInput) {
  const trimmed = value.trim();
  if (["true", "True", "TRUE"].includes(trimmed)) return true;
  if (["false", "False", "FALSE"].includes(trimmed)) return false;
  throw new ConfigError(name, `${describe(name)} ${quote(trimmed)} must be true or false.`);
}
function parseRegion(value, describe, source) {
  const trimmed = value.trim();
  if (!REGION.test(trimmed)) {
    throw new ConfigError(
      "aws-region",
      `${source === "input" ? describe("aws-region") : source} ${quote(trimmed)} is not an AWS region. Use a region code such as us-east-1 or eu-central-1.`
    );
  }
  return trimmed;
}
function resolveRegion(input, env, describe) {
  if (input !== void 0 && input.trim() !== "") return parseRegion(input, describe, "input");
  for (const name of ["AWS_REGION", "AWS_DEFAULT_REGION"]) {
    const value = env[name]?.trim();
    if (value) return parseRegion(value, describe, `environment variable ${name}`);
  }
  return DEFAULT_REGION;
}
function readStsEndpoint(env) {
  for (const variable of ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return void 0;
}
function parseResponseTypeSetting(value, describe) {
  const type = parseResponseType(value);
  if (type === void 0) {
    throw new ConfigError(
      "response-type",
      `${describe("response-type")} ${quote(value)} must be credential (a service-account credential, the default) or token (a short-lived bearer token).`
    );
  }
  return type;
}
function parseAllowedAccountIds(value, describe) {
  const entries = value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (entries.length === 0) return void 0;
  const bad = entries.find((entry) => !/^\d{12}$/.test(entry));
  if (bad !== void 0) {
    throw new ConfigError(
      "allowed-account-ids",
      `${describe("allowed-account-ids")} has the entry ${quote(bad)}, which is not a 12-digit AWS account ID. Give account IDs separated by commas, for example 123456789012,210987654321.`
    );
  }
  return [...new Set(entries)];
}

// src/core/config/proof-settings.ts
var PROOF_KINDS = ["signed-request", "aws-jwt"];
var JWT_ALGORITHMS = ["RS256", "ES384"];
var DEFAULT_ISSUER_URI = "https://sts.amazonaws.com";
var AWS_JWT_MIN_SECONDS = 60;
var AWS_JWT_MAX_SECONDS = 3600;
var AWS_JWT_DEFAULT_SECONDS = 300;
function parseProof(value, describe) {
  const trimmed = value.trim().toLowerCase();
  if (PROOF_KINDS.includes(trimmed)) return trimmed;
  throw new ConfigError(
    "proof",
    `${describe("proof")} ${quoteForLog(value.trim(), 80)} must be signed-request (a signed STS GetCallerIdentity, the default) or aws-jwt (an AWS-signed JWT for the Mondoo audience, from STS GetWebIdentityToken).`
  );
}
function parseJwtAlgorithm(value, describe) {
  const trimmed = value.trim().toUpperCase();
  if (JWT_ALGORITHMS.includes(trimmed)) return trimmed;
  throw new ConfigError(
    "aws-jwt-algorithm",
    `${describe("aws-jwt-algorithm")} ${quoteForLog(value.trim(), 80)} must be RS256 (the default) or ES384, the algorithms STS GetWebIdentityToken signs with.`
  );
}
var AWS_JWT_MAX_AUDIENCE_LENGTH = 1e3;
function checkProofSettings(config, describe) {
  if (config.proof === "aws-jwt" && config.audience.length > AWS_JWT_MAX_AUDIENCE_LENGTH) {
    throw new ConfigError(
      "audience",
      `${describe("audience")} is ${config.audience.length} characters long; with proof aws-jwt it becomes the JWT's audience, which STS GetWebIdentityToken limits to ${AWS_JWT_MAX_AUDIENCE_LENGTH}. Copy the audience Mondoo shows for the identity provider.`
    );
  }
}

// src/core/config/settings.ts
function bind(key, parse) {
  return { key, parse };
}
var SETTINGS = [
  {
    name: "audience",
    scope: "both",
    required: true,
    description: "The audience Mondoo shows for the AWS identity provider (Settings → Identity Providers).",
    help: "Audience of the Mondoo identity provider (required)",
    env: ["MONDOO_AUDIENCE"],
    config: bind(
      "audience",
      (v, c) => requireText(
        "audience",
        v,
        c.describe,
        "Copy the audience Mondoo shows for your AWS identity provider (Settings → Identity Providers)."
      )
    )
  },
  {
    name: "universe-domain",
    scope: "both",
    default: "https://us.api.mondoo.com",
    description: "Mondoo API base URL. EU customers use https://eu.api.mondoo.com.",
    help: "Mondoo API URL (default https://us.api.mondoo.com; EU: https://eu.api.mondoo.com)",
    env: ["MONDOO_UNIVERSE_DOMAIN"],
    config: bind("universeDomain", (v, c) => normalizeUniverseDomain(v, c.describe))
  },
  {
    name: "issuer-uri",
    scope: "both",
    default: DEFAULT_ISSUER_URI,
    description: "Issuer URL of the Mondoo identity provider, sent as issuer_uri. With proof aws-jwt the token's issuer is sent; a value other than the default must equal it.",
    help: "Issuer of the identity provider (default https://sts.amazonaws.com)",
    env: ["MONDOO_ISSUER_URI"],
    config: bind("issuerUri", (v, c) => parseIssuerUri(v, c.describe))
  },
  {
    name: "role-to-assume",
    scope: "both",
    default: "",
    description: "IAM role ARN to assume with the job's GitHub OIDC token first (needs permissions id-token write). Empty uses the AWS credentials already available (environment, profile, web identity file, container or instance metadata).",
    help: "IAM role ARN to assume with a web identity (OIDC) token first",
    // The CLI reads AWS_ROLE_ARN only when no keys are in the environment, as the AWS SDK does (cli.ts).
    env: ["AWS_ROLE_ARN"],
    config: bind("roleToAssume", (v, c) => parseRoleArn(v, c.describe))
  },
  {
    name: "role-session-name",
    scope: "both",
    default: "GitHubActions",
    cliDefault: (ci) => ci.sessionName,
    description: "Session name for role-to-assume; 2 to 64 characters of letters, digits and _+=,.@-",
    help: "Session name (default: derived from the CI job, e.g. gitlab-<project>-<job>)",
    env: ["AWS_ROLE_SESSION_NAME"],
    config: bind("roleSessionName", (v, c) => parseSessionName(v, c.describe))
  },
  {
    name: "role-duration-seconds",
    scope: "both",
    default: "900",
    description: "Lifetime of the assumed role session, 900 to 43200 seconds.",
    help: "Assumed-role session lifetime, 900-43200 (default 900)",
    config: bind("roleDurationSeconds", (v, c) => parseInteger("role-duration-seconds", v, 900, 43200, c.describe))
  },
  {
    name: "web-identity-token-file",
    scope: "cli",
    help: "File holding the OIDC token for the role",
    env: ["AWS_WEB_IDENTITY_TOKEN_FILE"]
  },
  {
    name: "web-identity-token-env",
    scope: "cli",
    help: "NAME of a variable holding the OIDC token (e.g. a GitLab id_tokens variable)"
  },
  {
    name: "web-identity-audience",
    scope: "both",
    default: "sts.amazonaws.com",
    description: "Audience (aud) of the GitHub OIDC token used for role-to-assume.",
    help: "Audience to request for minted tokens (GitHub, Buildkite; default sts.amazonaws.com)",
    config: bind(
      "webIdentityAudience",
      (v, c) => requireText(
        "web-identity-audience",
        v,
        c.describe,
        "Use the audience your IAM OIDC provider expects, normally sts.amazonaws.com."
      )
    )
  },
  {
    name: "allowed-account-ids",
    scope: "both",
    default: "",
    description: "Comma-separated 12-digit AWS account IDs. When set, the account of the AWS credentials is learned (STS GetCallerIdentity, the assumed role, or with proof aws-jwt the token's aws_account) before anything is sent to Mondoo, and another account fails the step with AWS_ACCOUNT_NOT_ALLOWED.",
    help: "Comma-separated AWS account IDs; credentials of any other account are refused before Mondoo is asked",
    env: ["MONDOO_ALLOWED_ACCOUNT_IDS"],
    config: bind("allowedAccountIds", (v, c) => parseAllowedAccountIds(v, c.describe))
  },
  {
    name: "aws-region",
    scope: "both",
    default: "",
    description: "Region for the tool's own STS calls (AssumeRoleWithWebIdentity, the identity lookup, and with proof aws-jwt GetWebIdentityToken). Defaults to AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. The request signed for Mondoo always targets the global STS endpoint.",
    help: "Region for the tool's own STS calls (default AWS_REGION, AWS_DEFAULT_REGION, us-east-1)",
    env: ["AWS_REGION", "AWS_DEFAULT_REGION"],
    envInValidation: true,
    config: bind("region", (v, c) => resolveRegion(v, c.env, c.describe))
  },
  {
    name: "export-env",
    scope: "action",
    default: "true",
    cliValue: "false",
    description: "Export MONDOO_CONFIG_BASE64 to later steps of the job.",
    config: bind("exportEnv", (v, c) => parseBoolean("export-env", v, c.describe))
  },
  {
    name: "max-attempts",
    scope: "both",
    default: "3",
    description: "Attempts for each call that fails transiently (network error, 429, 5xx), 1 to 10.",
    help: "Attempts per call on transient failures, 1-10 (default 3)",
    config: bind("maxAttempts", (v, c) => parseInteger("max-attempts", v, 1, 10, c.describe))
  },
  {
    name: "attempt-timeout-seconds",
    scope: "both",
    default: "10",
    description: "Time limit of each attempt, in seconds.",
    help: "Time limit per attempt (default 10)",
    config: bind("attemptTimeoutMs", (v, c) => parseSeconds("attempt-timeout-seconds", v, 0.1, 300, c.describe))
  },
  {
    name: "timeout-seconds",
    scope: "both",
    default: "60",
    description: "Time limit of the whole step, in seconds; no retry starts after it.",
    help: "Time limit for the whole run (default 60)",
    config: bind("timeoutMs", (v, c) => parseSeconds("timeout-seconds", v, 0.5, 3600, c.describe))
  },
  {
    name: "response-type",
    scope: "both",
    default: "credential",
    description: "credential (a service-account credential; response_type is not sent) or token (sends response_type TOKEN; Mondoo returns a short-lived bearer token inside base64_credential, masked and passed on as returned).",
    help: "credential (default): a service account; token: a short-lived bearer token in the same variable",
    env: ["MONDOO_RESPONSE_TYPE"],
    config: bind("responseType", (v, c) => parseResponseTypeSetting(v, c.describe))
  },
  {
    name: "proof",
    scope: "both",
    default: "signed-request",
    description: "signed-request (a SigV4-signed STS GetCallerIdentity, for the Mondoo AWS identity provider) or aws-jwt (a JWT for the Mondoo audience from STS GetWebIdentityToken, for a Mondoo custom OIDC identity provider; needs outbound identity federation).",
    help: "signed-request (default): a signed GetCallerIdentity; aws-jwt: an AWS-signed JWT for the audience (GetWebIdentityToken)",
    env: ["MONDOO_PROOF"],
    config: bind("proof", (v, c) => parseProof(v, c.describe))
  },
  {
    name: "aws-jwt-duration-seconds",
    scope: "both",
    default: String(AWS_JWT_DEFAULT_SECONDS),
    description: `With proof aws-jwt: lifetime of the AWS JWT, ${AWS_JWT_MIN_SECONDS} to ${AWS_JWT_MAX_SECONDS} seconds.`,
    help: `With --proof aws-jwt: lifetime of the JWT, ${AWS_JWT_MIN_SECONDS}-${AWS_JWT_MAX_SECONDS} (default ${AWS_JWT_DEFAULT_SECONDS})`,
    env: ["MONDOO_AWS_JWT_DURATION_SECONDS"],
    config: bind(
      "awsJwtDurationSeconds",
      (v, c) => parseInteger("aws-jwt-duration-seconds", v, AWS_JWT_MIN_SECONDS, AWS_JWT_MAX_SECONDS, c.describe)
    )
  },
  {
    name: "aws-jwt-algorithm",
    scope: "both",
    default: "RS256",
    description: "With proof aws-jwt: the algorithm STS signs the JWT with, RS256 or ES384.",
    help: "With --proof aws-jwt: RS256 (default) or ES384",
    env: ["MONDOO_AWS_JWT_ALGORITHM"],
    config: bind("awsJwtAlgorithm", (v, c) => parseJwtAlgorithm(v, c.describe))
  },
  {
    name: "output",
    scope: "cli",
    default: "shell",
    help: "raw: the credential alone, to capture and export (see Usage); shell (default): an export line; dotenv; json (adds the AWS identity)"
  },
  {
    name: "output-file",
    scope: "cli",
    help: "Write the output to this file instead of stdout: a new file, or a regular file replaced (mode 0600)"
  },
  { name: "verbose", scope: "cli", boolean: true, help: "Log debug lines to stderr (never secrets)" },
  { name: "help", scope: "cli", boolean: true, short: "h", help: "Show this help" },
  { name: "version", scope: "cli", boolean: true, help: "Show the version" }
];
var ACTION_INPUTS = SETTINGS.filter((s) => s.scope !== "cli");
var CLI_OPTIONS = SETTINGS.filter((s) => s.scope !== "action");
function parseConfig(raw, env, describe = describeAsActionInput) {
  const ctx = { env, describe };
  const config = {};
  for (const setting of SETTINGS) {
    if (setting.config === void 0) continue;
    const given = raw[setting.name]?.trim() ?? "";
    config[setting.config.key] = setting.config.parse(given !== "" ? given : setting.default ?? "", ctx);
  }
  checkProofSettings(config, describe);
  checkCombinedSettings(config, describe);
  return config;
}

// src/core/safety/server-values.ts
var MRN = /^\/\/[A-Za-z0-9.-]+(?:\/[A-Za-z0-9._~:@+=-]+)*$/;
var ARN = /^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[A-Za-z0-9+=,.@:/_-]{1,1024}$/;
var LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
var API_ENDPOINT = new RegExp(
  `^(https?)://(${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?(?:/[A-Za-z0-9._~/-]*)?$`
);
var MAX_LENGTH = 1024;
var ARN_SHAPE = "arn:partition:service:region:12-digit account:resource, of A-Z a-z 0-9 + = , . @ : / _ -";
var API_ENDPOINT_SHAPE = "https://host[:port] with an optional path of A-Z a-z 0-9 . _ ~ / -";
function isMrn(value) {
  return value.length <= MAX_LENGTH && MRN.test(value);
}
function isArn(value) {
  return value.length <= MAX_LENGTH + 64 && ARN.test(value);
}
function isApiEndpoint(value) {
  const m = value.length <= MAX_LENGTH ? API_ENDPOINT.exec(value) : null;
  if (m === null) return false;
  const [, scheme, host = "", port] = m;
  if (port !== void 0 && (Number(port) < 1 || Number(port) > 65535)) return false;
  try {
    new URL(value);
  } catch {
    return false;
  }
  return scheme === "https" || isLoopbackHost(host);
}

// src/core/mondoo/issued-credential.ts
var STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
var PUBLIC_KEYS = /* @__PURE__ */ new Set(["mrn", "space_mrn", "scope_mrn", "parent_mrn", "api_endpoint", "certificate"]);
function invalid(reason, what = "a service-account credential") {
  return new AuthError(
    `Mondoo returned a base64_credential that is not ${what}: ${reason}. Nothing was exported. If this repeats, report it to Mondoo support.`,
    { code: "MONDOO_BAD_RESPONSE" }
  );
}
function decodeObject(base64Credential, what) {
  if (!STANDARD_BASE64.test(base64Credential)) throw invalid("it is not standard base64", what);
  let parsed;
  try {
    parsed = JSON.parse(Buffer.from(base64Credential, "base64").toString("utf8"));
  } catch {
    throw invalid("it does not decode to JSON", what);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid("it does not decode to a JSON object", what);
  return parsed;
}
function identifier(fields, key, required, what) {
  const value = fields[key];
  if (value === void 0 && !required) return "";
  if (typeof value !== "string" || value === "")
    throw invalid(`the field ${key} is ${value === void 0 ? "missing" : "not a non-empty string"}`, what);
  if (key === "api_endpoint") {
    if (!isApiEndpoint(value))
      throw invalid(
        `the field api_endpoint is not an https URL (${API_ENDPOINT_SHAPE}): ${quoteForLog(value, 120)}`,
        what
      );
  } else if (!isMrn(value)) throw invalid(`the field ${key} is not a Mondoo resource name (//service/path)`, what);
  return value;
}
function decodeCredential(base64Credential) {
  const what = "a service-account credential";
  const fields = decodeObject(base64Credential, what);
  const text = (key) => {
    const value = fields[key];
    if (typeof value === "string" && value !== "") return value;
    throw invalid(`the field ${key} is ${value === void 0 ? "missing" : "not a non-empty string"}`, what);
  };
  const privateKey = text("private_key");
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
    throw invalid("private_key is not a PEM private key", what);
  return {
    mrn: identifier(fields, "mrn", true, what),
    spaceMrn: identifier(fields, "space_mrn", false, what),
    privateKey,
    certificate: text("certificate"),
    apiEndpoint: identifier(fields, "api_endpoint", true, what)
  };
}
function decodeTokenResponse(base64Credential) {
  const what = "a short-lived token";
  const fields = decodeObject(base64Credential, what);
  const token = fields["token"];
  if (typeof token !== "string" || token === "")
    throw invalid(`the field token is ${token === void 0 ? "missing" : "not a non-empty string"}`, what);
  if (!/^[\x21-\x7e]+$/.test(token)) throw invalid("the field token holds spaces or control characters", what);
  const scopeKey = fields["scope_mrn"] !== void 0 ? "scope_mrn" : "space_mrn";
  return {
    kind: "token",
    mrn: identifier(fields, "mrn", false, what),
    spaceMrn: identifier(fields, scopeKey, false, what),
    apiEndpoint: identifier(fields, "api_endpoint", false, what)
  };
}
var SECRET_KEYS = /* @__PURE__ */ new Set(["private_key", "token"]);
var MIN_MASKED_FIELD_LENGTH = 8;
var MAX_CREDENTIAL_MASKS = 64;
var MAX_CREDENTIAL_LENGTH = 64 * 1024;
function strings(value, topLevel, known, out) {
  if (typeof value === "string") out.push([value, known]);
  else if (Array.isArray(value)) for (const item of value) strings(item, false, known, out);
  else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value))
      if (!(topLevel && PUBLIC_KEYS.has(key))) strings(item, false, known || topLevel && SECRET_KEYS.has(key), out);
  }
}
function credentialMasks(base64Credential) {
  const whole = [base64Credential];
  if (base64Credential.length > MAX_CREDENTIAL_LENGTH)
    return {
      secrets: whole,
      refusal: `it is ${base64Credential.length} characters long, more than the ${MAX_CREDENTIAL_LENGTH} a credential can be`
    };
  let parsed;
  try {
    parsed = JSON.parse(Buffer.from(base64Credential, "base64").toString("utf8"));
  } catch {
    return { secrets: whole, refusal: void 0 };
  }
  const found2 = [];
  strings(parsed, true, false, found2);
  const known = [];
  const others = [];
  for (const [value, isKnown] of found2) {
    const list = isKnown ? known : others;
    const min = isKnown ? 1 : MIN_MASKED_FIELD_LENGTH;
    if (value.length >= min) list.push(value);
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= min && trimmed !== value && !trimmed.startsWith("-----")) list.push(trimmed);
    }
  }
  const unique = (list) => list.filter((s, i) => s !== "" && list.indexOf(s) === i);
  const all = unique([...whole, ...known, ...others]);
  if (all.length <= MAX_CREDENTIAL_MASKS) return { secrets: all, refusal: void 0 };
  return {
    secrets: unique([...whole, ...known]),
    refusal: `it holds more than ${MAX_CREDENTIAL_MASKS} values that could be secret`
  };
}
function readIssued(base64Credential, responseType, secret) {
  const { secrets, refusal } = credentialMasks(base64Credential);
  for (const value of secrets) secret(value);
  if (refusal !== void 0)
    throw invalid(refusal, responseType === "token" ? "a short-lived token" : "a service-account credential");
  if (responseType === "token") return decodeTokenResponse(base64Credential);
  const credential = decodeCredential(base64Credential);
  return {
    kind: "credential",
    mrn: credential.mrn,
    spaceMrn: credential.spaceMrn,
    apiEndpoint: credential.apiEndpoint
  };
}
function describeIssued(issued) {
  if (issued.kind === "credential") return `as ${issued.mrn}`;
  const whom = issued.mrn !== "" ? ` for ${issued.mrn}` : issued.spaceMrn !== "" ? ` for ${issued.spaceMrn}` : "";
  return `with a short-lived token${whom}`;
}

// src/core/config/outputs.ts
var OUTPUTS = [
  {
    name: "base64-credential",
    jsonKey: "base64_credential",
    description: "The Mondoo service-account credential, or with response-type token the token answer (masked, as returned), the value of MONDOO_CONFIG_BASE64.",
    secret: true,
    read: (r) => r.base64Credential
  },
  {
    name: "aws-arn",
    jsonKey: "aws_arn",
    description: "ARN of the AWS identity presented to Mondoo (empty if STS could not be asked). With proof aws-jwt, the token's subject, for an assumed role the role's ARN (not the session's).",
    summary: { label: "AWS identity", empty: "(not determined)" },
    read: (r) => r.identity?.arn ?? ""
  },
  {
    name: "aws-account-id",
    jsonKey: "aws_account_id",
    description: "AWS account ID of that identity.",
    read: (r) => r.identity?.accountId ?? ""
  },
  {
    name: "scope-mrn",
    jsonKey: "scope_mrn",
    description: "MRN of the Mondoo space the service account belongs to.",
    summary: { label: "Mondoo scope", empty: "(organization or platform)" },
    read: (r) => r.credential.spaceMrn
  },
  {
    name: "service-account-mrn",
    jsonKey: "service_account_mrn",
    description: "MRN of the issued Mondoo service account.",
    summary: { label: "Service account", empty: "(not named in the token answer)" },
    read: (r) => r.credential.mrn
  },
  {
    name: "api-endpoint",
    jsonKey: "api_endpoint",
    description: "Mondoo API endpoint the credential is for.",
    summary: { label: "API endpoint", empty: "(not named in the token answer)" },
    read: (r) => r.credential.apiEndpoint
  }
];
function summaryRows(result) {
  return OUTPUTS.flatMap(
    (o) => o.summary && !o.secret ? [[o.summary.label, o.read(result) || o.summary.empty]] : []
  );
}

// src/core/proof/skew.ts
var MAX_CLOCK_SKEW_MS = 5 * 60 * 1e3;
var MAX_ADOPTED_SKEW_MS = 60 * 60 * 1e3;
var TIME_REJECTION = /Signature expired|Signature not yet current|RequestExpired|RequestTimeTooSkewed|request time and the current time|clock skew/i;
function isTimeRejection(message) {
  return TIME_REJECTION.test(message);
}
function refusalSkew(err, localNow) {
  if (!(err instanceof HttpFailure) || err.serverTime === void 0 || !isTimeRejection(err.message)) return void 0;
  return err.serverTime - localNow;
}
function clockSkewOf(err, localNow) {
  const skew = refusalSkew(err, localNow);
  return skew !== void 0 && Math.abs(skew) > MAX_CLOCK_SKEW_MS && Math.abs(skew) <= MAX_ADOPTED_SKEW_MS ? skew : void 0;
}
function farClockError(err, localNow, server) {
  const skew = refusalSkew(err, localNow);
  if (skew === void 0 || Math.abs(skew) <= MAX_ADOPTED_SKEW_MS) return void 0;
  return new AuthError(
    `${err.message}
${server}'s Date header is ${describeDuration(skew)} ${skew > 0 ? "ahead of" : "behind"} this machine's clock, more than the ${describeDuration(MAX_ADOPTED_SKEW_MS)} this tool corrects for; it did not sign with that time. Fix: check this machine's clock (NTP), or the proxy or server in front of ${server} that sends that date.`,
    { code: "STS_CLOCK_SKEW" }
  );
}
function describeDuration(ms) {
  const seconds = Math.round(Math.abs(ms) / 1e3);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h > 0 ? `${h} h` : "", m > 0 || h === 0 ? `${m} min` : ""].filter((p) => p !== "").join(" ");
}
function skewWarning(skewMs, server) {
  return `This machine's clock is about ${describeDuration(skewMs)} ${skewMs > 0 ? "behind" : "ahead of"} ${server}'s (by its Date header), and a signed request was refused for its time. Signing again with the server's time; fix the clock on this runner (NTP).`;
}

// src/core/sts/caller-identity.ts
var ARN2 = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/;
function accountIdFromArn(arn) {
  return ARN2.exec(arn)?.[3];
}
function subjectPatternFor(arn) {
  const m = ARN2.exec(arn);
  if (m === null) return arn;
  const [, partition, service, account, resource] = m;
  if (service === "sts" && resource.startsWith("assumed-role/")) {
    const role = resource.split("/")[1] ?? "";
    return `arn:${partition}:sts::${account}:assumed-role/${role}/*`;
  }
  return arn;
}

// src/core/network/retry.ts
var DEFAULT_RETRY = {
  baseDelayMs: 500,
  maxDelayMs: 8e3,
  retryAfterCapMs: 2e4
};
function backoffDelay(attempt, err, policy, random, now) {
  const retryAfterMs = err instanceof HttpFailure ? err.retryAfterMs(now) : void 0;
  if (retryAfterMs !== void 0) return Math.min(Math.max(0, retryAfterMs), policy.retryAfterCapMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random * ceiling);
}
function retryBudget(settings, clock, onRetry) {
  return {
    policy: { ...DEFAULT_RETRY, maxAttempts: settings.maxAttempts },
    clock,
    deadline: clock.now() + settings.timeoutMs,
    attemptTimeoutMs: settings.attemptTimeoutMs,
    onRetry
  };
}
function remainingWithin(opts, cap) {
  return Math.max(1, Math.min(cap, opts.deadline - opts.clock.now()));
}
async function withRetries(what, operation, opts) {
  const { policy, clock, deadline } = opts;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw deadlineError(what, attempt - 1, void 0);
    try {
      return await operation({ attempt, timeoutMs: Math.min(opts.attemptTimeoutMs, remaining) });
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (attempt >= policy.maxAttempts) {
        throw new AuthError(`${what} failed after ${attempt} attempt${attempt === 1 ? "" : "s"}: ${withHint(err)}`, {
          code: persistentCode(err),
          cause: err
        });
      }
      const delay = backoffDelay(attempt, err, policy, clock.random(), clock.now());
      if (clock.now() + delay >= deadline) throw deadlineError(what, attempt, err);
      opts.onRetry?.(
        `${what}: attempt ${attempt} of ${policy.maxAttempts} failed (${errorMessage(err)}); retrying in ${formatMs(delay)}`
      );
      await clock.sleep(delay);
    }
  }
}
function deadlineError(what, attempts, last) {
  const tail = last === void 0 ? "" : ` Last error: ${withHint(last)}`;
  return new AuthError(
    `${what} did not succeed before the overall timeout (timeout-seconds) after ${attempts} attempt${attempts === 1 ? "" : "s"}.${tail}`,
    {
      code: "TIMEOUT",
      cause: last
    }
  );
}
function withHint(err) {
  const message = errorMessage(err);
  return err instanceof NetworkError && err.hint !== void 0 ? `${message.replace(/\.$/, "")}. ${err.hint}` : message;
}
function persistentCode(err) {
  return err instanceof NetworkError ? "NETWORK_UNREACHABLE" : errorCode(err);
}

// src/core/proof/signing.ts
var import_node_crypto2 = require("node:crypto");

// node_modules/@smithy/signature-v4/dist-es/SignatureV4.js
init_serde();

// node_modules/@smithy/signature-v4/dist-es/HeaderFormatter.js
init_serde();
init_serde();
var HeaderFormatter = class {
  format(headers) {
    const chunks = [];
    for (const headerName in headers) {
      if (!hasOwn(headers, headerName)) {
        continue;
      }
      const bytes = fromUtf8(headerName);
      chunks.push(Uint8Array.from([bytes.byteLength]), bytes, this.formatHeaderValue(headers[headerName]));
    }
    const out = new Uint8Array(chunks.reduce((carry, bytes) => carry + bytes.byteLength, 0));
    let position = 0;
    for (const chunk of chunks) {
      out.set(chunk, position);
      position += chunk.byteLength;
    }
    return out;
  }
  formatHeaderValue(header2) {
    switch (header2.type) {
      case "boolean":
        return Uint8Array.from([header2.value ? 0 : 1]);
      case "byte":
        return Uint8Array.from([2, header2.value]);
      case "short":
        const shortView = new DataView(new ArrayBuffer(3));
        shortView.setUint8(0, 3);
        shortView.setInt16(1, header2.value, false);
        return new Uint8Array(shortView.buffer);
      case "integer":
        const intView = new DataView(new ArrayBuffer(5));
        intView.setUint8(0, 4);
        intView.setInt32(1, header2.value, false);
        return new Uint8Array(intView.buffer);
      case "long":
        const longBytes = new Uint8Array(9);
        longBytes[0] = 5;
        longBytes.set(header2.value.bytes, 1);
        return longBytes;
      case "binary":
        const binView = new DataView(new ArrayBuffer(3 + header2.value.byteLength));
        binView.setUint8(0, 6);
        binView.setUint16(1, header2.value.byteLength, false);
        const binBytes = new Uint8Array(binView.buffer);
        binBytes.set(header2.value, 3);
        return binBytes;
      case "string":
        const utf8Bytes = fromUtf8(header2.value);
        const strView = new DataView(new ArrayBuffer(3 + utf8Bytes.byteLength));
        strView.setUint8(0, 7);
        strView.setUint16(1, utf8Bytes.byteLength, false);
        const strBytes = new Uint8Array(strView.buffer);
        strBytes.set(utf8Bytes, 3);
        return strBytes;
      case "timestamp":
        const tsBytes = new Uint8Array(9);
        tsBytes[0] = 8;
        tsBytes.set(Int64.fromNumber(header2.value.valueOf()).bytes, 1);
        return tsBytes;
      case "uuid":
        if (!UUID_PATTERN.test(header2.value)) {
          throw new Error(`Invalid UUID received: ${header2.value}`);
        }
        const uuidBytes = new Uint8Array(17);
        uuidBytes[0] = 9;
        uuidBytes.set(fromHex(header2.value.replace(/-/g, "")), 1);
        return uuidBytes;
    }
  }
};
var HEADER_VALUE_TYPE;
(function(HEADER_VALUE_TYPE2) {
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["boolTrue"] = 0] = "boolTrue";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["boolFalse"] = 1] = "boolFalse";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["byte"] = 2] = "byte";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["short"] = 3] = "short";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["integer"] = 4] = "integer";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["long"] = 5] = "long";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["byteArray"] = 6] = "byteArray";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["string"] = 7] = "string";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["timestamp"] = 8] = "timestamp";
  HEADER_VALUE_TYPE2[HEADER_VALUE_TYPE2["uuid"] = 9] = "uuid";
})(HEADER_VALUE_TYPE || (HEADER_VALUE_TYPE = {}));
var UUID_PATTERN = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
var Int64 = class _Int64 {
  bytes;
  constructor(bytes) {
    this.bytes = bytes;
    if (bytes.byteLength !== 8) {
      throw new Error("Int64 buffers must be exactly 8 bytes");
    }
  }
  static fromNumber(number) {
    if (number > 9223372036854776e3 || number < -9223372036854776e3) {
      throw new Error(`${number} is too large (or, if negative, too small) to represent as an Int64`);
    }
    const bytes = new Uint8Array(8);
    for (let i = 7, remaining = Math.abs(Math.round(number)); i > -1 && remaining > 0; i--, remaining /= 256) {
      bytes[i] = remaining;
    }
    if (number < 0) {
      negate(bytes);
    }
    return new _Int64(bytes);
  }
  valueOf() {
    const bytes = this.bytes.slice(0);
    const negative = bytes[0] & 128;
    if (negative) {
      negate(bytes);
    }
    return parseInt(toHex(bytes), 16) * (negative ? -1 : 1);
  }
  toString() {
    return String(this.valueOf());
  }
};
function negate(bytes) {
  for (let i = 0; i < 8; i++) {
    bytes[i] ^= 255;
  }
  for (let i = 7; i > -1; i--) {
    bytes[i]++;
    if (bytes[i] !== 0) {
      break;
    }
  }
}

// node_modules/@smithy/signature-v4/dist-es/SignatureV4Base.js
init_client();

// node_modules/@smithy/core/dist-es/submodules/protocols/index.js
init_transport();

// node_modules/@smithy/core/dist-es/submodules/protocols/util-uri-escape/escape-uri.js
var escapeUri = (uri) => encodeURIComponent(uri).replace(/[!'()*]/g, hexEncode);
var hexEncode = (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

// node_modules/@smithy/signature-v4/dist-es/SignatureV4Base.js
init_serde();

// node_modules/@smithy/signature-v4/dist-es/getCanonicalQuery.js
init_serde();

// node_modules/@smithy/signature-v4/dist-es/constants.js
var ALGORITHM_QUERY_PARAM = "X-Amz-Algorithm";
var CREDENTIAL_QUERY_PARAM = "X-Amz-Credential";
var AMZ_DATE_QUERY_PARAM = "X-Amz-Date";
var SIGNED_HEADERS_QUERY_PARAM = "X-Amz-SignedHeaders";
var EXPIRES_QUERY_PARAM = "X-Amz-Expires";
var SIGNATURE_QUERY_PARAM = "X-Amz-Signature";
var TOKEN_QUERY_PARAM = "X-Amz-Security-Token";
var AUTH_HEADER = "authorization";
var AMZ_DATE_HEADER = AMZ_DATE_QUERY_PARAM.toLowerCase();
var DATE_HEADER = "date";
var GENERATED_HEADERS = [AUTH_HEADER, AMZ_DATE_HEADER, DATE_HEADER];
var SIGNATURE_HEADER = SIGNATURE_QUERY_PARAM.toLowerCase();
var SHA256_HEADER = "x-amz-content-sha256";
var TOKEN_HEADER = TOKEN_QUERY_PARAM.toLowerCase();
var ALWAYS_UNSIGNABLE_HEADERS = {
  authorization: true,
  "cache-control": true,
  connection: true,
  expect: true,
  from: true,
  "keep-alive": true,
  "max-forwards": true,
  pragma: true,
  referer: true,
  te: true,
  trailer: true,
  "transfer-encoding": true,
  upgrade: true,
  "user-agent": true,
  "x-amzn-trace-id": true
};
var PROXY_HEADER_PATTERN = /^proxy-/;
var SEC_HEADER_PATTERN = /^sec-/;
var ALGORITHM_IDENTIFIER = "AWS4-HMAC-SHA256";
var EVENT_ALGORITHM_IDENTIFIER = "AWS4-HMAC-SHA256-PAYLOAD";
var UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
var MAX_CACHE_SIZE = 50;
var KEY_TYPE_IDENTIFIER = "aws4_request";
var MAX_PRESIGNED_TTL = 60 * 60 * 24 * 7;

// node_modules/@smithy/signature-v4/dist-es/getCanonicalQuery.js
var getCanonicalQuery = ({ query = {} }) => {
  const keys = [];
  const serialized = {};
  for (const key in query) {
    if (!hasOwn(query, key)) {
      continue;
    }
    if (key.toLowerCase() === SIGNATURE_HEADER) {
      continue;
    }
    const encodedKey = escapeUri(key);
    keys.push(encodedKey);
    const value = query[key];
    if (typeof value === "string") {
      serialized[encodedKey] = `${encodedKey}=${escapeUri(value)}`;
    } else if (Array.isArray(value)) {
      serialized[encodedKey] = value.slice(0).reduce((encoded, value2) => encoded.concat([`${encodedKey}=${escapeUri(value2)}`]), []).sort().join("&");
    }
  }
  return keys.sort().map((key) => serialized[key]).filter((serialized2) => serialized2).join("&");
};

// node_modules/@smithy/signature-v4/dist-es/utilDate.js
var iso8601 = (time) => toDate(time).toISOString().replace(/\.\d{3}Z$/, "Z");
var toDate = (time) => {
  if (typeof time === "number") {
    return new Date(time * 1e3);
  }
  if (typeof time === "string") {
    if (Number(time)) {
      return new Date(Number(time) * 1e3);
    }
    return new Date(time);
  }
  return time;
};

// node_modules/@smithy/signature-v4/dist-es/SignatureV4Base.js
var SignatureV4Base = class {
  service;
  regionProvider;
  credentialProvider;
  sha256;
  uriEscapePath;
  applyChecksum;
  constructor({ applyChecksum, credentials, region, service, sha256, uriEscapePath = true }) {
    this.service = service;
    this.sha256 = sha256;
    this.uriEscapePath = uriEscapePath;
    this.applyChecksum = typeof applyChecksum === "boolean" ? applyChecksum : true;
    this.regionProvider = normalizeProvider(region);
    this.credentialProvider = normalizeProvider(credentials);
  }
  createCanonicalRequest(request, canonicalHeaders, payloadHash) {
    const sortedHeaders = Object.keys(canonicalHeaders).sort();
    return `${request.method}
${this.getCanonicalPath(request)}
${getCanonicalQuery(request)}
${sortedHeaders.map((name) => `${name}:${canonicalHeaders[name]}`).join("\n")}

${sortedHeaders.join(";")}
${payloadHash}`;
  }
  async createStringToSign(longDate, credentialScope, canonicalRequest, algorithmIdentifier) {
    const hash = new this.sha256();
    hash.update(toUint8Array(canonicalRequest));
    const hashedRequest = await hash.digest();
    return `${algorithmIdentifier}
${longDate}
${credentialScope}
${toHex(hashedRequest)}`;
  }
  getCanonicalPath({ path }) {
    if (this.uriEscapePath) {
      const normalizedPathSegments = [];
      for (const pathSegment of path.split("/")) {
        if (pathSegment?.length === 0) {
          continue;
        }
        if (pathSegment === ".") {
          continue;
        }
        if (pathSegment === "..") {
          normalizedPathSegments.pop();
        } else {
          normalizedPathSegments.push(pathSegment);
        }
      }
      const normalizedPath = `${path?.startsWith("/") ? "/" : ""}${normalizedPathSegments.join("/")}${normalizedPathSegments.length > 0 && path?.endsWith("/") ? "/" : ""}`;
      const doubleEncoded = escapeUri(normalizedPath);
      return doubleEncoded.replace(/%2F/g, "/");
    }
    return path;
  }
  validateResolvedCredentials(credentials) {
    if (typeof credentials !== "object" || typeof credentials.accessKeyId !== "string" || typeof credentials.secretAccessKey !== "string") {
      throw new Error("Resolved credential object is not valid");
    }
  }
  formatDate(now) {
    const longDate = iso8601(now).replace(/[-:]/g, "");
    return {
      longDate,
      shortDate: longDate.slice(0, 8)
    };
  }
  getCanonicalHeaderList(headers) {
    return Object.keys(headers).sort().join(";");
  }
};

// node_modules/@smithy/signature-v4/dist-es/credentialDerivation.js
init_serde();
var signingKeyCache = {};
var cacheQueue = [];
var createScope = (shortDate, region, service) => `${shortDate}/${region}/${service}/${KEY_TYPE_IDENTIFIER}`;
var getSigningKey = async (sha256Constructor, credentials, shortDate, region, service) => {
  const credsHash = await hmac(sha256Constructor, credentials.secretAccessKey, credentials.accessKeyId);
  const cacheKey = `${shortDate}:${region}:${service}:${toHex(credsHash)}:${credentials.sessionToken}`;
  if (cacheKey in signingKeyCache) {
    return signingKeyCache[cacheKey];
  }
  cacheQueue.push(cacheKey);
  while (cacheQueue.length > MAX_CACHE_SIZE) {
    delete signingKeyCache[cacheQueue.shift()];
  }
  let key = `AWS4${credentials.secretAccessKey}`;
  for (const signable of [shortDate, region, service, KEY_TYPE_IDENTIFIER]) {
    key = await hmac(sha256Constructor, key, signable);
  }
  return signingKeyCache[cacheKey] = key;
};
var hmac = (ctor, secret, data) => {
  const hash = new ctor(secret);
  hash.update(toUint8Array(data));
  return hash.digest();
};

// node_modules/@smithy/signature-v4/dist-es/getCanonicalHeaders.js
init_serde();
var getCanonicalHeaders = ({ headers }, unsignableHeaders, signableHeaders) => {
  const canonical2 = {};
  for (const headerName of Object.keys(headers).sort()) {
    if (headers[headerName] == void 0) {
      continue;
    }
    const canonicalHeaderName = headerName.toLowerCase();
    if (hasOwn(ALWAYS_UNSIGNABLE_HEADERS, canonicalHeaderName) || unsignableHeaders?.has(canonicalHeaderName) || PROXY_HEADER_PATTERN.test(canonicalHeaderName) || SEC_HEADER_PATTERN.test(canonicalHeaderName)) {
      if (!signableHeaders || signableHeaders && !signableHeaders.has(canonicalHeaderName)) {
        continue;
      }
    }
    if (canonicalHeaderName === "__proto__") {
      writeKey(canonical2);
    }
    canonical2[canonicalHeaderName] = headers[headerName].replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "");
  }
  return canonical2;
};

// node_modules/@smithy/signature-v4/dist-es/getPayloadHash.js
init_serde();
init_serde();
var getPayloadHash = async ({ headers, body }, hashConstructor) => {
  for (const headerName in headers) {
    if (!hasOwn(headers, headerName)) {
      continue;
    }
    if (headerName.toLowerCase() === SHA256_HEADER) {
      return headers[headerName];
    }
  }
  if (body == void 0) {
    return "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  } else if (typeof body === "string" || ArrayBuffer.isView(body) || isArrayBuffer(body)) {
    const hashCtor = new hashConstructor();
    hashCtor.update(toUint8Array(body));
    return toHex(await hashCtor.digest());
  }
  return UNSIGNED_PAYLOAD;
};

// node_modules/@smithy/signature-v4/dist-es/headerUtil.js
init_serde();
var hasHeader = (soughtHeader, headers) => {
  soughtHeader = soughtHeader.toLowerCase();
  for (const headerName in headers) {
    if (!hasOwn(headers, headerName)) {
      continue;
    }
    if (soughtHeader === headerName.toLowerCase()) {
      return true;
    }
  }
  return false;
};

// node_modules/@smithy/signature-v4/dist-es/moveHeadersToQuery.js
init_serde();
var moveHeadersToQuery = (request, options = {}) => {
  const { headers, query = {} } = HttpRequest.clone(request);
  for (const name in headers) {
    if (!hasOwn(headers, name)) {
      continue;
    }
    const lname = name.toLowerCase();
    if (lname.slice(0, 6) === "x-amz-" && !options.unhoistableHeaders?.has(lname) || options.hoistableHeaders?.has(lname)) {
      query[name] = headers[name];
      delete headers[name];
    }
  }
  return {
    ...request,
    headers,
    query
  };
};

// node_modules/@smithy/signature-v4/dist-es/prepareRequest.js
init_serde();
var prepareRequest = (request) => {
  request = HttpRequest.clone(request);
  for (const headerName in request.headers) {
    if (!hasOwn(request.headers, headerName)) {
      continue;
    }
    if (GENERATED_HEADERS.indexOf(headerName.toLowerCase()) > -1) {
      delete request.headers[headerName];
    }
  }
  return request;
};

// node_modules/@smithy/signature-v4/dist-es/SignatureV4.js
var SignatureV4 = class extends SignatureV4Base {
  headerFormatter = new HeaderFormatter();
  constructor({ applyChecksum, credentials, region, service, sha256, uriEscapePath = true }) {
    super({
      applyChecksum,
      credentials,
      region,
      service,
      sha256,
      uriEscapePath
    });
  }
  async presign(originalRequest, options = {}) {
    const { signingDate = /* @__PURE__ */ new Date(), expiresIn = 3600, unsignableHeaders, unhoistableHeaders, signableHeaders, hoistableHeaders, signingRegion, signingService } = options;
    const credentials = await this.credentialProvider();
    this.validateResolvedCredentials(credentials);
    const region = signingRegion ?? await this.regionProvider();
    const { longDate, shortDate } = this.formatDate(signingDate);
    if (expiresIn > MAX_PRESIGNED_TTL) {
      return Promise.reject("Signature version 4 presigned URLs must have an expiration date less than one week in the future");
    }
    const scope = createScope(shortDate, region, signingService ?? this.service);
    const request = moveHeadersToQuery(prepareRequest(originalRequest), { unhoistableHeaders, hoistableHeaders });
    if (credentials.sessionToken) {
      request.query[TOKEN_QUERY_PARAM] = credentials.sessionToken;
    }
    request.query[ALGORITHM_QUERY_PARAM] = ALGORITHM_IDENTIFIER;
    request.query[CREDENTIAL_QUERY_PARAM] = `${credentials.accessKeyId}/${scope}`;
    request.query[AMZ_DATE_QUERY_PARAM] = longDate;
    request.query[EXPIRES_QUERY_PARAM] = expiresIn.toString(10);
    const canonicalHeaders = getCanonicalHeaders(request, unsignableHeaders, signableHeaders);
    request.query[SIGNED_HEADERS_QUERY_PARAM] = this.getCanonicalHeaderList(canonicalHeaders);
    request.query[SIGNATURE_QUERY_PARAM] = await this.getSignature(longDate, scope, this.getSigningKey(credentials, region, shortDate, signingService), this.createCanonicalRequest(request, canonicalHeaders, await getPayloadHash(originalRequest, this.sha256)));
    return request;
  }
  async sign(toSign, options) {
    if (typeof toSign === "string") {
      return this.signString(toSign, options);
    } else if (toSign.headers && toSign.payload) {
      return this.signEvent(toSign, options);
    } else if (toSign.message) {
      return this.signMessage(toSign, options);
    } else {
      return this.signRequest(toSign, options);
    }
  }
  async signEvent({ headers, payload }, { signingDate = /* @__PURE__ */ new Date(), priorSignature, signingRegion, signingService, eventStreamCredentials }) {
    const region = signingRegion ?? await this.regionProvider();
    const { shortDate, longDate } = this.formatDate(signingDate);
    const scope = createScope(shortDate, region, signingService ?? this.service);
    const hashedPayload = await getPayloadHash({ headers: {}, body: payload }, this.sha256);
    const hash = new this.sha256();
    hash.update(headers);
    const hashedHeaders = toHex(await hash.digest());
    const stringToSign = [
      EVENT_ALGORITHM_IDENTIFIER,
      longDate,
      scope,
      priorSignature,
      hashedHeaders,
      hashedPayload
    ].join("\n");
    return this.signString(stringToSign, {
      signingDate,
      signingRegion: region,
      signingService,
      eventStreamCredentials
    });
  }
  async signMessage(signableMessage, { signingDate = /* @__PURE__ */ new Date(), signingRegion, signingService, eventStreamCredentials }) {
    const promise = this.signEvent({
      headers: this.headerFormatter.format(signableMessage.message.headers),
      payload: signableMessage.message.body
    }, {
      signingDate,
      signingRegion,
      signingService,
      priorSignature: signableMessage.priorSignature,
      eventStreamCredentials
    });
    return promise.then((signature) => {
      return { message: signableMessage.message, signature };
    });
  }
  async signString(stringToSign, { signingDate = /* @__PURE__ */ new Date(), signingRegion, signingService, eventStreamCredentials } = {}) {
    const credentials = eventStreamCredentials ?? await this.credentialProvider();
    this.validateResolvedCredentials(credentials);
    const region = signingRegion ?? await this.regionProvider();
    const { shortDate } = this.formatDate(signingDate);
    const hash = new this.sha256(await this.getSigningKey(credentials, region, shortDate, signingService));
    hash.update(toUint8Array(stringToSign));
    return toHex(await hash.digest());
  }
  async signRequest(requestToSign, { signingDate = /* @__PURE__ */ new Date(), signableHeaders, unsignableHeaders, signingRegion, signingService } = {}) {
    const credentials = await this.credentialProvider();
    this.validateResolvedCredentials(credentials);
    const region = signingRegion ?? await this.regionProvider();
    const request = prepareRequest(requestToSign);
    const { longDate, shortDate } = this.formatDate(signingDate);
    const scope = createScope(shortDate, region, signingService ?? this.service);
    request.headers[AMZ_DATE_HEADER] = longDate;
    if (credentials.sessionToken) {
      request.headers[TOKEN_HEADER] = credentials.sessionToken;
    }
    const payloadHash = await getPayloadHash(request, this.sha256);
    if (!hasHeader(SHA256_HEADER, request.headers) && this.applyChecksum) {
      request.headers[SHA256_HEADER] = payloadHash;
    }
    const canonicalHeaders = getCanonicalHeaders(request, unsignableHeaders, signableHeaders);
    const signature = await this.getSignature(longDate, scope, this.getSigningKey(credentials, region, shortDate, signingService), this.createCanonicalRequest(request, canonicalHeaders, payloadHash));
    request.headers[AUTH_HEADER] = `${ALGORITHM_IDENTIFIER} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${this.getCanonicalHeaderList(canonicalHeaders)}, Signature=${signature}`;
    return request;
  }
  async getSignature(longDate, credentialScope, keyPromise, canonicalRequest) {
    const stringToSign = await this.createStringToSign(longDate, credentialScope, canonicalRequest, ALGORITHM_IDENTIFIER);
    const hash = new this.sha256(await keyPromise);
    hash.update(toUint8Array(stringToSign));
    return toHex(await hash.digest());
  }
  getSigningKey(credentials, region, shortDate, service) {
    return getSigningKey(this.sha256, credentials, shortDate, region, service || this.service);
  }
};

// src/core/proof/go-json.ts
var GO_EXTRA_ESCAPES = {
  "&": "\\u0026",
  "<": "\\u003c",
  ">": "\\u003e",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029"
};
var LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
function goString(value) {
  return JSON.stringify(value.replace(LONE_SURROGATE, "�")).replace(
    /[&<>\u2028\u2029]/g,
    (c) => GO_EXTRA_ESCAPES[c] ?? c
  );
}
function byUtf8(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
function goMarshal(value) {
  if (typeof value === "string") return goString(value);
  if (Array.isArray(value)) return `[${value.map(goMarshal).join(",")}]`;
  const keys = Object.keys(value).sort(byUtf8);
  return `{${keys.map((key) => `${goString(key)}:${goMarshal(value[key])}`).join(",")}}`;
}

// src/core/proof/signing.ts
var GET_CALLER_IDENTITY_QUERY = "Action=GetCallerIdentity&Version=2011-06-15";
var GET_CALLER_IDENTITY_BODY = GET_CALLER_IDENTITY_QUERY;
var GLOBAL_STS_HOST = "sts.amazonaws.com";
var GLOBAL_STS_URL = `https://${GLOBAL_STS_HOST}/?${GET_CALLER_IDENTITY_QUERY}`;
var GLOBAL_STS_REGION = "us-east-1";
var CONTENT_TYPE = "application/x-www-form-urlencoded";
var MONDOO_TARGET = { endpoint: `https://${GLOBAL_STS_HOST}`, region: GLOBAL_STS_REGION };
function toBytes(data) {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
var NodeSha256 = class {
  hash;
  constructor(secret) {
    this.hash = secret === void 0 ? (0, import_node_crypto2.createHash)("sha256") : (0, import_node_crypto2.createHmac)("sha256", toBytes(secret));
  }
  update(data) {
    this.hash.update(toBytes(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset() {
    throw new Error("NodeSha256 is single-use");
  }
};
async function signStsPost(credentials, target, now, post) {
  const query = post.query === void 0 ? "" : `?${new URLSearchParams(post.query).toString()}`;
  const url = new URL(`${target.endpoint}/${query}`);
  const signer = new SignatureV4({
    service: "sts",
    region: target.region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}
    },
    sha256: NodeSha256,
    applyChecksum: false,
    uriEscapePath: true
  });
  const contentLength = String(Buffer.byteLength(post.body));
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...url.port ? { port: Number(url.port) } : {},
      path: url.pathname,
      ...post.query === void 0 ? {} : { query: post.query },
      headers: { host: url.host, "content-length": contentLength, "content-type": post.contentType },
      body: post.body
    },
    { signingDate: now }
  );
  const h = signed.headers;
  const authorization = h["authorization"];
  const amzDate = h["x-amz-date"];
  const signature = /Signature=([0-9a-f]{64})$/.exec(authorization ?? "")?.[1];
  if (authorization === void 0 || amzDate === void 0 || signature === void 0) {
    throw new Error("SigV4 signing produced no Authorization header");
  }
  const headers = { authorization, "content-type": post.contentType, "x-amz-date": amzDate };
  const token = h["x-amz-security-token"];
  if (token !== void 0) headers["x-amz-security-token"] = token;
  return { url: url.toString(), headers, body: post.body, signature };
}
var GO_HEADER_NAMES = {
  authorization: "Authorization",
  "content-type": "Content-Type",
  "x-amz-date": "X-Amz-Date",
  "x-amz-security-token": "X-Amz-Security-Token"
};
async function signGetCallerIdentity(credentials, now, target = MONDOO_TARGET) {
  const signed = await signStsPost(credentials, target, now, {
    body: GET_CALLER_IDENTITY_BODY,
    contentType: CONTENT_TYPE,
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" }
  });
  const headers = { host: new URL(signed.url).host };
  for (const [name, value] of Object.entries(signed.headers)) headers[GO_HEADER_NAMES[name] ?? name] = value;
  return { url: signed.url, method: "POST", headers, body: signed.body, signature: signed.signature };
}
function serializeSignedRequest(request) {
  const names = Object.keys(request.headers).filter((name) => name !== "host");
  names.sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const host = request.headers["host"];
  const headers = [
    ...host === void 0 ? [] : [{ key: "host", value: host }],
    ...names.map((key) => ({ key, value: request.headers[key] }))
  ];
  return goMarshal({ headers, method: request.method, url: request.url });
}

// src/core/sts/sts.ts
function stsTargetFor(region, endpoint) {
  if (endpoint !== void 0) {
    const url = acceptSecretUrl(endpoint.value, {
      input: "aws-region",
      what: `environment variable ${endpoint.variable}`,
      fix: `Set it to an STS endpoint such as https://sts.${region}.amazonaws.com, or unset it.`,
      carries: "the web identity token and signed requests"
    });
    return { endpoint: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`, region };
  }
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return { endpoint: `https://sts.${region}.${suffix}`, region };
}
var STS_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8";
async function signStsForm(credentials, target, now, body) {
  const signed = await signStsPost(credentials, target, now, { body, contentType: STS_FORM_CONTENT_TYPE });
  return { url: signed.url, headers: { ...signed.headers, accept: "text/xml" }, body };
}
function parseStsError(xml) {
  const code = xmlText(xml, "Code");
  if (code === void 0) return void 0;
  return { code, message: xmlText(xml, "Message") ?? "" };
}
function xmlText(xml, name) {
  const raw = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return raw?.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, entity) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[entity] ?? ""
  );
}
var StsBadAnswer = class extends AuthError {
  static kind = "StsBadAnswer";
  constructor(message) {
    super(message, { code: "STS_FAILED" });
  }
};
function notArn(arn, target) {
  return `(${ARN_SHAPE}): ${quoteForLog(arn, 160)}. Nothing was exported. Check that ${target.endpoint} is AWS STS (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL).`;
}
async function lookupCallerIdentity(http3, credentials, target, now, timeoutMs) {
  const signed = await signGetCallerIdentity(credentials, now, target);
  const { host: _host, ...headers } = signed.headers;
  const response = await http3({ url: signed.url, method: "POST", headers, body: signed.body, timeoutMs });
  if (response.status !== 200) {
    const error2 = parseStsError(response.body);
    throw new HttpFailure(
      `STS GetCallerIdentity answered HTTP ${response.status}${error2 ? `: ${error2.code}: ${truncate(error2.message)}` : ""}`,
      response,
      { code: "STS_FAILED" }
    );
  }
  const arn = xmlText(response.body, "Arn") || void 0;
  const accountId = xmlText(response.body, "Account") || (arn ? accountIdFromArn(arn) : void 0);
  if (arn === void 0 || accountId === void 0)
    throw new AuthError("STS GetCallerIdentity answered without an Arn", { code: "STS_FAILED" });
  if (!isArn(arn))
    throw new StsBadAnswer(`STS GetCallerIdentity answered with an Arn that is not one ${notArn(arn, target)}`);
  if (!/^\d{12}$/.test(accountId))
    throw new StsBadAnswer(
      `STS GetCallerIdentity answered with an Account that is not a 12-digit account ID: ${quoteForLog(accountId, 40)}. Nothing was exported. Check that ${target.endpoint} is AWS STS (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL).`
    );
  return { arn, accountId };
}
function assumeRoleBody(params) {
  return new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: params.roleArn,
    RoleSessionName: params.sessionName,
    WebIdentityToken: params.webIdentityToken,
    DurationSeconds: String(params.durationSeconds)
  }).toString();
}
async function assumeRoleWithWebIdentity(http3, params) {
  const response = await http3({
    url: `${params.target.endpoint}/`,
    method: "POST",
    headers: { "content-type": STS_FORM_CONTENT_TYPE, accept: "text/xml" },
    body: assumeRoleBody(params),
    timeoutMs: params.timeoutMs
  });
  if (response.status !== 200) throw assumeRoleRefusal(response, params);
  const field = (name) => xmlText(response.body, name) || void 0;
  const accessKeyId = field("AccessKeyId");
  const secretAccessKey = field("SecretAccessKey");
  const sessionToken = field("SessionToken");
  const arn = field("Arn");
  if (accessKeyId === void 0 || secretAccessKey === void 0 || sessionToken === void 0 || arn === void 0) {
    throw new AuthError(`STS AssumeRoleWithWebIdentity for ${params.roleArn} answered without credentials`, {
      code: "STS_FAILED"
    });
  }
  if (!isArn(arn))
    throw new StsBadAnswer(
      `STS AssumeRoleWithWebIdentity for ${params.roleArn} answered with an assumed-role Arn that is not one ${notArn(arn, params.target)}`
    );
  const expires = Date.parse(field("Expiration") ?? "");
  return {
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    identity: { arn, accountId: accountIdFromArn(arn) ?? "" },
    expiration: Number.isNaN(expires) ? void 0 : new Date(expires)
  };
}
function explainStsRefusal(text) {
  const fix = stsRefusalFix(text);
  return fix === void 0 ? void 0 : { code: fix[0], fix: fix[1] };
}
function stsRefusalFix(text) {
  if (/\bExpiredToken\b|security token included in the request is expired/i.test(text)) {
    return [
      "STS_EXPIRED_TOKEN",
      "Fix: the temporary AWS credentials (session token) have expired. Get fresh ones right before this step: run aws-actions/configure-aws-credentials again (or give it a longer role-duration-seconds), refresh AWS_SESSION_TOKEN with its keys, or let this tool assume the role itself with role-to-assume."
    ];
  }
  if (/\bInvalidClientTokenId\b|security token included in the request is invalid/i.test(text)) {
    return [
      "STS_UNKNOWN_ACCESS_KEY",
      "Fix: STS does not know this access key: it was deleted or deactivated, is from another partition, or the session token (AWS_SESSION_TOKEN) does not belong to the access key ID. Use an access key ID, secret and session token from the same, current credentials."
    ];
  }
  if (isTimeRejection(text)) {
    return [
      "STS_CLOCK_SKEW",
      "Fix: STS refused the signature for its time: this machine's clock is more than 15 minutes off. Synchronise the runner's clock (NTP)."
    ];
  }
  if (/\bSignatureDoesNotMatch\b/.test(text)) {
    return [
      "STS_SIGNATURE_MISMATCH",
      "Fix: the secret access key does not belong to the access key ID (STS computed a different signature). Check AWS_SECRET_ACCESS_KEY for stray spaces or quotes, or a rotated key."
    ];
  }
  return void 0;
}
var RETRYABLE_STS_CODES = /* @__PURE__ */ new Set([
  "Throttling",
  "TooManyRequests",
  "RequestLimitExceeded",
  "IDPCommunicationError",
  "ServiceUnavailable",
  "InternalFailure"
]);
function isRetryableStsCode(code) {
  return RETRYABLE_STS_CODES.has(stsErrorCode(code));
}
function stsErrorCode(name) {
  return name.endsWith("Exception") && name !== "Exception" ? name.slice(0, -"Exception".length) : name;
}
function assumeRoleRefusal(response, params) {
  const error2 = parseStsError(response.body);
  const code = stsErrorCode(error2?.code ?? "");
  const what = error2 ? `${error2.code}: ${truncate(error2.message)}` : `HTTP ${response.status}${response.body.trim() ? ` (${truncate(response.body.trim().replace(/\s+/g, " "), 200)})` : ""}`;
  const where = `STS AssumeRoleWithWebIdentity for ${params.roleArn} failed: ${what}`;
  const throttled = RETRYABLE_STS_CODES.has(code);
  const failure = (message, errorCode2) => new HttpFailure(message, response, { code: errorCode2, throttled });
  const refusal = failure(where, "STS_FAILED");
  return isTransient(refusal) ? refusal : failure(`${where}
${assumeRoleHint(code, params.tokenDescription)}`, "STS_ASSUME_ROLE_REFUSED");
}
function assumeRoleHint(code, tokenDescription) {
  if (code === "InvalidIdentityToken" || code === "AccessDenied" || code === "ExpiredToken") {
    return `Fix: check the role's trust policy. It must trust the OIDC provider that issued the token, its "aud" condition must equal the token's audience (web-identity-audience), and its "sub" condition must match the token's subject. The token presented: ${tokenDescription}.`;
  }
  if (code === "ValidationError")
    return "Fix: check role-to-assume, role-session-name and role-duration-seconds (the role's maximum session duration may be lower).";
  return `The token presented: ${tokenDescription}.`;
}

// src/core/sts/web-identity-token.ts
var GET_WEB_IDENTITY_TOKEN_VERSION = "2011-06-15";
function formValue(value) {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
function webIdentityTokenBody(request) {
  return [
    ["Action", "GetWebIdentityToken"],
    ["Version", GET_WEB_IDENTITY_TOKEN_VERSION],
    ["Audience.member.1", request.audience],
    ["SigningAlgorithm", request.algorithm],
    ["DurationSeconds", String(request.durationSeconds)]
  ].map(([name, value]) => `${name}=${formValue(value ?? "")}`).join("&");
}
function signWebIdentityTokenRequest(credentials, request, target, now) {
  return signStsForm(credentials, target, now, webIdentityTokenBody(request));
}
function getWebIdentityToken(request, ctx) {
  let resigned = false;
  const once = async (timeoutMs) => {
    const signed = await signWebIdentityTokenRequest(ctx.credentials, request, ctx.target, ctx.signingClock.now());
    const response = await ctx.http({
      url: signed.url,
      method: "POST",
      headers: signed.headers,
      body: signed.body,
      timeoutMs
    });
    const token = readWebIdentityToken(response, request, ctx.secret);
    return { token, serverTime: parseHttpDate(headerValue(response.headers, "date")) };
  };
  return withRetries(
    "STS GetWebIdentityToken",
    async ({ timeoutMs }) => {
      try {
        return await once(timeoutMs);
      } catch (err) {
        if (resigned || !ctx.signingClock.adoptServerTime(err, "STS")) throw err;
        resigned = true;
        return once(remainingWithin(ctx.retry, ctx.retry.attemptTimeoutMs));
      }
    },
    ctx.retry
  );
}
function readWebIdentityToken(response, request, secret) {
  if (response.status !== 200) throw webIdentityTokenRefusal(response, request);
  const token = xmlText(response.body, "WebIdentityToken");
  if (token !== void 0) secret(token);
  if (token === void 0 || token === "") {
    throw new AuthError("STS GetWebIdentityToken answered HTTP 200 without a WebIdentityToken.", {
      code: "STS_FAILED"
    });
  }
  return token;
}
function webIdentityTokenRefusal(response, request) {
  const error2 = parseStsError(response.body);
  const what = error2 ? `${error2.code}: ${truncate(error2.message)}` : `HTTP ${response.status}${response.body.trim() ? ` (${truncate(response.body.trim(), 200)})` : ""}`;
  const where = `STS GetWebIdentityToken failed: ${what}`;
  const throttled = isRetryableStsCode(error2?.code ?? "");
  const plain = new HttpFailure(where, response, { code: "STS_FAILED", throttled });
  if (isTransient(plain)) return plain;
  const hint = webIdentityTokenHint(error2?.code ?? "", `${error2?.code ?? ""} ${error2?.message ?? ""}`, request);
  return hint === void 0 ? plain : new HttpFailure(`${where}
${hint.fix}`, response, { code: hint.code });
}
function webIdentityTokenStatement(audience) {
  return JSON.stringify({
    Effect: "Allow",
    Action: "sts:GetWebIdentityToken",
    Resource: "*",
    Condition: { "ForAllValues:StringEquals": { "sts:IdentityTokenAudience": audience } }
  });
}
function webIdentityTokenHint(rawCode, text, request) {
  const code = stsErrorCode(rawCode);
  if (code === "OutboundWebIdentityFederationDisabled") {
    return {
      code: "AWS_OUTBOUND_FEDERATION_DISABLED",
      fix: "Fix: outbound identity federation is not enabled in this AWS account. An account administrator enables it once with: aws iam enable-outbound-web-identity-federation (then aws iam get-outbound-web-identity-federation-info shows the issuer URL for the Mondoo identity provider). Or use proof signed-request."
    };
  }
  if (code === "AccessDenied") {
    return {
      code: "AWS_JWT_ACCESS_DENIED",
      fix: `Fix: the AWS identity may not call sts:GetWebIdentityToken for this audience. Add this statement to the policy of the role or user: ${webIdentityTokenStatement(request.audience)}`
    };
  }
  if (code === "SessionDurationEscalation") {
    return {
      code: "AWS_JWT_DURATION_TOO_LONG",
      fix: `Fix: aws-jwt-duration-seconds (${request.durationSeconds}) outlives the AWS session the credentials belong to. Lower aws-jwt-duration-seconds (the default is 300), or get credentials with a longer session (role-duration-seconds).`
    };
  }
  if (code === "JWTPayloadSizeExceeded") {
    return {
      code: "AWS_JWT_PAYLOAD_TOO_LARGE",
      fix: "Fix: the claims STS would put in the token (the principal and session tags among them) exceed its size limit. Remove session or principal tags from this identity, or use proof signed-request."
    };
  }
  if (code === "InvalidAction" || code === "UnknownOperation") {
    return {
      code: "STS_FAILED",
      fix: "Fix: this STS endpoint does not serve GetWebIdentityToken. The global endpoint (sts.amazonaws.com) never does: the tool sends it to the regional endpoint of aws-region, so check that AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL), if set, names a regional STS endpoint such as https://sts.eu-central-1.amazonaws.com."
    };
  }
  return explainStsRefusal(text);
}

// src/core/sts/aws-jwt.ts
var AWS_CLAIMS_KEY = "https://sts.amazonaws.com/";
var MAX_JWT_LENGTH = 16 * 1024;
var PART = /^[A-Za-z0-9_-]+$/;
var ISSUER_TEXT = /^[\x21-\x7e]{1,1024}$/;
function invalid2(reason) {
  return new AuthError(
    `STS GetWebIdentityToken answered with a token that is not a usable JWT: ${reason}. Nothing was sent to Mondoo. Check that AWS_ENDPOINT_URL_STS (if set) points at AWS STS.`,
    { code: "AWS_JWT_INVALID" }
  );
}
function decodePart(part, name) {
  let value;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw invalid2(`its ${name} is not base64url-encoded JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid2(`its ${name} is not a JSON object`);
  return value;
}
function isIssuerUrl(value) {
  if (!ISSUER_TEXT.test(value) || /[<>"'`\\]/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.username === "" && url.password === "" && url.search === "" && url.hash === "";
  } catch {
    return false;
  }
}
function readAwsJwt(token, audience, nowMs) {
  if (token.length > MAX_JWT_LENGTH)
    throw invalid2(`it is ${token.length} characters long (at most ${MAX_JWT_LENGTH} are read)`);
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => PART.test(part)))
    throw invalid2("it is not three base64url parts separated by dots");
  decodePart(parts[0], "header");
  const payload = decodePart(parts[1], "payload");
  const { iss, sub, aud, exp } = payload;
  if (typeof iss !== "string" || !isIssuerUrl(iss)) throw invalid2('its "iss" is not an https URL');
  if (typeof sub !== "string" || !isArn(sub)) throw invalid2('its "sub" is not an AWS ARN');
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === "string") ? aud : void 0;
  if (audiences === void 0) throw invalid2('its "aud" is not a string or a list of strings');
  if (!audiences.includes(audience))
    throw invalid2(`its "aud" does not contain the audience requested (${truncate(audience, 200)})`);
  if (typeof exp !== "number" || !Number.isFinite(exp)) throw invalid2('its "exp" is not a number');
  if (exp * 1e3 <= nowMs)
    throw invalid2(`it expired at ${new Date(exp * 1e3).toISOString()}, before it could be used`);
  const awsClaims = payload[AWS_CLAIMS_KEY];
  const account = typeof awsClaims === "object" && awsClaims !== null ? awsClaims["aws_account"] : void 0;
  const accountId = typeof account === "string" && /^\d{12}$/.test(account) ? account : accountIdFromArn(sub);
  if (accountId === void 0) throw invalid2(`its "${AWS_CLAIMS_KEY}" claims name no 12-digit aws_account`);
  if (accountId !== accountIdFromArn(sub))
    throw invalid2(`its aws_account (${accountId}) is not the account of its "sub"`);
  return { issuer: iss, subject: sub, audience: audiences, expiresAt: exp * 1e3, accountId };
}
function issuerUriFor(config, claims) {
  if (config.issuerUri === DEFAULT_ISSUER_URI || config.issuerUri === claims.issuer) return claims.issuer;
  throw new AuthError(
    `issuer-uri is ${config.issuerUri}, but the AWS token's issuer (iss) is ${claims.issuer}. Nothing was sent to Mondoo. Set issuer-uri to ${claims.issuer} (the issuer of your Mondoo custom OIDC identity provider, from aws iam get-outbound-web-identity-federation-info), or leave it unset: with proof aws-jwt the token's issuer is sent.`,
    { code: "AWS_JWT_ISSUER_MISMATCH" }
  );
}
function identityOf(claims) {
  return { arn: claims.subject, accountId: claims.accountId };
}
function describeClaims(claims) {
  return `issuer ${claims.issuer}, subject ${claims.subject}, audience ${claims.audience.join(", ")}, expires ${new Date(claims.expiresAt).toISOString()}`;
}
function explainJwtRejection(err, claims, audience) {
  const lines = [
    `Mondoo rejected the AWS token for audience "${audience}". ${err.message}`,
    `Token presented: ${describeClaims(claims)}.`,
    `Fix: Mondoo needs a custom OIDC identity provider (Settings → Identity Providers) with issuer ${claims.issuer}, subject ${claims.subject} and audience ${audience}. The issuer is the one aws iam get-outbound-web-identity-federation-info shows for this account.`
  ];
  return new AuthError(lines.join("\n"), { code: "MONDOO_REJECTED_IDENTITY", cause: err });
}
async function awsJwtProof(config, credentials, ctx) {
  ctx.log.info(
    `Requesting an AWS JWT for audience ${config.audience} (STS GetWebIdentityToken, ${config.awsJwtAlgorithm}, ${config.awsJwtDurationSeconds} s) at ${ctx.target.endpoint}`
  );
  const request = {
    audience: config.audience,
    algorithm: config.awsJwtAlgorithm,
    durationSeconds: config.awsJwtDurationSeconds
  };
  const { token, serverTime } = await getWebIdentityToken(request, { ...ctx, credentials });
  const local = ctx.clock.now();
  const stsOffset = serverTime !== void 0 && Math.abs(serverTime - local) <= MAX_ADOPTED_SKEW_MS ? serverTime - local : void 0;
  const now = () => stsOffset !== void 0 ? ctx.clock.now() + stsOffset : ctx.signingClock.now().getTime();
  const claims = readAwsJwt(token, config.audience, now());
  const issuerUri = issuerUriFor(config, claims);
  ctx.log.info(`AWS JWT: ${describeClaims(claims)}`);
  const proof = {
    sign: () => {
      if (claims.expiresAt <= now()) {
        throw new AuthError(
          `The AWS JWT expired at ${new Date(claims.expiresAt).toISOString()} while the exchange was retried. Raise aws-jwt-duration-seconds above timeout-seconds.`,
          { code: "AWS_JWT_INVALID" }
        );
      }
      return Promise.resolve(token);
    }
  };
  return { proof, claims, issuerUri };
}

// src/core/credentials/allowed-accounts.ts
function requireAllowedAccount(learned, allowed) {
  const list = allowed.join(", ");
  const { identity } = learned;
  if (identity === void 0 || accountIdFromArn(identity.arn) !== identity.accountId) {
    const why = learned.failure !== void 0 ? `: ${learned.failure.replace(/\.$/, "")}` : "";
    throw new AuthError(
      `allowed-account-ids is set (${list}), but the AWS account of the credentials could not be learned from STS GetCallerIdentity${why}. Nothing was sent to Mondoo. Check that this job can reach STS (aws-region, AWS_ENDPOINT_URL_STS), or unset allowed-account-ids.`,
      { code: "STS_FAILED" }
    );
  }
  if (!allowed.includes(identity.accountId)) {
    throw new AuthError(
      `The AWS credentials (${identity.arn}) belong to account ${identity.accountId}, which allowed-account-ids (${list}) does not list. Nothing was sent to Mondoo. Use credentials of an allowed account, or add ${identity.accountId} to allowed-account-ids if it is meant to authenticate.`,
      { code: "AWS_ACCOUNT_NOT_ALLOWED" }
    );
  }
  return identity;
}

// src/core/credentials/env-credentials.ts
function credentialsFromEnv(aws) {
  if (aws.explicitProfile) return void 0;
  const accessKeyId = aws.accessKeyId ?? "";
  const secretAccessKey = aws.secretAccessKey ?? "";
  const sessionToken = aws.sessionToken ?? "";
  if (accessKeyId === "" && secretAccessKey === "") {
    if (sessionToken !== "")
      throw new ConfigError(
        "aws-credentials",
        "AWS_SESSION_TOKEN is set but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not. Set all three (temporary credentials) or unset AWS_SESSION_TOKEN."
      );
    return void 0;
  }
  if (accessKeyId === "" || secretAccessKey === "") {
    const missing = accessKeyId === "" ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
    const present = accessKeyId === "" ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
    throw new ConfigError(
      "aws-credentials",
      `${present} is set but ${missing} is empty. Set both (and AWS_SESSION_TOKEN for temporary credentials), or unset both to use another credential source.`
    );
  }
  if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) {
    throw new ConfigError(
      "aws-credentials",
      "AWS_ACCESS_KEY_ID does not look like an AWS access key ID (16 to 128 upper-case letters and digits, such as AKIA… or ASIA…). Check for stray quotes or spaces."
    );
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...sessionToken !== "" ? { sessionToken } : {},
    source: sessionToken !== "" ? "environment variables (temporary session credentials)" : "environment variables (long-term access key)"
  };
}

// src/core/credentials/aws-environment.ts
var import_node_path = require("node:path");
var RELATIVE_URI_VAR = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
var FULL_URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
var TOKEN_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
var TOKEN_FILE_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
function readAwsEnvironment(env) {
  const trimmed = (name) => env[name]?.trim() || void 0;
  const asSet = (name) => env[name] || void 0;
  const imdsOff = env["AWS_EC2_METADATA_DISABLED"];
  const homePath = asSet("HOMEPATH");
  const profile = trimmed("AWS_PROFILE");
  return {
    accessKeyId: trimmed("AWS_ACCESS_KEY_ID"),
    secretAccessKey: trimmed("AWS_SECRET_ACCESS_KEY"),
    sessionToken: trimmed("AWS_SESSION_TOKEN"),
    profile: profile ?? "default",
    explicitProfile: profile !== void 0,
    sharedCredentialsFile: asSet("AWS_SHARED_CREDENTIALS_FILE"),
    configFile: asSet("AWS_CONFIG_FILE"),
    home: asSet("HOME") ?? asSet("USERPROFILE") ?? (homePath !== void 0 ? `${env["HOMEDRIVE"] ?? `C:${import_node_path.sep}`}${homePath}` : void 0),
    roleArn: trimmed("AWS_ROLE_ARN"),
    webIdentityTokenFile: trimmed("AWS_WEB_IDENTITY_TOKEN_FILE"),
    containerRelativeUri: trimmed(RELATIVE_URI_VAR),
    containerFullUri: trimmed(FULL_URI_VAR),
    containerTokenFile: trimmed(TOKEN_FILE_VAR),
    containerToken: trimmed(TOKEN_VAR),
    imdsDisabled: imdsOff !== void 0 && imdsOff !== "" && imdsOff !== "false",
    imdsEndpoint: trimmed("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
    imdsEndpointMode: trimmed("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"),
    imdsV1Disabled: trimmed("AWS_EC2_METADATA_V1_DISABLED"),
    instanceProfileName: trimmed("AWS_EC2_INSTANCE_PROFILE_NAME"),
    sdkStsEndpointVariable: readStsEndpoint(env)?.variable,
    childEnv: env
  };
}

// src/core/credentials/links/chain-link.ts
function isMiss(answer) {
  return answer.missed === true;
}
function unusedSources(aws, used) {
  const out = [];
  if (used !== "env" && aws.accessKeyId !== void 0 && aws.secretAccessKey !== void 0)
    out.push("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  if (used !== "profile" && used !== "role" && aws.explicitProfile)
    out.push(`AWS_PROFILE ${quoteForLog(aws.profile, 64)}`);
  if (used !== "token-file" && used !== "role" && aws.roleArn !== void 0 && aws.webIdentityTokenFile !== void 0)
    out.push("AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE");
  if (used !== "container") {
    if (aws.containerRelativeUri !== void 0) out.push(RELATIVE_URI_VAR);
    else if (aws.containerFullUri !== void 0) out.push(FULL_URI_VAR);
  }
  return out;
}
function withUnused(source, aws, used) {
  const unused = unusedSources(aws, used);
  return unused.length === 0 ? source : `${source}; also set but not used (lower in the AWS SDK's order): ${unused.join(", ")}`;
}
function handOn(creds, source, deps) {
  deps.secret(creds.secretAccessKey);
  if (creds.sessionToken) deps.secret(creds.sessionToken);
  return {
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    ...creds.sessionToken ? { sessionToken: creds.sessionToken } : {},
    source
  };
}

// src/core/credentials/links/environment.ts
var environmentLink = {
  id: "env",
  short: "the environment",
  name: "environment variables",
  where: () => "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
  sdk: false,
  // As in the SDK, skipped when AWS_PROFILE is set; otherwise any of the three variables makes it apply.
  applies: ({ aws }) => !aws.explicitProfile && [aws.accessKeyId, aws.secretAccessKey, aws.sessionToken].some((value) => value !== void 0),
  resolve({ aws, deps }) {
    const fromEnv = credentialsFromEnv(aws);
    return Promise.resolve(handOn(fromEnv, withUnused(fromEnv.source, aws, "env"), deps));
  }
};

// src/core/ci-tokens/token-source.ts
function jwtClaims(token) {
  const payload = token.split(".")[1];
  if (payload === void 0) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const text = (v) => typeof v === "string" ? v : Array.isArray(v) ? v.join(",") : void 0;
    const out = {};
    const iss = text(claims["iss"]);
    const sub = text(claims["sub"]);
    const aud = text(claims["aud"]);
    if (iss !== void 0) out.iss = iss;
    if (sub !== void 0) out.sub = sub;
    if (aud !== void 0) out.aud = aud;
    return out;
  } catch {
    return {};
  }
}
function describeToken(source, token) {
  const c = jwtClaims(token);
  const parts = [`from ${source}`];
  if (c.iss) parts.push(`iss "${truncate(c.iss, 120)}"`);
  if (c.aud) parts.push(`aud "${truncate(c.aud, 120)}"`);
  if (c.sub) parts.push(`sub "${truncate(c.sub, 200)}"`);
  return parts.join(", ");
}
var GITHUB_TOKEN_VARIABLES = ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"];
function gitHubTokenSource(v, audience, http3) {
  const requestUrl = v.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = v.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (requestUrl === "" || requestToken === "") {
    throw new ConfigError(
      "role-to-assume",
      "role-to-assume is set, but this job cannot request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Add `permissions: id-token: write` to the job or workflow. (Pull requests from forks never get one.)",
      "OIDC_TOKEN_UNAVAILABLE"
    );
  }
  acceptSecretUrl(requestUrl, {
    input: "role-to-assume",
    what: "ACTIONS_ID_TOKEN_REQUEST_URL",
    fix: "It is set by the GitHub runner; check that no step overwrites it.",
    carries: "the runner's token request token"
  });
  return {
    name: "GitHub Actions OIDC",
    async fetch(timeoutMs) {
      const url = `${requestUrl}${requestUrl.includes("?") ? "&" : "?"}audience=${encodeURIComponent(audience)}`;
      const response = await http3({
        url,
        method: "GET",
        headers: { authorization: `Bearer ${requestToken}`, accept: "application/json" },
        timeoutMs
      });
      if (response.status !== 200) {
        const fix = response.status === 401 || response.status === 403 ? " Check that the job has `permissions: id-token: write`." : "";
        let message = "";
        try {
          const parsed = JSON.parse(response.body);
          if (typeof parsed.message === "string") message = `: ${truncate(parsed.message)}`;
        } catch {
          message = response.body.trim() && !/<html/i.test(response.body) ? `: ${truncate(response.body)}` : "";
        }
        throw new HttpFailure(
          `the GitHub OIDC token endpoint answered HTTP ${response.status}${message}.${fix}`,
          response,
          {
            code: "OIDC_TOKEN_UNAVAILABLE"
          }
        );
      }
      let value;
      try {
        value = JSON.parse(response.body).value;
      } catch {
        value = void 0;
      }
      if (typeof value !== "string" || value === "")
        throw new AuthError("the GitHub OIDC token endpoint answered without a token.", {
          code: "OIDC_TOKEN_UNAVAILABLE"
        });
      return value;
    }
  };
}

// src/core/credential-source.ts
var LOOKUP_MIN_MS = 5e3;
function credentialSourceFor(ctx) {
  if (ctx.config.roleToAssume !== void 0) return webIdentitySource(ctx.config.roleToAssume, ctx);
  const keysInEnv = credentialsFromEnv(ctx.aws) !== void 0;
  return {
    // allowed-account-ids asks STS before the exchange, so its connection is worth opening ahead too.
    stsAhead: ctx.config.allowedAccountIds !== void 0 || !keysInEnv && ctx.learnIdentity,
    async resolve() {
      const { aws, credentialsFix, clock, log, secret, config } = ctx;
      const deps = {
        aws,
        credentialsFix,
        clock,
        log,
        secret,
        http: ctx.http,
        deadline: ctx.retry.deadline,
        timeoutMs: config.timeoutMs,
        attemptTimeoutMs: config.attemptTimeoutMs,
        maxAttempts: config.maxAttempts,
        region: config.region,
        target: ctx.target
      };
      const first = { deps: { ...deps, loadSdk: notLoaded }, aws, totalMs: 0, session: void 0 };
      const fromEnv = environmentLink.applies(first) ? await environmentLink.resolve(first) : void 0;
      const credentials = fromEnv !== void 0 && !isMiss(fromEnv) ? fromEnv : await (await ctx.credentialChain()).runCredentialChain(deps);
      return found(credentials, credentials.source, ctx);
    }
  };
}
function notLoaded() {
  throw new Error("the environment link does not load the AWS SDK");
}
function found(credentials, source, ctx) {
  ctx.secret(credentials.secretAccessKey);
  if (credentials.sessionToken !== void 0) ctx.secret(credentials.sessionToken);
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return {
    credentials: { accessKeyId, secretAccessKey, ...sessionToken !== void 0 ? { sessionToken } : {} },
    source,
    identity: new StsIdentityLookup({ accessKeyId, secretAccessKey, sessionToken }, ctx)
  };
}
function roleArnNote(aws, roleToAssume) {
  const fromEnv = aws.roleArn;
  if (fromEnv === void 0 || fromEnv === roleToAssume) return void 0;
  return `AWS_ROLE_ARN ${quoteForLog(fromEnv, 120)} is set but not used: role-to-assume takes precedence.`;
}
function webIdentitySource(roleArn, ctx) {
  return {
    stsAhead: true,
    async resolve() {
      const tokens = ctx.webIdentity;
      if (tokens === void 0)
        throw new AuthError("role-to-assume is set but no web identity token source is available.", {
          code: "UNEXPECTED"
        });
      const note = roleArnNote(ctx.aws, roleArn);
      if (note !== void 0) ctx.log.info(note);
      ctx.log.info(
        `Assuming ${roleArn} with a web identity token from ${tokens.name} (STS endpoint ${ctx.target.endpoint})`
      );
      const assumed = await withRetries(
        `AssumeRoleWithWebIdentity for ${roleArn}`,
        async ({ timeoutMs }) => {
          const started = ctx.clock.now();
          const token = await tokens.fetch(timeoutMs);
          ctx.secret(token);
          return assumeRoleWithWebIdentity(ctx.http, {
            roleArn,
            sessionName: ctx.config.roleSessionName,
            durationSeconds: ctx.config.roleDurationSeconds,
            webIdentityToken: token,
            tokenDescription: describeToken(tokens.name, token),
            target: ctx.target,
            timeoutMs: Math.max(1, timeoutMs - (ctx.clock.now() - started))
          });
        },
        ctx.retry
      );
      for (const value of [
        assumed.credentials.accessKeyId,
        assumed.credentials.secretAccessKey,
        assumed.credentials.sessionToken
      ])
        ctx.secret(value);
      const known = { identity: assumed.identity, failure: void 0 };
      return {
        credentials: assumed.credentials,
        source: `AssumeRoleWithWebIdentity (${assumed.identity.arn})`,
        identity: { learn: () => Promise.resolve(known) }
      };
    }
  };
}
var StsIdentityLookup = class {
  constructor(credentials, ctx) {
    this.credentials = credentials;
    this.ctx = ctx;
  }
  credentials;
  ctx;
  asked;
  learn() {
    this.asked ??= this.ask().then(
      (identity) => ({ identity, failure: void 0 }),
      (err) => {
        const failure = errorMessage(err);
        this.ctx.log.debug(`Could not learn the caller identity from STS at ${this.ctx.target.endpoint}: ${failure}`);
        return { identity: void 0, failure, ...err instanceof StsBadAnswer ? { refused: err } : {} };
      }
    );
    return this.asked;
  }
  async ask() {
    const { clock, retry } = this.ctx;
    const until = clock.now() + remainingWithin(retry, Math.max(LOOKUP_MIN_MS, retry.attemptTimeoutMs));
    try {
      return await this.once(until);
    } catch (err) {
      if (!this.ctx.signingClock.adoptServerTime(err, "STS")) throw err;
      return this.once(until);
    }
  }
  once(until) {
    const timeoutMs = Math.max(1, until - this.ctx.clock.now());
    return lookupCallerIdentity(
      this.ctx.http,
      this.credentials,
      this.ctx.target,
      this.ctx.signingClock.now(),
      timeoutMs
    );
  }
};

// src/core/mondoo/exchange.ts
var EXCHANGE_PATH = "/SecureTokenService/ExchangeExternalToken";
var GRPC_CODES = {
  1: "Canceled",
  2: "Unknown",
  3: "InvalidArgument",
  4: "DeadlineExceeded",
  5: "NotFound",
  6: "AlreadyExists",
  7: "PermissionDenied",
  8: "ResourceExhausted",
  9: "FailedPrecondition",
  10: "Aborted",
  11: "OutOfRange",
  12: "Unimplemented",
  13: "Internal",
  14: "Unavailable",
  15: "DataLoss",
  16: "Unauthenticated"
};
function exchangeBody(request) {
  return JSON.stringify({
    audience: request.audience,
    issuer_uri: request.issuerUri,
    jwt_token: request.proof,
    ...responseTypeField(request.responseType ?? "credential")
  });
}
async function sendExchange(http3, request, timeoutMs) {
  const response = await http3({
    url: `${request.universeDomain}${EXCHANGE_PATH}`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: exchangeBody(request),
    timeoutMs
  });
  return { base64Credential: parseExchangeResponse(response), response };
}
function isJsonObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function tryJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return void 0;
  }
}
function parseExchangeResponse(response) {
  const { status, body } = response;
  if (status === 200) {
    const parsed = tryJson(body);
    if (!isJsonObject(parsed)) {
      const type = header(response, "content-type") ?? "no content type";
      throw new AuthError(
        `Mondoo answered HTTP 200, but not with a JSON object (${type}, ${body.length} bytes). Check universe-domain points at the Mondoo API, not a web page or a proxy.`,
        { code: "MONDOO_BAD_RESPONSE" }
      );
    }
    const credential = parsed["base64_credential"];
    if (typeof credential !== "string" || credential === "") {
      throw new AuthError(
        `Mondoo answered HTTP 200 without a base64_credential (keys: ${Object.keys(parsed).join(", ") || "none"}). Check universe-domain points at the Mondoo API.`,
        { code: "MONDOO_BAD_RESPONSE" }
      );
    }
    return credential;
  }
  throw new HttpFailure(`Mondoo answered HTTP ${status}: ${describeErrorBody(response)}`, response, {
    code: exchangeFailureCode(status)
  });
}
function exchangeFailureCode(status) {
  if (status === 401 || status === 403) return "MONDOO_REJECTED_IDENTITY";
  return isTransientStatus(status) ? "MONDOO_UNAVAILABLE" : "MONDOO_EXCHANGE_REFUSED";
}
function describeErrorBody(response) {
  const body = response.body;
  const parsed = tryJson(body);
  if (isJsonObject(parsed)) {
    const message = typeof parsed["message"] === "string" ? parsed["message"] : void 0;
    const code = typeof parsed["code"] === "number" ? parsed["code"] : void 0;
    const codeName = code === void 0 ? void 0 : GRPC_CODES[code] ?? `code ${code}`;
    if (message !== void 0 || codeName !== void 0) {
      return `${codeName ?? "error"}${message ? `: ${truncate(message)}` : ""}`;
    }
  }
  if (body.trim() === "") return "an empty body";
  if (/<html|<!doctype/i.test(body)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return `an HTML page${title ? ` titled "${truncate(title, 120)}"` : ""}, probably from a proxy or load balancer in front of Mondoo`;
  }
  return truncate(body);
}

// src/core/mondoo/exchange-attempts.ts
function exchangeProof(proof, ctx) {
  const attempts = new ExchangeAttempts(proof, ctx);
  return withRetries("The Mondoo token exchange", ({ timeoutMs }) => attempts.attempt(timeoutMs), ctx.retry);
}
var ExchangeAttempts = class {
  constructor(proof, ctx) {
    this.proof = proof;
    this.ctx = ctx;
  }
  proof;
  ctx;
  resigned = false;
  async attempt(timeoutMs) {
    try {
      return await this.send(timeoutMs);
    } catch (err) {
      if (this.resigned || !this.ctx.signingClock.adoptServerTime(err, "Mondoo")) throw err;
      this.resigned = true;
      return this.send(remainingWithin(this.ctx.retry, this.ctx.retry.attemptTimeoutMs));
    }
  }
  async send(timeoutMs) {
    const proof = await this.proof.sign();
    const { clock } = this.ctx;
    const started = clock.now();
    const exchanged = sendExchange(this.ctx.http, { ...this.ctx.request, proof }, timeoutMs);
    this.ctx.onSent();
    const { base64Credential } = await exchanged;
    this.ctx.log.debug(`Mondoo answered the exchange in ${formatMs(clock.now() - started)}`);
    return base64Credential;
  }
};

// src/core/proof/signed-proof.ts
function signedProof(credentials, clock, secret) {
  return {
    async sign() {
      const signed = await signGetCallerIdentity(credentials, clock.now());
      const signedRequest = serializeSignedRequest(signed);
      secret(signed.signature);
      secret(signedRequest, { pieces: false });
      return signedRequest;
    }
  };
}

// src/core/mondoo/rejection.ts
function isIdentityRejection(err) {
  return err instanceof AuthError && err.code === "MONDOO_REJECTED_IDENTITY";
}
function explainRejection(err, learned, config) {
  const { identity, failure } = learned;
  const lines = [`Mondoo rejected the AWS identity for audience "${config.audience}". ${err.message}`];
  const sts = explainStsRefusal(err.message) ?? (identity === void 0 && failure !== void 0 ? explainStsRefusal(failure) : void 0);
  if (sts !== void 0) {
    if (identity !== void 0) lines.push(`AWS identity presented: ${identity.arn}`);
    lines.push(sts.fix);
  } else if (identity !== void 0) {
    lines.push(`AWS identity presented: ${identity.arn}`);
    lines.push(
      `To allow it, set the Mondoo identity provider's subject to: ${subjectPatternFor(identity.arn)} (issuer ${config.issuerUri}), and check the audience matches.`
    );
  } else {
    lines.push(`The AWS identity presented could not be determined${failure ? ` (STS said: ${failure})` : ""}.`);
    lines.push(
      "Check the identity provider in Mondoo: its subject must match the caller ARN (for an assumed role: arn:aws:sts::<account>:assumed-role/<RoleName>/*)."
    );
  }
  return new AuthError(lines.join("\n"), { code: sts?.code ?? "MONDOO_REJECTED_IDENTITY", cause: err });
}

// src/core/proof/signing-clock.ts
var SigningClock = class {
  constructor(clock, warn) {
    this.clock = clock;
    this.warn = warn;
  }
  clock;
  warn;
  offsetMs;
  now() {
    return new Date(this.clock.now() + (this.offsetMs ?? 0));
  }
  /**
   * After a failure from `server`: whether signing again can help, because the failure was a refusal for time
   * from a server whose clock is far from ours. The first such refusal sets the time for the rest of the run.
   */
  adoptServerTime(err, server) {
    const skew = clockSkewOf(err, this.clock.now());
    if (skew === void 0) {
      const far = farClockError(err, this.clock.now(), server);
      if (far !== void 0) throw far;
      return false;
    }
    if (this.offsetMs === void 0) {
      this.offsetMs = skew;
      this.warn(skewWarning(skew, server));
    }
    return true;
  }
};

// src/core/authenticate.ts
async function authenticate(config, deps) {
  const { clock, log, http: http3, secret } = deps;
  const retry = retryBudget(config, clock, (message) => log.warning(message));
  const signingClock = new SigningClock(clock, (message) => log.warning(message));
  const target = deps.stsTarget;
  const source = credentialSourceFor({
    ...deps,
    config,
    credentialChain: deps.lazy.credentialChain,
    retry,
    signingClock,
    target
  });
  const resolving = source.resolve();
  const stsAhead = source.stsAhead || config.proof === "aws-jwt";
  connectAhead(
    http3,
    [stsAhead ? `${target.endpoint}/` : void 0, `${config.universeDomain}${EXCHANGE_PATH}`],
    config.attemptTimeoutMs
  );
  const found2 = await resolving;
  log.info(`AWS credentials: ${found2.source}`);
  const jwt = config.proof === "aws-jwt" ? await awsJwtProof(config, found2.credentials, { http: http3, clock, log, secret, retry, signingClock, target }) : void 0;
  if (config.allowedAccountIds !== void 0) {
    const learned2 = jwt ? { identity: identityOf(jwt.claims), failure: void 0 } : await found2.identity.learn();
    const allowed = requireAllowedAccount(learned2, config.allowedAccountIds);
    log.info(`AWS account ${allowed.accountId} is in allowed-account-ids`);
  }
  const proof = jwt?.proof ?? signedProof(found2.credentials, signingClock, secret);
  log.info(
    jwt ? `Exchanging the AWS JWT with Mondoo at ${config.universeDomain}` : `Exchanging a signed STS GetCallerIdentity request with Mondoo at ${config.universeDomain}`
  );
  const request = {
    universeDomain: config.universeDomain,
    audience: config.audience,
    issuerUri: jwt?.issuerUri ?? config.issuerUri,
    responseType: config.responseType
  };
  const learnIdentity = () => void (deps.learnIdentity && jwt === void 0 && found2.identity.learn());
  const base64Credential = await exchangeProof(proof, {
    http: http3,
    clock,
    signingClock,
    retry,
    log,
    request,
    onSent: learnIdentity
  }).catch(async (err) => {
    if (!isIdentityRejection(err)) throw err;
    throw jwt ? explainJwtRejection(err, jwt.claims, config.audience) : explainRejection(err, await found2.identity.learn(), config);
  });
  const credential = readIssued(base64Credential, config.responseType, secret);
  if (jwt !== void 0) return { base64Credential, credential, identity: identityOf(jwt.claims), awsJwt: jwt.claims };
  const wantsIdentity = deps.learnIdentity || config.roleToAssume !== void 0;
  const learned = wantsIdentity ? await found2.identity.learn() : void 0;
  if (learned?.refused) throw learned.refused;
  return { base64Credential, credential, identity: learned?.identity };
}

// src/core/ci-tokens/ci-system.ts
var ciSystem = (info2) => info2;
function markedCiSystem(id, marker, session, credentialsFix) {
  return {
    id,
    variables: [marker, ...session],
    detect: (v) => v[marker] === "true",
    sessionParts: (v) => [id, ...session.map((name) => v[name] ?? "")],
    credentialsFix
  };
}
var ciTokenSourceOf = (source) => source;

// src/core/ci-tokens/gitlab.ts
var gitLab = ciSystem({
  id: "gitlab",
  variables: ["GITLAB_CI", "CI_JOB_ID", "CI_PROJECT_ID"],
  detect: (v) => v.GITLAB_CI === "true" || v.CI_JOB_ID !== "",
  sessionParts: (v) => ["gitlab", v.CI_PROJECT_ID, v.CI_JOB_ID],
  credentialsFix: "Fix (GitLab): assume a role with an ID token: extend the .mondoo-aws-auth job of the mondoo-aws-auth component with its role-to-assume input (it declares the ID token), or declare id_tokens (e.g. MONDOO_AWS_ID_TOKEN with aud: sts.amazonaws.com) and pass role-to-assume ARN --web-identity-token-env MONDOO_AWS_ID_TOKEN; or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as CI/CD variables, or use a runner with an instance or container role."
});

// src/core/ci-tokens/token-env.ts
function variableValue(token, name) {
  return { name, fetch: () => Promise.resolve(token) };
}
function variableToken(variable, system, setting) {
  return ciTokenSourceOf({
    kind: "ci",
    help: `${system} (${setting !== void 0 ? `${setting} → ` : ""}${variable})`,
    variables: [variable],
    applies: (v) => v[variable] !== "",
    source: (v) => variableValue(v[variable], `${system} OIDC (${variable})`)
  });
}
var tokenEnvSource = {
  kind: "option",
  help: "--web-identity-token-env NAME (a variable holding the token, such as a GitLab id_tokens variable)",
  variables: [],
  applies: (_v, opts) => opts.tokenEnv !== void 0,
  source(_v, opts) {
    const { name: variable, value } = opts.tokenEnv;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new ConfigError(
        "web-identity-token-env",
        `--web-identity-token-env ${JSON.stringify(truncate(variable, 80))} is not a variable name. Give the NAME of the variable that holds the token (for GitLab: the name under id_tokens), not the token itself.`
      );
    }
    if (value === "") {
      throw new ConfigError(
        "web-identity-token-env",
        `--web-identity-token-env names ${variable}, but ${variable} is not set or empty. In GitLab, declare it under id_tokens: in this job (with aud: sts.amazonaws.com).`
      );
    }
    return variableValue(value, `the variable ${variable}`);
  }
};

// src/core/ci-tokens/circleci.ts
var circleCi = markedCiSystem(
  "circleci",
  "CIRCLECI",
  ["CIRCLE_PROJECT_REPONAME", "CIRCLE_BUILD_NUM"],
  "Fix (CircleCI): pass role-to-assume ARN, and the job's OIDC token (CIRCLE_OIDC_TOKEN_V2) is used (the role must trust https://oidc.circleci.com/org/<ORGANIZATION_ID>); or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in a context or the project's environment variables."
);
var circleCiToken = variableToken("CIRCLE_OIDC_TOKEN_V2", "CircleCI");

// src/core/ci-tokens/buildkite.ts
var buildkite = markedCiSystem(
  "buildkite",
  "BUILDKITE",
  ["BUILDKITE_PIPELINE_SLUG", "BUILDKITE_BUILD_NUMBER"],
  "Fix (Buildkite): pass role-to-assume ARN, and a token is requested with buildkite-agent oidc request-token (the role must trust https://agent.buildkite.com); or run the agent on EC2 with an instance role."
);
var buildkiteToken = ciTokenSourceOf({
  kind: "ci",
  help: "Buildkite (buildkite-agent oidc request-token)",
  variables: ["BUILDKITE"],
  applies: (v) => buildkite.detect(v),
  source: (_v, opts) => fromBuildkite(opts.audience)
});
function fromBuildkite(audience) {
  return {
    name: "Buildkite OIDC (buildkite-agent oidc request-token)",
    // node:child_process (and what it loads) only when Buildkite's agent is asked: not on every CLI run.
    fetch: async (timeoutMs) => {
      const { execFile } = await import("node:child_process");
      return new Promise((resolve, reject) => {
        execFile(
          "buildkite-agent",
          ["oidc", "request-token", "--audience", audience],
          { timeout: timeoutMs, maxBuffer: 64 * 1024 },
          (err, stdout, stderr) => {
            if (err) {
              reject(
                new AuthError(
                  `buildkite-agent oidc request-token failed: ${truncate(String(stderr) || errorMessage(err))}`,
                  {
                    code: "OIDC_TOKEN_UNAVAILABLE",
                    transient: true
                  }
                )
              );
              return;
            }
            const token = String(stdout).trim();
            if (token === "")
              reject(
                new AuthError("buildkite-agent oidc request-token printed no token.", {
                  code: "OIDC_TOKEN_UNAVAILABLE"
                })
              );
            else resolve(token);
          }
        );
      });
    }
  };
}

// src/core/ci-tokens/bitbucket.ts
var bitbucket = ciSystem({
  id: "bitbucket",
  variables: ["BITBUCKET_BUILD_NUMBER", "BITBUCKET_REPO_SLUG"],
  detect: (v) => v.BITBUCKET_BUILD_NUMBER !== "",
  sessionParts: (v) => ["bitbucket", v.BITBUCKET_REPO_SLUG, v.BITBUCKET_BUILD_NUMBER],
  credentialsFix: "Fix (Bitbucket Pipelines): add oidc: true to the step and pass role-to-assume ARN (BITBUCKET_STEP_OIDC_TOKEN is used); or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as secured repository variables."
});
var bitbucketToken = variableToken("BITBUCKET_STEP_OIDC_TOKEN", "Bitbucket Pipelines", "oidc: true");

// src/core/ci-tokens/jenkins.ts
var jenkins = ciSystem({
  id: "jenkins",
  variables: ["JENKINS_URL", "BUILD_NUMBER", "JOB_BASE_NAME", "JOB_NAME"],
  detect: (v) => v.JENKINS_URL !== "" && v.BUILD_NUMBER !== "",
  sessionParts: (v) => ["jenkins", v.JOB_BASE_NAME || v.JOB_NAME, v.BUILD_NUMBER],
  credentialsFix: "Fix (Jenkins): bind AWS keys with the AWS Credentials plugin (withCredentials AmazonWebServicesCredentialsBinding to AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), run the agent with an instance role or on EKS with IAM roles for service accounts, or bind an OpenID Connect id token and pass role-to-assume ARN --web-identity-token-env NAME."
});

// src/core/ci-tokens/github.ts
var gitHub = markedCiSystem(
  "github",
  "GITHUB_ACTIONS",
  ["GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT"],
  "Fix: run aws-actions/configure-aws-credentials before this step, or set role-to-assume (the job needs permissions: id-token: write), or give the runner an instance profile."
);
var gitHubToken = ciTokenSourceOf({
  kind: "ci",
  help: "GitHub Actions (permissions: id-token: write)",
  variables: GITHUB_TOKEN_VARIABLES,
  applies: (v) => v.ACTIONS_ID_TOKEN_REQUEST_URL !== "" && v.ACTIONS_ID_TOKEN_REQUEST_TOKEN !== "",
  source: (v, opts, http3) => gitHubTokenSource(v, opts.audience, http3)
});

// src/core/ci-tokens/ci-systems.ts
var CI_SYSTEMS = [gitLab, circleCi, buildkite, bitbucket, jenkins, gitHub];
var SHELL_FIX = "Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary keys), or AWS_PROFILE naming a profile in ~/.aws/config, or pass role-to-assume ARN with --web-identity-token-file PATH (an OIDC token from your CI system), or run on a machine with an instance or container role.";
var SESSION_CHARS = /[^\w+=,.@-]+/g;
function sanitizeSessionName(text) {
  const cleaned = text.replace(SESSION_CHARS, "-").replace(/-{2,}/g, "-").replace(/^-+|-+$/g, "").slice(0, 64).replace(/-+$/, "");
  return cleaned.length >= 2 ? cleaned : "mondoo-aws-auth";
}
function detectCi(v) {
  return CI_SYSTEMS.find((ci) => ci.detect(v));
}
function deriveSessionName(ci, v) {
  if (ci === void 0) return "mondoo-aws-auth";
  return sanitizeSessionName(
    ci.sessionParts(v).filter((p) => p !== "").join("-")
  );
}
function credentialsFixFor(ci) {
  return ci?.credentialsFix ?? SHELL_FIX;
}

// src/core/safety/secret-file.ts
var import_node_fs = require("node:fs");
var WEB_IDENTITY_TOKEN_MAX_BYTES = 256 * 1024;
var CONTAINER_TOKEN_MAX_BYTES = 16 * 1024;
var SHARED_FILE_MAX_BYTES = 1024 * 1024;
function readSmallFile(path, file) {
  const { variable, what, maxBytes } = file;
  const code = file.code ?? "AWS_CREDENTIAL_SOURCE_FAILED";
  const shown = quoteForLog(path, 200);
  const notRegular = () => new AuthError(
    `${variable} ${shown} is not a regular file (a FIFO, device or directory). Point it at the file holding ${what}.`,
    {
      code
    }
  );
  const tooBig = (size2) => new AuthError(
    `${variable} ${shown} is ${size2}, more than the ${maxBytes} bytes accepted. Point it at the file holding ${what}.`,
    {
      code
    }
  );
  let size;
  try {
    const stat = (0, import_node_fs.statSync)(path);
    if (!stat.isFile()) throw notRegular();
    size = stat.size;
  } catch (err) {
    if (err instanceof AuthError) throw err;
    if (file.missingOk === true && err.code === "ENOENT") return void 0;
    throw new AuthError(
      `${variable} ${shown} cannot be read (${err.code ?? errorMessage(err)}). Point it at the file holding ${what}, or unset it.`,
      { code }
    );
  }
  if (size > maxBytes) throw tooBig(`${size} bytes`);
  let fd;
  try {
    fd = (0, import_node_fs.openSync)(path, import_node_fs.constants.O_RDONLY | (import_node_fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new AuthError(
      `${variable} ${shown} cannot be opened (${err.code ?? errorMessage(err)}). Check the file's permissions.`,
      { code }
    );
  }
  try {
    if (!(0, import_node_fs.fstatSync)(fd).isFile()) throw notRegular();
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = (0, import_node_fs.readSync)(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) throw tooBig("longer than it said");
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    (0, import_node_fs.closeSync)(fd);
  }
}
function readSecretFile(path, maxBytes, variable, what, code) {
  return readSmallFile(path, { variable, what, maxBytes, ...code !== void 0 ? { code } : {} });
}

// src/core/ci-tokens/token-file.ts
function readTokenFile(path) {
  return readSecretFile(
    path,
    WEB_IDENTITY_TOKEN_MAX_BYTES,
    "the web identity token file",
    "the web identity token",
    "OIDC_TOKEN_UNAVAILABLE"
  );
}
var tokenFileSource = {
  kind: "option",
  help: "--web-identity-token-file PATH or AWS_WEB_IDENTITY_TOKEN_FILE",
  variables: [],
  applies: (_v, opts) => opts.tokenFile !== void 0 && opts.tokenFile.trim() !== "",
  source(_v, opts) {
    const path = opts.tokenFile.trim();
    try {
      readTokenFile(path);
    } catch (err) {
      throw new ConfigError(
        "web-identity-token-file",
        `${errorMessage(err).replace(/\.$/, "")}. Check --web-identity-token-file / AWS_WEB_IDENTITY_TOKEN_FILE.`
      );
    }
    return {
      name: `the file ${path}`,
      async fetch() {
        const token = readTokenFile(path).trim();
        if (token === "")
          throw new AuthError(`the web identity token file ${path} is empty.`, { code: "OIDC_TOKEN_UNAVAILABLE" });
        return token;
      }
    };
  }
};

// src/core/ci-tokens/ci-token-sources.ts
var CI_TOKEN_SOURCES = [
  tokenEnvSource,
  tokenFileSource,
  gitHubToken,
  circleCiToken,
  bitbucketToken,
  buildkiteToken
];
function tokenSourceHelp(sources = CI_TOKEN_SOURCES) {
  const options = sources.filter((s) => s.kind === "option").map((s) => s.help);
  const inside = sources.filter((s) => s.kind === "ci").map((s) => s.help);
  const ci = inside.length > 1 ? `${inside.slice(0, -1).join(", ")} or ${inside[inside.length - 1]}` : inside.join("");
  return [...options, ...ci !== "" ? [`or run inside ${ci}`] : []].join(", ");
}
var TOKEN_SOURCE_HELP = tokenSourceHelp();

// src/core/ci-tokens/ci-environment.ts
var CI_VARIABLES = [
  ...new Set([...CI_SYSTEMS, ...CI_TOKEN_SOURCES].flatMap((declared) => declared.variables))
];
function valueOf(env, name) {
  const value = env[name];
  return typeof value === "string" ? value.trim() : "";
}
function readCiEnvironment(env, tokenEnv) {
  const variables = Object.freeze(Object.fromEntries(CI_VARIABLES.map((n) => [n, valueOf(env, n)])));
  const ci = detectCi(variables);
  const name = tokenEnv?.trim();
  return {
    system: ci?.id,
    sessionName: deriveSessionName(ci, variables),
    credentialsFix: credentialsFixFor(ci),
    variables,
    tokenEnv: name === void 0 ? void 0 : { name, value: valueOf(env, name) }
  };
}

// src/core/network/clock.ts
var systemClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random()
};

// src/core/run-setup.ts
function registerHostSecrets(masker, env) {
  masker.add(env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] ?? "");
  const proxy = readProxySettings(env);
  for (const value of proxySecrets(proxy)) masker.add(value, { pieces: !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) });
  return proxy;
}
var SIGNATURE = /(?:\bSignature=|[?&]X-Amz-Signature=)([0-9a-f]{64})\b/i;
function maskingSignatures(http3, masker) {
  const send = (request) => {
    const authorization = Object.entries(request.headers ?? {}).find(
      ([name]) => name.toLowerCase() === "authorization"
    )?.[1];
    for (const text of [authorization ?? "", request.url]) {
      const signature = SIGNATURE.exec(text)?.[1];
      if (signature !== void 0) masker.add(signature);
    }
    if (authorization !== void 0) masker.add(authorization, { pieces: false });
    return http3(request);
  };
  return Object.assign(send, http3.preconnect ? { preconnect: http3.preconnect.bind(http3) } : {});
}
function prepareRun(opts) {
  const proxy = registerHostSecrets(opts.masker, opts.env);
  const ci = readCiEnvironment(opts.env, opts.tokenEnv);
  const aws = readAwsEnvironment(opts.env);
  const config = parseConfig(opts.inputs(ci, aws), opts.env, opts.describe);
  const override = ignoredTlsOverride(opts.env);
  if (override !== void 0) opts.log.warning(override);
  const client = (opts.httpClient ?? createHttpClient)(proxy);
  return { config, http: maskingSignatures(client, opts.masker), ci, aws };
}
function runDeps(opts, prepared, choices) {
  const { config, http: http3, ci, aws } = prepared;
  const webIdentity = config.roleToAssume === void 0 ? void 0 : choices.webIdentity(config, http3, ci);
  return {
    aws,
    credentialsFix: ci.credentialsFix,
    stsTarget: stsTargetFor(config.region, readStsEndpoint(opts.env)),
    http: http3,
    clock: systemClock,
    log: opts.log,
    lazy: choices.lazy,
    secret: opts.masker.add,
    learnIdentity: choices.learnIdentity,
    webIdentity
  };
}
async function setUpAndAuthenticate(opts, choices) {
  const prepared = prepareRun(opts);
  const result = await authenticate(prepared.config, runDeps(opts, prepared, choices));
  return { config: prepared.config, result };
}

// src/action.ts
var CONFIG_ENV_VAR = "MONDOO_CONFIG_BASE64";
var coreHost = {
  setOutput,
  exportVariable,
  setSecret,
  info,
  warning,
  debug,
  setFailed
};
function inputVariable(name) {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}
function readInputs(env) {
  const raw = {};
  for (const { name } of ACTION_INPUTS) raw[name] = (env[inputVariable(name)] || "").trim();
  return raw;
}
function setOutputs(host, config, result, masker) {
  for (const output of OUTPUTS) {
    const value = output.read(result);
    if (output.secret) masker.add(value);
    host.setOutput(output.name, value);
  }
  if (config.exportEnv) host.exportVariable(CONFIG_ENV_VAR, result.base64Credential);
}
function jobSummary(config, result, redact = (text) => text) {
  const rows = summaryRows(result);
  if (result.awsJwt)
    rows.splice(1, 0, ["Proof", redact(`AWS JWT (GetWebIdentityToken), issuer ${result.awsJwt.issuer}`)]);
  const table = rows.map(([item, value]) => `<tr><td>${escapeHtml(item)}</td><td><code>${escapeHtml(value)}</code></td></tr>`).join("");
  const where = config.exportEnv ? `<p>The credential is available to later steps as <code>${CONFIG_ENV_VAR}</code>.</p>` : "<p>The credential is available as the <code>base64-credential</code> output.</p>";
  return `<h3>Mondoo AWS authentication</h3>
<table><tr><th>Item</th><th>Value</th></tr>${table}</table>
${where}
`;
}
function writeSummary(env, config, result, log, redact) {
  const file = env["GITHUB_STEP_SUMMARY"];
  if (!file) return;
  try {
    (0, import_node_fs2.appendFileSync)(file, jobSummary(config, result, redact));
  } catch (err) {
    log.warning(`Could not write the job summary: ${errorMessage(err)}`);
  }
}
function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}
function actionLogger(host, masker) {
  return {
    info: (message) => host.info(masker.redact(message)),
    warning: (message) => host.warning(masker.redact(message)),
    debug: (message) => host.debug(masker.redact(message))
  };
}
function failureAnnotation(err) {
  return err instanceof ConfigError ? `[${err.code}] Invalid configuration: ${err.message}` : failureLine(err);
}
async function run(env = process.env, host = coreHost, httpClient = createHttpClient) {
  const masker = createMasker({ registerWithHost: (value) => host.setSecret(value) });
  const log = actionLogger(host, masker);
  try {
    const { config, result } = await setUpAndAuthenticate(
      { env, masker, log, inputs: () => readInputs(env), httpClient },
      {
        lazy: { credentialChain: () => import("./credential-chain.js") },
        webIdentity: (c, http3, ci) => gitHubTokenSource(ci.variables, c.webIdentityAudience, http3),
        // The aws-arn and aws-account-id outputs and the job summary name the identity.
        learnIdentity: true
      }
    );
    setOutputs(host, config, result, masker);
    log.info(
      `Authenticated to Mondoo ${describeIssued(result.credential)}${result.identity ? ` (AWS identity ${result.identity.arn})` : ""}`
    );
    if (config.exportEnv) log.info(`${CONFIG_ENV_VAR} is set for the following steps.`);
    writeSummary(env, config, result, log, masker.redact);
  } catch (err) {
    host.setFailed(masker.redact(failureAnnotation(err)));
  }
}

// src/exit-soon.ts
var EXIT_GRACE_MS = 500;
function exitSoon(graceMs = EXIT_GRACE_MS, proc = process) {
  setTimeout(() => proc.exit(), graceMs).unref();
}

// src/index.ts
void run().finally(() => exitSoon());
