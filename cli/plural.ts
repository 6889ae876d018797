/** `1 memory`, `2 memories`, `0 memories`: a count and its noun, in the number the count needs. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
