// Gives the pages loaded on demand their content-hashed names, for scripts/build-site.
//
//   node name-split.mjs <dir> <name>
//
// <dir> holds what wasm-split and wasm-bindgen wrote, already optimised and minified:
//   <name>.js            wasm-bindgen's glue, which imports the loader ("./__wasm_split.js")
//   __wasm_split.js      wasm-split's loader, which imports the glue ("./<name>.js") and fetches
//                        each chunk by its file name ("./chunk_11.wasm", "./split_….wasm")
//   *.wasm               the chunks (not the main module, which build-site names itself)
//
// Every chunk gets the first 16 hex digits of its SHA-256 in its name. The glue and the loader
// import each other, so they share one hash taken over both. Writes, in <dir>:
//   <name>.<hash>.js, __wasm_split.<hash>.js, <chunk>.<hash>.wasm (the unhashed files removed)
//   __wasm_split_manifest.<hash>.json   each split point's name -> the chunk files (without
//                                       ".wasm") it needs, which leptos preloads on the pages
//                                       that use it
// and prints the lines for hash.txt: "js: <hash>", "split: <hash>", "manifest: <hash>".
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir, name] = process.argv.slice(2);
if (!dir || !name) {
  console.error("usage: node name-split.mjs <dir> <name>");
  process.exit(2);
}
const hash = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const read = (file) => readFileSync(join(dir, file), "utf8");
// Every occurrence, or none is replaced and the build stops: a missed reference would load
// a file that does not exist.
const replaceAll = (text, from, to, what) => {
  if (!text.includes(from)) throw new Error(`${what}: "${from}" not found`);
  return text.split(from).join(to);
};

let loader = read("__wasm_split.js");
let glue = read(`${name}.js`);

// Chunks first: their names are in the loader, so the loader's hash covers them.
for (const file of readdirSync(dir).filter((f) => f.endsWith(".wasm") && f !== `${name}.wasm`)) {
  const stem = file.slice(0, -".wasm".length);
  const hashed = `${stem}.${hash(readFileSync(join(dir, file)))}`;
  renameSync(join(dir, file), join(dir, `${hashed}.wasm`));
  loader = replaceAll(loader, `"./${file}"`, `"./${hashed}.wasm"`, "the loader's chunk");
}

// The manifest, read from the loader: a chunk shared by several split points is defined as
// `const __chunk_N = makeLoad(() => { … fetch(new URL("./chunk_N.<hash>.wasm" … }, [])`, each
// split point as `export const __wasm_split_load_<split> = wrapAsyncCb(makeLoad(() => { … its
// own file … }, [__chunk_N, …]))`. An empty chunk has no file and is left out.
const fileOf = (body) => body.match(/new URL\("\.\/([^"]+)\.wasm"/)?.[1];
const chunkFiles = {};
for (const m of loader.matchAll(/const (__chunk_\d+) = makeLoad\(([\s\S]*?)\n, \[\]\);/g)) {
  chunkFiles[m[1]] = fileOf(m[2]);
}
const manifest = {};
for (const m of loader.matchAll(/export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(([\s\S]*?)\n, \[([^\]]*)\]\)\);/g)) {
  const deps = m[3].split(",").map((d) => d.trim()).filter(Boolean);
  manifest[m[1]] = [...deps.map((d) => chunkFiles[d]), fileOf(m[2])].filter(Boolean);
}
if (Object.keys(manifest).length === 0) throw new Error("no split point found in the loader");

const shared = hash(glue + loader);
glue = replaceAll(glue, `from"./__wasm_split.js"`, `from"./__wasm_split.${shared}.js"`, "the glue's import");
loader = replaceAll(loader, `from "./${name}.js"`, `from "./${name}.${shared}.js"`, "the loader's import");
writeFileSync(join(dir, `${name}.${shared}.js`), glue);
writeFileSync(join(dir, `__wasm_split.${shared}.js`), loader);
rmSync(join(dir, `${name}.js`));
rmSync(join(dir, "__wasm_split.js"));

const manifestText = JSON.stringify(manifest, null, 1);
const manifestHash = hash(manifestText);
writeFileSync(join(dir, `__wasm_split_manifest.${manifestHash}.json`), manifestText);

console.log(`js: ${shared}\nsplit: ${shared}\nmanifest: ${manifestHash}`);
