// The part of js-yaml 4 the agent uses (the package ships no types).
declare module 'js-yaml' {
  export const CORE_SCHEMA: unknown;
  export function load(text: string, options?: { schema?: unknown; filename?: string; json?: boolean }): unknown;
  const jsyaml: { load: typeof load; CORE_SCHEMA: unknown };
  export default jsyaml;
}
