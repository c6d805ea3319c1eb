// Regenerates openclaw_docs_json5.jsonl: every ```json5 block in OpenClaw's docs/, with what
// OpenClaw's own parser (its bundled json5 package) makes of it. json5_test.cc checks that
// parse_json5 agrees on every block: the same value, or an error where json5 throws.
//   node openclaw_docs_json5.gen.mjs OPENCLAW_PACKAGE_DIR > openclaw_docs_json5.jsonl
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const root = process.argv[2];
const JSON5 = createRequire(path.join(root, "package.json"))("json5");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf-8")).version;
const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
const files = walk(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort();
// Then the edge cases of json5_edge_inputs.json (next to this script), as "edge:N".
const emit = (doc, line, text) => {
  const entry = { doc, line, text };
  try {
    entry.ok = true;
    entry.value = JSON5.parse(text);
  } catch {
    entry.ok = false;
  }
  console.log(JSON.stringify(entry));
};
for (const file of files) {
  const lines = fs.readFileSync(file, "utf-8").split("\n");
  for (let i = 0; i < lines.length; ++i) {
    const open = lines[i].match(/^(\s*)```json5\s*$/);
    if (!open) continue;
    const indent = open[1].length;
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); ++j) body.push(lines[j].slice(indent));
    emit(`openclaw@${version}/${path.relative(root, file)}`, i + 2, body.join("\n"));
    i = j;
  }
}
const edges = JSON.parse(fs.readFileSync(new URL("json5_edge_inputs.json", import.meta.url), "utf-8"));
edges.forEach((text, index) => emit(`json5@${JSON5.VERSION ?? "2"} edge`, index, text));
