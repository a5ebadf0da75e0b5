#!/usr/bin/env python3
"""Regenerates datasets/registry_table.cpp from the SOURCE.md files of a data folder (../shared/datasets).

The SOURCE.md tables give each file's size and sha256; the upstream URLs, licences and schemas below are
transcribed from the same SOURCE.md files (upstream repository, commit and path of every file). Run it when
a SOURCE.md changes, then review the diff:  python3 scripts/gen_dataset_registry.py ../shared/datasets
"""
import re
import sys
from pathlib import Path

RAW = "https://raw.githubusercontent.com"

# name -> metadata; "files": path -> ("url", URL) | ("gunzip", source path) | ("derived", note); "optional": paths
DATASETS = {
    "gsm8k": dict(
        title="GSM8K grade-school math word problems (test 1319, train 7473)",
        upstream="https://github.com/openai/grade-school-math @ 3101c7d5072418e28b9008a6636bde82a006892c",
        licence="MIT",
        schema="JSONL: question (string), answer (string: worked solution, final answer after '#### ')",
        base=f"{RAW}/openai/grade-school-math/3101c7d5072418e28b9008a6636bde82a006892c",
        paths={"test.jsonl": "grade_school_math/data/test.jsonl", "train.jsonl": "grade_school_math/data/train.jsonl",
               "LICENSE": "LICENSE"},
    ),
    "humaneval": dict(
        title="HumanEval Python function synthesis (164 problems)",
        upstream="https://github.com/openai/human-eval @ 6d43fb980f9fee3c892a914eda09951f772ad10d",
        licence="MIT",
        schema="JSONL(.gz): task_id, prompt, entry_point, canonical_solution, test (strings)",
        base=f"{RAW}/openai/human-eval/6d43fb980f9fee3c892a914eda09951f772ad10d",
        paths={"HumanEval.jsonl.gz": "data/HumanEval.jsonl.gz", "LICENSE": "LICENSE"},
        gunzip={"HumanEval.jsonl": "HumanEval.jsonl.gz"},
    ),
    "mbpp": dict(
        title="MBPP Mostly Basic Python Problems (974 full, 427 sanitized)",
        upstream="https://github.com/google-research/google-research @ 30adf0ec5f35f9609c2f1d896005e184195d9146 (mbpp/)",
        licence="CC BY 4.0",
        schema="mbpp.jsonl: text, code, task_id (int), test_setup_code, test_list, challenge_test_list; "
               "sanitized-mbpp.json: array of source_file, task_id, prompt, code, test_imports, test_list",
        base=f"{RAW}/google-research/google-research/30adf0ec5f35f9609c2f1d896005e184195d9146",
        paths={"mbpp.jsonl": "mbpp/mbpp.jsonl", "sanitized-mbpp.json": "mbpp/sanitized-mbpp.json"},
        derived={"sanitized-mbpp.jsonl": "one json.dumps line per record of sanitized-mbpp.json",
                 "LICENSE": "CC BY 4.0 legal code from github/choosealicense.com, front matter removed"},
    ),
    "dream_planning": dict(
        title="Dream's Countdown (cd3/cd4/cd5, 1000 each) and 4x4 Sudoku (108 per givens count) sets",
        upstream="https://github.com/HKUNLP/Dream @ a1b4472a46545661e989c01b5867caafe04fb9c4 (eval/data/)",
        licence="none stated upstream (redistribution terms unknown)",
        schema="JSONL: input (string), output (string, a reference solution). Countdown input 'n1,...,nk,target', "
               "output 'a op b=c' steps joined by ','; Sudoku input/output are rows of digits joined by '\\n', 0 = blank",
        base=f"{RAW}/HKUNLP/Dream/a1b4472a46545661e989c01b5867caafe04fb9c4/eval/data",
        paths="same",
    ),
    "math500": dict(
        title="MATH-500 competition math problems (the 'Let's Verify Step by Step' test subset)",
        upstream="https://github.com/openai/prm800k @ 7ecc794703b2877f63226f2477a49b34f9b25163",
        licence="MIT",
        schema="JSONL: problem, solution (with \\boxed{}), answer, subject (strings), level (int 1-5), unique_id",
        # Git LFS content is served from media.githubusercontent.com, not raw.githubusercontent.com.
        base="https://media.githubusercontent.com/media/openai/prm800k/7ecc794703b2877f63226f2477a49b34f9b25163",
        paths={"test.jsonl": "prm800k/math_splits/test.jsonl"},
        extra_urls={"LICENSE": f"{RAW}/openai/prm800k/7ecc794703b2877f63226f2477a49b34f9b25163/LICENSE"},
    ),
    "bbh": dict(
        title="BIG-Bench Hard: 27 tasks (6511 examples) and their 3-shot chain-of-thought prompts",
        upstream="https://github.com/suzgunmirac/BIG-Bench-Hard @ 9ee07bd481feebf959a6b59d61ea57bdcf30964d",
        licence="MIT",
        schema="bbh/<task>.json: {canary, examples: [{input, target}]}; cot-prompts/<task>.txt: canary line, "
               "'-----', description, three 'Q: ... A: Let's think step by step. ...' exemplars",
        base=f"{RAW}/suzgunmirac/BIG-Bench-Hard/9ee07bd481feebf959a6b59d61ea57bdcf30964d",
        paths="same",
    ),
    "mmlu": dict(
        title="MMLU multiple choice, 57 subjects (test 14042, dev 285)",
        upstream="https://github.com/hendrycks/test (data.tar); copy from "
                 "https://github.com/RazvanDu/TemporalRNNs @ 93811e3f9f8c5c1f63650153541cd6c626dafcc0 (MMLU/)",
        licence="MIT",
        schema="CSV without header: question, A, B, C, D, answer letter; JSONL: subject, question, choices (4), "
               "answer (int 0-3). The test set is read from mmlu_test.jsonl when present, else from test/*.csv",
        base=f"{RAW}/RazvanDu/TemporalRNNs/93811e3f9f8c5c1f63650153541cd6c626dafcc0/MMLU",
        paths="same",
        extra_urls={"LICENSE": f"{RAW}/hendrycks/test/4450500f923c49f1fb1dd3d99108a0bd9717b660/LICENSE"},
        derived={"mmlu_test.jsonl": "test/*.csv converted: subjects alphabetical, rows in file order, answer 0-3",
                 "mmlu_dev.jsonl": "dev/*.csv converted: subjects alphabetical, rows in file order, answer 0-3"},
        optional_prefix="test/",
    ),
    "arc": dict(
        title="AI2 Reasoning Challenge, Challenge and Easy, test and dev",
        upstream="AI2 ARC-V1-Feb2018; copy from https://github.com/RazvanDu/TemporalRNNs @ "
                 "93811e3f9f8c5c1f63650153541cd6c626dafcc0",
        licence="CC BY-SA 4.0",
        schema="JSONL: id, question: {stem, choices: [{text, label}]}, answerKey",
        base=f"{RAW}/RazvanDu/TemporalRNNs/93811e3f9f8c5c1f63650153541cd6c626dafcc0",
        paths={"ARC-Challenge-Test.jsonl": "ARC-Challenge/ARC-Challenge-Test.jsonl",
               "ARC-Challenge-Dev.jsonl": "ARC-Challenge/ARC-Challenge-Dev.jsonl",
               "ARC-Easy-Test.jsonl": "ARC-Easy/ARC-Easy-Test.jsonl",
               "ARC-Easy-Dev.jsonl": "ARC-Easy/ARC-Easy-Dev.jsonl"},
        derived={"LICENSE": "CC BY-SA 4.0 legal code from github/choosealicense.com, front matter removed"},
    ),
    "hellaswag": dict(
        title="HellaSwag validation (10042), llama.cpp six-line text format and a JSONL conversion",
        upstream="https://github.com/rowanz/hellaswag; copy from https://github.com/klosax/hellaswag_text_data @ "
                 "1105d370f8340eac3c63a91fd1fa58e8999f9505",
        licence="MIT",
        schema="JSONL: ctx (string), label (int 0-3), endings (4 strings); .txt.bz2: 6 lines per item",
        base=f"{RAW}/klosax/hellaswag_text_data/1105d370f8340eac3c63a91fd1fa58e8999f9505",
        paths={"hellaswag_val_full.txt.bz2": "hellaswag_val_full.txt.bz2"},
        extra_urls={"LICENSE": f"{RAW}/rowanz/hellaswag/a29ff8e9a04bba4bd6588223785ce105328adc57/LICENSE"},
        derived={"hellaswag_val_full.jsonl": "the .txt.bz2 items as ctx/label/endings JSON lines"},
    ),
    "winogrande": dict(
        title="WinoGrande 1.1 dev (validation) split (1267)",
        upstream="https://github.com/allenai/winogrande (winogrande_1.1.zip); copy from "
                 "https://github.com/zhang-edward/WinoGrande @ ea61adace986f13f152757273a9b0840887efe65",
        licence="CC BY 2.0 (data README); LICENSE file is the code repository's Apache-2.0",
        schema="JSONL: qID, sentence (one '_' blank), option1, option2, answer ('1' or '2')",
        base=f"{RAW}/zhang-edward/WinoGrande/ea61adace986f13f152757273a9b0840887efe65/data",
        paths="same",
        extra_urls={"LICENSE": f"{RAW}/allenai/winogrande/727e837f77521ef38bcc56df3b275c8da43f45af/LICENSE"},
    ),
    "piqa": dict(
        title="PIQA physical commonsense, validation split (1838)",
        upstream="https://github.com/ybisk/ybisk.github.io @ 21edab439af693b961be2f069e8690a88d3b4e37 (piqa/data/)",
        licence="AFL-3.0",
        schema="valid.jsonl: goal, sol1, sol2; valid-labels.lst: 0/1 per line; piqa_valid_with_labels.jsonl adds label",
        base=f"{RAW}/ybisk/ybisk.github.io/21edab439af693b961be2f069e8690a88d3b4e37/piqa/data",
        paths="same",
        derived={"piqa_valid_with_labels.jsonl": "valid.jsonl with the aligned label of valid-labels.lst added",
                 "LICENSE": "AFL-3.0 text from github/choosealicense.com, front matter removed"},
    ),
}


def parse_table(source_md: Path):
    rows = []
    for line in source_md.read_text().splitlines():
        m = re.match(r"\| `([^`]+)` \| (\d+) \| `([0-9a-f]{64})` \|", line)
        if m:
            rows.append((m.group(1), int(m.group(2)), m.group(3)))
    return rows


def cstr(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(root: Path):
    out = ["// GENERATED by scripts/gen_dataset_registry.py from the SOURCE.md files of the shared data folder;",
           "// edit the script, not this file. Sizes and sha256 are those of the files as published.",
           '#include "registry.h"', "", "namespace dream::datasets {", "",
           "const std::vector<DatasetInfo>& dataset_registry() {",
           "  static const std::vector<DatasetInfo> registry = {"]
    for name, d in DATASETS.items():
        rows = parse_table(root / name / "SOURCE.md")
        if not rows:
            sys.exit(f"{name}: no file table in SOURCE.md")
        out.append(f"    {{{cstr(name)}, {cstr(d['title'])}, {cstr(d['upstream'])}, {cstr(d['licence'])},")
        out.append(f"     {cstr(d['schema'])},")
        out.append("     {")
        for path, size, sha in rows:
            derived = d.get("derived", {})
            gunzip = d.get("gunzip", {})
            extra = d.get("extra_urls", {})
            required = not path.startswith(d.get("optional_prefix", "\0"))
            if path in derived:
                origin, url, note, required = "FileOrigin::derived", "", derived[path], False
            elif path in gunzip:
                origin, url, note = "FileOrigin::gunzip", "", gunzip[path]
            elif path in extra:
                origin, url, note = "FileOrigin::upstream", extra[path], ""
            else:
                paths = d["paths"]
                upstream_path = path if paths == "same" else paths.get(path)
                if upstream_path is None:
                    sys.exit(f"{name}/{path}: no upstream path, derivation or URL in the generator")
                origin, url, note = "FileOrigin::upstream", f"{d['base']}/{upstream_path}", ""
            out.append(f"      {{{cstr(path)}, {size}, {cstr(sha)}, {origin}, {cstr(url)}, {cstr(note)}, "
                       f"{'true' if required else 'false'}}},")
        out.append("     }},")
    out += ["  };", "  return registry;", "}", "", "}  // namespace dream::datasets", ""]
    Path(__file__).resolve().parent.parent.joinpath("datasets/registry_table.cpp").write_text("\n".join(out))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets"))
