import { MEMORY_CONTEXT_PLACEHOLDER } from '../config/settings';

/**
 * The prompt override: the operator's template with the memory context in place of every
 * `{{memory_context}}`. Split and join rather than `String.replace`, so nothing in the inserted
 * text is read as a replacement pattern (`$&`, `$1`, `$$`) and the inserted text is never searched
 * for placeholders again. The template is operator text; only the memory context is caller-derived.
 */
export function promptFromTemplate(template: string, memoryContext: string): string {
  return template.split(MEMORY_CONTEXT_PLACEHOLDER).join(memoryContext);
}
