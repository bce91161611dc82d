import { parse } from 'yaml';

/**
 * Plain scalars that YAML 1.1 (Helm, go-yaml v2, sigs.k8s.io/yaml) or the YAML 1.2 core schema
 * would read as something other than a string. Written out from yaml.org/type/*.html and the 1.2
 * spec (10.3.2) instead of trusting one parser, because Helm and Kubernetes disagree with each other.
 */
const NON_STRING_PLAIN: RegExp[] = [
  // null (1.1 and 1.2), including the empty scalar
  /^(?:~|null|Null|NULL|)$/,
  // bool: 1.1 (y/n/yes/no/on/off in three cases) and 1.2
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  // int 1.1: binary, octal, decimal with underscores, hex, sexagesimal
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?(?:0|[1-9][0-9_]*)$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/,
  // int 1.2 core
  /^[-+]?[0-9]+$/,
  /^0o[0-7]+$/,
  /^0x[0-9a-fA-F]+$/,
  // float 1.1 (a dot is required). The spec's regex also admits `1.2.3` (`[0-9.]*`), but no reader
  // (go-yaml, PyYAML, libyaml, the yaml package) takes that as a number, so semver stays plain.
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  // float 1.2 core (`1e3`)
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  // timestamp 1.1
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$/,
  // merge and value keys of 1.1
  /^(?:<<|=)$/,
];

/** Whether a plain (unquoted) scalar with this text would read back as a non-string. */
export function isAmbiguousPlainScalar(value: string): boolean {
  return NON_STRING_PLAIN.some((re) => re.test(value));
}

/**
 * Whether `value` can be written as a plain scalar and read back as exactly this string by
 * YAML 1.1 and 1.2 readers. `flow` is true inside `[...]`/`{...}`, where `,[]{}` end a scalar.
 */
export function canWritePlain(value: string, flow: boolean): boolean {
  if (value === '' || isAmbiguousPlainScalar(value)) return false;
  if (/^[\s]|[\s]$/.test(value)) return false;
  // Control characters, line breaks and anything outside printable ASCII/Unicode need escapes.
  if (/[\u0000-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(value)) return false;
  // Indicators that may not start a plain scalar (a conservative reading of YAML 1.2 7.3.3).
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(value)) return false;
  if (value.includes(': ') || value.includes(' #') || value.endsWith(':')) return false;
  if (flow && /[,[\]{}]/.test(value)) return false;
  if (/^(?:---|\.\.\.)/.test(value)) return false;
  // Last line of defence: a real parser must read the text back as the same string.
  for (const version of ['1.1', '1.2'] as const) {
    try {
      const back: unknown = parse(`k: ${value}\n`, { version });
      if (!back || typeof back !== 'object' || (back as Record<string, unknown>)['k'] !== value) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** A double-quoted YAML scalar (JSON's escapes are all valid YAML double-quoted escapes). */
export function formatDoubleQuoted(value: string): string {
  // U+0085, U+2028 and U+2029 are line breaks to YAML 1.1 readers: escape them too.
  return JSON.stringify(value).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A single-quoted YAML scalar, or undefined when the value needs escapes single quotes lack. */
export function formatSingleQuoted(value: string): string | undefined {
  if (/[\u0000-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(value)) return undefined;
  return `'${value.replace(/'/g, "''")}'`;
}

export type ScalarStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

/**
 * Source text for a new string value in the style of the scalar it replaces: quotes stay quotes;
 * plain stays plain unless the value would then read back as a number, bool, null, date, ...
 */
export function formatScalarLike(value: string, style: ScalarStyle, flow: boolean): string {
  if (style === 'QUOTE_SINGLE') return formatSingleQuoted(value) ?? formatDoubleQuoted(value);
  if (style === 'PLAIN' && canWritePlain(value, flow)) return value;
  return formatDoubleQuoted(value);
}
