// The declarative rules of a taxonomy, loaded from the very files the Python client reads
// (taxonomy/<name>.json, _aliases-<name>.json, _checks-<name>.json, served as they are).
// Mirrors protocol/taxonomy/__init__.py and aliases.py; loading refuses a table in
// which a spelling belongs to two values, as the Python loader does.

import { aliasKey, closeMatch, ratio } from "./text.js";

export const DIMENSIONS = ["job_category", "race_ethnicity", "gender"];
const SUGGESTION_CUTOFF = 0.6;
const VALUE_SUGGESTION_CUTOFF = 0.75; // aliases.VALUE_SUGGESTION_CUTOFF: only near misses get a "did you mean"

export class Taxonomy {
  constructor(raw) {
    this.raw = raw;
    this.name = raw.taxonomy;
    for (const d of DIMENSIONS) this[d] = raw[d].map((c) => ({ code: c.code, label: c.label }));
    this.compensationBins = raw.histograms.compensation.lower_dollars;
    this.performancePayBins = raw.histograms.performance_pay.lower_dollars;
    this.regressionReference = raw.regression.reference;
    this.fixedPointBits = raw.regression.fixed_point_bits;
    this.bounds = raw.bounds;
    this.industries = raw.industry;
    this.sizeBands = raw.size_band;
  }

  categories(d) { return this[d]; }
  labels(d) { return this[d].map((c) => c.label); }
  codes(d) { return this[d].map((c) => c.code); }
  indexOf(d, code) { return this.codes(d).indexOf(code); }
}

function indexKeys(ownerOf, spellings, owner, what) {
  for (const spelling of spellings) {
    const key = aliasKey(spelling);
    if (!key) throw new Error(`Alias ${spelling} of ${what} has no letters or digits`);
    if (ownerOf.has(key) && ownerOf.get(key) !== owner) throw new Error(`Alias ${spelling} of ${what} also belongs to ${ownerOf.get(key)}`);
    ownerOf.set(key, owner);
  }
}

export class Aliases {
  constructor(taxonomy, raw, checks) {
    this.taxonomy = taxonomy;
    this.softMaximums = checks.soft_maximums;
    this.columns = Object.entries(raw.columns).map(([field, spec]) => ({
      field, label: spec.label, required: Boolean(spec.required), description: spec.description, aliases: spec.aliases,
    }));
    this.unsupported = Object.entries(raw.unsupported_columns || {}).map(([name, s]) => ({
      name, aliases: s.aliases, instead: s.instead, message: s.message,
    }));
    this.columnByKey = new Map();
    for (const spec of this.columns) indexKeys(this.columnByKey, [...spec.aliases, spec.label], spec.field, `column ${spec.field}`);
    this.unsupportedByKey = new Map();
    for (const item of this.unsupported) indexKeys(this.unsupportedByKey, item.aliases, item, `column ${item.name}`);
    for (const key of this.unsupportedByKey.keys()) {
      if (this.columnByKey.has(key)) throw new Error(`Unsupported-column alias ${key} is also a column alias`);
    }
    this.valueByKey = {};
    for (const d of DIMENSIONS) {
      const table = raw.values[d];
      const keys = new Map();
      taxonomy.categories(d).forEach((category, index) => {
        const spellings = table[category.code];
        if (!spellings) throw new Error(`Aliases of ${d} lack ${category.code}`);
        const own = new Set(spellings.map(aliasKey));
        for (const required of [category.code, category.label]) {
          if (!own.has(aliasKey(required))) throw new Error(`Aliases of ${d} ${category.code} lack ${required}`);
        }
        indexKeys(keys, spellings, index, `${d} ${category.code}`);
      });
      this.valueByKey[d] = keys;
    }
    this.blankValue = raw.blank_value || {};
  }

  get fields() { return this.columns.map((c) => c.field); }

  column(field) { return this.columns.find((c) => c.field === field); }

  fieldOfHeader(header) { return this.columnByKey.get(aliasKey(header)) ?? null; }

  valueIndex(d, text) {
    const found = this.valueByKey[d].get(aliasKey(text));
    return found === undefined ? null : found;
  }

  blankIndex(d) {
    const code = this.blankValue[d];
    return code === undefined ? null : this.taxonomy.indexOf(d, code);
  }

  suggestValue(d, text) {
    const candidates = this.valueByKey[d];
    const match = closeMatch(aliasKey(text), [...candidates.keys()], VALUE_SUGGESTION_CUTOFF);
    return match === null ? null : this.taxonomy.categories(d)[candidates.get(match)].label;
  }

  suggestColumn(field, headers) {
    const byKey = new Map();
    for (const h of headers) {
      const k = aliasKey(h);
      if (k) byKey.set(k, h);
    }
    let best = null;
    for (const alias of this.column(field).aliases) {
      for (const [key, header] of byKey) {
        const r = ratio(aliasKey(alias), key);
        if (r >= SUGGESTION_CUTOFF && (best === null || r > best[0])) best = [r, header];
      }
    }
    return best === null ? null : best[1];
  }
}

// The rules of one taxonomy from the service (the same JSON files the Python client ships).
export async function rulesLoad(urls) {
  const get = async (url) => {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`Could not load ${url} (${response.status})`);
    return response.json();
  };
  const [taxonomy, aliases, checks] = await Promise.all([get(urls.taxonomy), get(urls.aliases), get(urls.checks)]);
  const tax = new Taxonomy(taxonomy);
  return new Aliases(tax, aliases, checks);
}
