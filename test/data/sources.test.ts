import { describe, expect, it } from 'vitest';
import { dataSourceKey } from '../../src/data/source.ts';
import { DATA_SOURCES } from '../../src/data/sources.ts';

describe('the data source registry', () => {
  it("each source's name is the key its own schema's kind (and model) literals give", () => {
    for (const source of DATA_SOURCES) {
      const { kind, model } = source.params.shape;
      expect(dataSourceKey({ kind: kind.value, model: model?.value })).toBe(source.name);
      expect(source.description.length).toBeGreaterThan(10);
    }
    expect(DATA_SOURCES.map((source) => source.name)).toEqual([
      'synthetic/random-walk',
      'replay',
      'synthetic/avellaneda-stoikov',
      'synthetic/informed-flow',
      'synthetic/regime',
      'synthetic/shared-price',
    ]);
  });
});
