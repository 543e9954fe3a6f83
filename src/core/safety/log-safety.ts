/**
 * What may reach a log line. The GitHub runner executes workflow commands it reads on stdout and stderr
 * (`::name::value` at the start of a line, and the older `##[name]` form), the Azure Pipelines agent logging
 * commands (`##vso[name]`, anywhere in a line; docs/ci-systems.md has an Azure recipe), and a terminal obeys ANSI escapes,
 * so any text that came from outside (a server's error body, a credential field, an ARN, a file name) is
 * neutralised here, at the boundary of both adapters, whatever the message says:
 * - secrets the adapter registered are replaced by *** (before anything else, so they are found as given),
 *   and so is every run of text holding a piece of 20 characters or more of one, however a server echoed it
 *   (see {@link createRedactor});
 * - unsafe characters ({@link UNSAFE_CHARS}: controls, separators, format characters, fillers, variation
 *   selectors) are written as \uXXXX (\u{XXXXX} above the BMP);
 * - a line that would start with `::` gets `: :` instead, and every `##[` and `##vso[` (any case) becomes
 *   `# #[` and `# #vso[`.
 * The adapters' own workflow commands (`::add-mask::`) are written by the masker (masker.ts), never through this.
 */

/**
 * The run's log, the one logger type of the core: every message a core module writes goes through it, and the
 * adapters' implementation passes each through this boundary (the masker's redact) before the host sees it.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

/**
 * The one set of characters that can end, hide, reorder or disguise text in a log line, used by every check
 * and escape of the tool (this boundary, truncate and quoteForLog in errors.ts, the URL and input checks):
 * C0 controls (line feed included: a log line splits there), DEL, C1, the line and paragraph separators,
 * every Unicode format character (Cf: soft hyphen, zero-width space and joiners, word joiner, BOM, bidi
 * controls, tag characters, ...), the invisible fillers (Hangul U+115F U+1160 U+3164 U+FFA0, braille blank
 * U+2800, combining grapheme joiner U+034F, Khmer U+17B4 U+17B5), the variation selectors (U+FE00-FE0F,
 * U+E0100-E01EF) and lone surrogates.
 */
export const UNSAFE_CHARS =
  // eslint-disable-next-line no-misleading-character-class -- each code point is meant on its own, the combining ones too
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}\p{Cs}]/gu;

/** Whether `text` holds any of {@link UNSAFE_CHARS}. */
export function hasUnsafeChar(text: string): boolean {
  UNSAFE_CHARS.lastIndex = 0;
  const found = UNSAFE_CHARS.test(text);
  UNSAFE_CHARS.lastIndex = 0;
  return found;
}

/** One unsafe character as text: \uXXXX in the BMP (and for a lone surrogate), \u{XXXXX} above it. */
export function escapeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every unsafe character escaped (line feeds too). */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_CHARS, escapeChar);
}

/** One line (no \n in it) made inert: no command at its start, no `##[` or `##vso[`, no unsafe characters. */
function neutraliseLine(line: string): string {
  const escaped = escapeUnsafe(line).replace(/##(\[|vso\[)/gi, '# #$1');
  const indent = /^\s*/.exec(escaped)?.[0] ?? '';
  return escaped.startsWith('::', indent.length) ? `${indent}: :${escaped.slice(indent.length + 2)}` : escaped;
}

/** The length of a piece of a secret that is never shown: any run of text holding this many characters of one is redacted. */
export const PIECE = 20;
/** Half a piece: see createRedactor. */
const BLOCK = PIECE / 2;
/** Shorter values are never masked (nor registered): a 1-3 character mask would blank ordinary text. */
export const MIN_SECRET_LENGTH = 4;
/** A secret longer than this (in canonical form) is redacted whole only (issued-credential.ts refuses a longer credential). */
export const MAX_INDEXED_LENGTH = 64 * 1024;

/**
 * A text in canonical form: what a server can add to or do with an echoed secret undone. `text` holds the
 * kept characters, `from[i]`/`to[i]` the span of the original each came from.
 */
interface Canonical {
  text: string;
  from: number[];
  to: number[];
}

/**
 * Characters dropped from the canonical form: whitespace (a line wrapped or indented; in decoded form also
 * `+`, a space in form encoding) and every unsafe character (a zero-width space or a control inserted into an echo).
 */
const IGNORED = new RegExp(`\\s|${UNSAFE_CHARS.source}`, 'u');
const IGNORED_ALL = new RegExp(IGNORED.source, 'gu');
/** The first characters of the escapes canonical() decodes: a text without them decodes to itself. */
const ESCAPE_START = /[\\%+]/;
const JSON_SIMPLE: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const HEX2 = /^[0-9a-fA-F]{2}$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * The decoded characters starting at `i` of `s`: one level of a JSON escape (\" \\ \/ \b \f \n \r \t \uXXXX, and
 * \u{XXXXX} as {@link escapeChar} writes it) or of form and percent-encoding (+ as a space; %XX, a UTF-8
 * sequence of them read as one character). Returns the characters and how many of `s` they took.
 */
function decodedAt(s: string, i: number): [string, number] {
  const c = s[i] as string;
  if (c === '\\' && i + 1 < s.length) {
    const next = s[i + 1] as string;
    const simple = JSON_SIMPLE[next];
    if (simple !== undefined) return [simple, 2];
    const hex = s.slice(i + 2, i + 6);
    if (next === 'u' && HEX4.test(hex)) return [String.fromCharCode(parseInt(hex, 16)), 6];
    // \u{XXXXX}: how this file escapes an astral character (a tag character inserted into an echo).
    const astral = next === 'u' ? /^\{([0-9a-fA-F]{1,6})\}/.exec(s.slice(i + 2, i + 10)) : null;
    if (astral !== null && parseInt(astral[1] as string, 16) <= 0x10ffff)
      return [String.fromCodePoint(parseInt(astral[1] as string, 16)), 2 + astral[0].length];
  }
  if (c === '+') return [' ', 1];
  if (c === '%' && HEX2.test(s.slice(i + 1, i + 3))) {
    const first = parseInt(s.slice(i + 1, i + 3), 16);
    const extra = first < 0x80 ? 0 : first >= 0xf0 ? 3 : first >= 0xe0 ? 2 : first >= 0xc0 ? 1 : -1;
    if (extra === 0) return [String.fromCharCode(first), 3];
    const bytes = [first];
    for (let k = 1; k <= extra; k++) {
      const hex = s.slice(i + 3 * k + 1, i + 3 * k + 3);
      if (s[i + 3 * k] !== '%' || !HEX2.test(hex)) return [c, 1];
      bytes.push(parseInt(hex, 16));
    }
    const decoded = extra < 0 ? '' : Buffer.from(bytes).toString('utf8');
    if (decoded !== '' && !decoded.includes('\ufffd')) return [decoded, 3 * (extra + 1)];
  }
  return [c, 1];
}

/** `s` in canonical form: ignored characters dropped, one level of escapes decoded when `decode` is set. */
function canonical(s: string, decode: boolean): Canonical {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < s.length;) {
    const code = s.charCodeAt(i);
    // Printable ASCII other than the escapes' first characters (\ % +) stands for itself and is never ignored.
    if (code > 0x20 && code < 0x7f && !(decode && (code === 0x5c || code === 0x25 || code === 0x2b))) {
      text += s[i];
      from.push(i);
      to.push(i + 1);
      i++;
      continue;
    }
    const [chars, taken] = decode ? decodedAt(s, i) : [s[i] as string, 1];
    for (const unit of chars.split('')) {
      if (IGNORED.test(unit)) continue;
      text += unit;
      from.push(i);
      to.push(i + taken);
    }
    i += taken;
  }
  return { text, from, to };
}

/**
 * How a secret is found. `pieces: false` for a composite whose secret parts are registered on their own (the
 * serialized signed request: its signature and session token; a proxy URL: its password): found whole only,
 * so its public parts (a host name, `SignedHeaders=content-length;...`) are never blanked elsewhere in the log.
 */
export interface SecretOptions {
  pieces?: boolean;
}

/** The set of registered secrets and how to find them in text. */
export interface Redactor {
  /** Registers `value` (nothing when shorter than {@link MIN_SECRET_LENGTH}); returns whether it is newly registered. */
  add(value: string, opts?: SecretOptions): boolean;
  /** `text` with each secret, and each run of text holding a {@link PIECE}-character piece of one, replaced by ***. */
  redact(text: string): string;
}

/**
 * The one redactor. A secret is found
 * - whole, exactly as given (every secret of 4 characters or more);
 * - in pieces: any run of text whose canonical form (whitespace and unsafe characters dropped, with and
 *   without one level of JSON escapes and percent-encoding decoded) holds 20 characters or more of a secret's
 *   canonical form (taken both as given and decoded), or the whole of a canonical form shorter than that (a
 *   short password, a value mostly of spaces), is replaced, from its first original character to its last.
 *   So a secret truncated, wrapped over lines, JSON-escaped or URL-encoded by a server that echoes it shows
 *   as *** (__tests__/unit/safety/log-safety.test.ts, __tests__/hardening/properties.test.ts,
 *   __tests__/e2e/hostile-log.test.ts).
 * A composite registered with `pieces: false` is found whole only ({@link SecretOptions}).
 * The pieces are found through an index of every 20-character window of each secret (built when it is added).
 */
export function createRedactor(): Redactor {
  const values = new Set<string>();
  let byLength: string[] = [];
  // A piece of PIECE characters of a secret's canonical form always holds one whole block of BLOCK characters
  // that starts at a multiple of BLOCK in it: so only those blocks are indexed, and a block found in the text
  // is grown both ways against the secret to the match's full length.
  const forms: string[] = [];
  const blocks = new Map<string, [form: number, offset: number][]>();
  /** Canonical forms shorter than PIECE, by length: found whole. */
  const short = new Map<number, Set<string>>();
  const index = (form: string): void => {
    if (form.length > MAX_INDEXED_LENGTH || form.length < MIN_SECRET_LENGTH) return;
    if (form.length < PIECE) {
      const set = short.get(form.length) ?? new Set<string>();
      short.set(form.length, set.add(form));
      return;
    }
    const f = forms.push(form) - 1;
    for (let o = 0; o + BLOCK <= form.length; o += BLOCK) {
      const key = form.slice(o, o + BLOCK);
      const at = blocks.get(key);
      if (at === undefined) blocks.set(key, [[f, o]]);
      else at.push([f, o]);
    }
  };
  /** Original spans [start, end) whose canonical form holds a piece of a secret, or a whole short one. */
  const spans = (text: string, decode: boolean): [number, number][] => {
    const form = canonical(text, decode);
    const t = form.text;
    const span = (start: number, end: number): [number, number] => [
      form.from[start] as number,
      form.to[end - 1] as number,
    ];
    const found: [number, number][] = [];
    for (const [length, set] of short)
      for (let i = 0; i + length <= t.length; i++) if (set.has(t.slice(i, i + length))) found.push(span(i, i + length));
    for (let j = 0; j + BLOCK <= t.length; j++) {
      let reach = j;
      for (const [f, o] of blocks.get(t.slice(j, j + BLOCK)) ?? []) {
        const secret = forms[f] as string;
        let left = 0;
        while (j - left > 0 && o - left > 0 && t[j - left - 1] === secret[o - left - 1]) left++;
        let right = BLOCK;
        while (j + right < t.length && o + right < secret.length && t[j + right] === secret[o + right]) right++;
        if (left + right < PIECE) continue;
        found.push(span(j - left, j + right));
        reach = Math.max(reach, j + right - BLOCK);
      }
      // Inside a match, every later block of it is the same secret again: go on from its last block.
      j = reach;
    }
    return found;
  };
  return {
    add(value, opts = {}) {
      if (value.length < MIN_SECRET_LENGTH || values.has(value)) return false;
      values.add(value);
      byLength = [...values].sort((a, b) => b.length - a.length);
      if (opts.pieces === false) return true;
      // A secret's own canonical forms need no map back: the plain one is one replace; the decoded one is
      // the same unless the secret holds an escape's first character.
      // canonical() tests each UTF-16 unit alone, so it drops both halves of every astral character: so here.
      const plain = value.replace(IGNORED_ALL, '').replace(/[\ud800-\udfff]/g, '');
      index(plain);
      if (ESCAPE_START.test(value)) index(canonical(value, true).text);
      return true;
    },
    redact(text) {
      let out = text;
      for (const secret of byLength) out = out.split(secret).join('***');
      const all = [...spans(out, false), ...spans(out, true)].sort((a, b) => a[0] - b[0]);
      let result = '';
      let at = 0;
      for (let k = 0; k < all.length;) {
        const [start] = all[k] as [number, number];
        let end = (all[k] as [number, number])[1];
        for (k++; k < all.length && (all[k] as [number, number])[0] <= end; k++)
          end = Math.max(end, (all[k] as [number, number])[1]);
        result += `${out.slice(at, start)}***`;
        at = end;
      }
      return result + out.slice(at);
    },
  };
}

/** Replaces each secret, whole or by its pieces, with *** (see {@link createRedactor}). */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const redactor = createRedactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor.redact(text);
}

/** Every line of `text` neutralised (after redaction): what both adapters write. */
export function neutraliseLines(text: string): string {
  return text.split('\n').map(neutraliseLine).join('\n');
}

/** A message made safe to print as log lines: secrets redacted, then every line neutralised. */
export function safeLogText(text: string, secrets: Iterable<string> = []): string {
  return neutraliseLines(redactSecrets(text, secrets));
}
