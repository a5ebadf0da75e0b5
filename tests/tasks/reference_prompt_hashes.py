#!/usr/bin/env python3
"""Independent check of dream-eval's HumanEval/MBPP prompts: renders the lm-eval task configurations in
../shared/reference/eval-protocols/ with jinja2 (as lm-eval does: keep_trailing_newline, StrictUndefined)
and prints FNV-1a 64 hashes of all prompts of each variant, joined by NUL bytes. tests/tasks/code_tasks_test.cpp pins
these values. Needs jinja2 and PyYAML (the pyenv python3 on the development machines has both).

Usage: python3 tests/tasks/reference_prompt_hashes.py [SHARED_DIR]
"""
import json
import sys
from pathlib import Path

import jinja2
import yaml

shared = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / ".." / "shared")
protocols = shared / "reference" / "eval-protocols"


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))


def config(path):
    data = yaml.load((protocols / path).read_text(), Loader=Loader)
    if "include" in data:
        base = config(Path(path).parent / data.pop("include"))
        base.update(data)
        data = base
    return data


env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def render(template, doc):
    return env.from_string(template).render(**doc)


def fnv1a64(texts):
    h = 0xCBF29CE484222325
    for byte in "\0".join(texts).encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


humaneval = [json.loads(l) for l in (shared / "datasets/humaneval/HumanEval.jsonl").read_text().splitlines() if l]
mbpp_all = [json.loads(l) for l in (shared / "datasets/mbpp/mbpp.jsonl").read_text().splitlines() if l]
mbpp_test = [d for d in mbpp_all if 11 <= d["task_id"] <= 510]
shots = [dict(d, is_fewshot=True) for d in mbpp_all if d["task_id"] in (2, 3, 4)]

he_base = config("lm-eval-base/humaneval/humaneval.yaml")
he_instruct = config("lm-eval-tasks-dream-instruct/humaneval/humaneval_instruct.yaml")
mb_base = config("lm-eval-base/mbpp/mbpp.yaml")
mb_instruct = config("lm-eval-tasks-dream-instruct/mbpp/mbpp_instruct.yaml")

fewshot_context = "\n\n".join(
    render(mb_base["doc_to_text"], s) + mb_base["target_delimiter"] + render(mb_base["doc_to_target"], s) for s in shots
) + "\n\n"

print("humaneval_base", hex(fnv1a64([render(he_base["doc_to_text"], d) for d in humaneval])))
print("humaneval_instruct_user", hex(fnv1a64([render(he_instruct["doc_to_text"], d) for d in humaneval])))
print("humaneval_instruct_prefill", hex(fnv1a64([render(he_instruct["gen_prefix"], d) for d in humaneval])))
print("mbpp_base", hex(fnv1a64([fewshot_context + render(mb_base["doc_to_text"], d) for d in mbpp_test])))
print("mbpp_instruct_user", hex(fnv1a64([render(mb_instruct["doc_to_text"], d) for d in mbpp_test])))
print("mbpp_instruct_prefill", hex(fnv1a64([render(mb_instruct["gen_prefix"], d) for d in mbpp_test])))
print("stops", he_base["generation_kwargs"]["until"], he_instruct["generation_kwargs"]["until"],
      mb_base["generation_kwargs"]["until"], mb_instruct["generation_kwargs"]["until"])
