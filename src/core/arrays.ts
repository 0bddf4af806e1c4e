/**
 * An empty array whose elements are objects, created with V8's object element kind.
 *
 * Why: `[]` starts with small-integer elements and changes kind on its first object push. A class that makes
 * a fresh `[]` per instance therefore shows every `push` site two array kinds across instances, and V8 then
 * stops inlining that `push` (a builtin call each time; the venue benchmark ran about 8 % slower with `[]`). An
 * array born with the object kind keeps one kind for its whole life.
 */
export function objectArray<T extends object>(): T[] {
  const array: (T | null)[] = [null];
  array.pop();
  return array as T[];
}

/**
 * Shortens an array to `length` by popping. Not `array.length = n`: V8 then drops the array's storage, so
 * every later push reallocates (measured at ~15 % of the venue benchmark when the exchange did that).
 */
export function truncate(array: unknown[], length: number): void {
  while (array.length > length) array.pop();
}
