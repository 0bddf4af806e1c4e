import { objectArray } from './arrays.ts';

/**
 * A binary min-heap of objects in the order `before` gives (make it total: ties broken by a sequence
 * number, so the order does not depend on the heap's shape). Pushing and popping allocate nothing once
 * the array has grown to the heap's largest size.
 */
export class MinHeap<T extends object> {
  private readonly items = objectArray<T>();

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The first item, or null when empty. */
  peek(): T | null {
    return this.items.length > 0 ? this.items[0] : null;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(items[index], items[parent])) break;
      const swap = items[index];
      items[index] = items[parent];
      items[parent] = swap;
      index = parent;
    }
  }

  /** Removes and returns the first item (the heap must not be empty). */
  pop(): T {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length === 0) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && this.before(items[left], items[smallest])) smallest = left;
      if (right < items.length && this.before(items[right], items[smallest])) smallest = right;
      if (smallest === index) return top;
      const swap = items[index];
      items[index] = items[smallest];
      items[smallest] = swap;
      index = smallest;
    }
  }
}
