/** Enough text to say what a problem is: three words, or 15 characters (Chinese has no spaces). */
export function worthSuggesting(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length >= 15 || trimmed.split(/\s+/).filter(Boolean).length >= 3;
}
