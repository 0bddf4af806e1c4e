import { objectArray } from './arrays.ts';

/**
 * A first-in first-out queue of objects on a ring that doubles when full (its length a power of two, so an
 * index wraps with a mask): pushing and shifting allocate nothing once it has grown to its largest length.
 */
export class Ring<T extends object> {
  length = 0;
  private slots = objectArray<T>();
  private head = 0;

  push(item: T): void {
    if (this.length === this.slots.length) this.grow(item);
    this.slots[(this.head + this.length) & (this.slots.length - 1)] = item;
    this.length++;
  }

  /** The first item (the ring must not be empty). */
  peek(): T {
    return this.slots[this.head];
  }

  /** Removes and returns the first item (the ring must not be empty). */
  shift(): T {
    const item = this.slots[this.head];
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.length--;
    return item;
  }

  /** Doubles the ring, its items moved to the front; `filler` fills the new slots (they are written before they are read). */
  private grow(filler: T): void {
    const bigger = objectArray<T>();
    for (let i = 0; i < this.length; i++) bigger.push(this.slots[(this.head + i) & (this.slots.length - 1)]);
    const size = Math.max(16, this.slots.length * 2);
    while (bigger.length < size) bigger.push(filler);
    this.slots = bigger;
    this.head = 0;
  }
}
