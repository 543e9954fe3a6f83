/**
 * JSON as Go's encoding/json writes it (json.Marshal), for the values this tool serializes: strings, arrays
 * and objects with string values. What differs from JSON.stringify: object keys come out sorted (Go marshals
 * a map with its keys sorted; the {key, value} header entries are a struct whose fields are in that order
 * anyway), and in strings `&`, `<`, `>`, U+2028 and U+2029 are written as \u0026,
 * \u003c, \u003e, \u2028 and \u2029 (Go's HTML-safe escaping, on by default). Invalid UTF-16 (a lone
 * surrogate) becomes U+FFFD, as Go replaces invalid UTF-8. Pinned by __tests__/unit/proof/go-json.test.ts.
 */
export type GoJsonValue = string | GoJsonValue[] | { [key: string]: GoJsonValue };

const GO_EXTRA_ESCAPES: Record<string, string> = {
  '&': '\\u0026',
  '<': '\\u003c',
  '>': '\\u003e',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A JSON string literal as Go writes it. */
export function goString(value: string): string {
  return JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd')).replace(
    /[&<>\u2028\u2029]/g,
    (c) => GO_EXTRA_ESCAPES[c] ?? c,
  );
}

/** Compares as Go's sort.Strings does for map keys: by UTF-8 bytes. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A value marshalled as Go's json.Marshal marshals the equivalent map/slice/string. */
export function goMarshal(value: GoJsonValue): string {
  if (typeof value === 'string') return goString(value);
  if (Array.isArray(value)) return `[${value.map(goMarshal).join(',')}]`;
  const keys = Object.keys(value).sort(byUtf8);
  return `{${keys.map((key) => `${goString(key)}:${goMarshal(value[key] as GoJsonValue)}`).join(',')}}`;
}
