/**
 * What may reach a log line. The GitHub runner executes workflow commands it reads on stdout and stderr
 * (`::name::value` at the start of a line, and the older `##[name]` form), the Azure Pipelines agent logging
 * commands (`##vso[name]`, anywhere in a line; docs/ci-systems.md has an Azure recipe), and a terminal obeys ANSI escapes,
 * so any text that came from outside (a server's error body, a credential field, an ARN, a file name) is
 * neutralised here, at the boundary of both adapters, whatever the message says:
 * - secrets the adapter registered are replaced by *** (before anything else, so they are found as given);
 * - control characters other than the line feed (C0 with CR, TAB and ESC, DEL, C1), line and paragraph
 *   separators and bidirectional controls are written as \uXXXX;
 * - a line that would start with `::` gets `: :` instead, and every `##[` and `##vso[` (any case) becomes
 *   `# #[` and `# #vso[`.
 * The adapters' own workflow commands (`::add-mask::`) are written by the masker (masker.ts), never through this.
 */

/** Characters that can end, hide, reorder or recolour a log line; \n is handled by splitting into lines. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One line (no \n in it) made inert: no command at its start, no `##[` or `##vso[`, no control characters. */
function neutraliseLine(line: string): string {
  const escaped = line.replace(UNSAFE, escape).replace(/##(\[|vso\[)/gi, '# #$1');
  const indent = /^\s*/.exec(escaped)?.[0] ?? '';
  return escaped.startsWith('::', indent.length) ? `${indent}: :${escaped.slice(indent.length + 2)}` : escaped;
}

/** Replaces each secret (longest first; values under 4 characters are left alone) with ***. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

/** A message made safe to print as log lines: secrets redacted, then every line neutralised. */
export function safeLogText(text: string, secrets: Iterable<string> = []): string {
  return redactSecrets(text, secrets).split('\n').map(neutraliseLine).join('\n');
}
