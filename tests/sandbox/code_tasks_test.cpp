// HumanEval/MBPP post-processing without the sandbox: the Python statement scanner, evalplus-style
// sanitising, response extraction, test programs, timeouts, and the rendered prompts pinned against an
// independent rendering of lm-eval's templates (tests/sandbox/reference_prompt_hashes.py).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>

#include "tasks/code/code_tasks.h"
#include "tasks/code/python_source.h"
#include "tests/support/test_paths.h"

namespace dream::tasks::code {
namespace {

TEST(Sanitize, KeepsImportsAndWhatTheEntryPointReaches) {
  const std::string code = R"(import math
from typing import List

def helper(x):
    return x * 2

def unused():
    return 1

def entry(xs: List[int]) -> int:
    return sum(helper(x) for x in xs) + CONST

CONST = 3

print(entry([1, 2]))
assert entry([1]) == 5
if __name__ == "__main__":
    entry([])
)";
  EXPECT_EQ(sanitize(code, {"entry"}), R"(import math
from typing import List
def helper(x):
    return x * 2
def entry(xs: List[int]) -> int:
    return sum(helper(x) for x in xs) + CONST
CONST = 3)");
}

TEST(Sanitize, FirstDefinitionWithAReturnWins) {
  const std::string code = "def f(x):\n    \"\"\"doc\"\"\"\n\ndef f(x):\n    return x + 1\n\ndef f(x):\n    return 0\n";
  EXPECT_EQ(sanitize(code, {"f"}), "def f(x):\n    return x + 1");
}

TEST(Sanitize, DropsProseAroundCode) {
  const std::string code =
      "Here's the solution (it uses a loop:\ndef f(x):\n    return [i for i in range(x)]\n"
      "This works because it's simple.\n```\n";
  EXPECT_EQ(sanitize(code, {"f"}), "def f(x):\n    return [i for i in range(x)]");
}

TEST(Sanitize, StringsAndCommentsDoNotSplitStatements) {
  const std::string code = "def f():\n    s = \"\"\"\ndef g():\n    return 1\n\"\"\"\n# a comment at column 0\n"
                           "    t = 'it''s'  # def h(): return\n    return s + t\n";
  EXPECT_EQ(sanitize(code, {"f"}), code.substr(0, code.size() - 1));
}

TEST(Sanitize, DecoratorsClassesFstringsAndTuples) {
  const std::string code = R"(import functools

@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

class Box:
    def __init__(self, v):
        self.v = v

LOW, HIGH = 1, 2

def entry(n):
    return f"{fib(n)} {Box(n).v} {LOW}"

try:
    import numpy
except ImportError:
    pass
)";
  EXPECT_EQ(sanitize(code, {"entry"}), R"(import functools
@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
class Box:
    def __init__(self, v):
        self.v = v
LOW, HIGH = 1, 2
def entry(n):
    return f"{fib(n)} {Box(n).v} {LOW}")");
}

TEST(Sanitize, NothingReachableLeavesTheImports) {
  EXPECT_EQ(sanitize("import os\nx = 1\nprint(x)\n", {"missing"}), "import os");
  EXPECT_EQ(sanitize("", {"f"}), "");
}

TEST(PythonSource, StatementKindsAndNames) {
  const auto st = top_level_statements("import os\nx: int = 5\na, (b, c) = 1, (2, 3)\nx.y = 2\nx == 3\n"
                                       "async def g():\n    yield 1\nclass K(object):\n    pass\n");
  ASSERT_EQ(st.size(), 7u);
  using Kind = TopLevelStatement::Kind;
  EXPECT_EQ(st[0].kind, Kind::import);
  EXPECT_EQ(st[1].kind, Kind::assignment);
  EXPECT_EQ(st[1].names, std::vector<std::string>{"x"});
  EXPECT_EQ(st[2].names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(st[3].kind, Kind::other);
  EXPECT_EQ(st[4].kind, Kind::other);
  EXPECT_EQ(st[5].kind, Kind::function);
  EXPECT_TRUE(st[5].returns);
  EXPECT_EQ(st[6].kind, Kind::class_definition);
  EXPECT_EQ(identifiers_in("x = len('abc')  # y\nz = f\"{w + 1}\""), (std::set<std::string>{"len", "w", "x", "z"}));
}

CodeProblem toy_humaneval() {
  CodeProblem p;
  p.benchmark = Benchmark::humaneval;
  p.task_id = "toy/0";
  p.prompt = "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n";
  p.entry_point = "add";
  p.test_code = "def check(candidate):\n    assert candidate(1, 2) == 3\n";
  return p;
}

TEST(ExtractSolution, HumanEvalBaseCutsAtStopSequences) {
  const auto p = toy_humaneval();
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "    return a + b\n\n\ndef extra():\n    return 0\n", false),
            p.prompt + "    return a + b\n\n");
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "    return a + b\nif True:\n    print(add(1, 2))\n"),
            p.prompt.substr(0, p.prompt.size() - 1) + "\n    return a + b");
  // Indentation decoded as U+2581 runs (lm-eval's clean_text).
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "\xE2\x96\x81\xE2\x96\x81\xE2\x96\x81\xE2\x96\x81return a\n", false),
            p.prompt + "    return a\n");
}

TEST(ExtractSolution, HumanEvalInstructTakesCodeBeforeTheClosingFence) {
  const auto p = toy_humaneval();
  EXPECT_EQ(extract_solution(p, PromptStyle::instruct, "    return a + b\n```\n\nThis adds them.", false),
            p.prompt + "    return a + b\n");
}

TEST(ExtractSolution, MbppBaseAndInstruct) {
  CodeProblem p;
  p.benchmark = Benchmark::mbpp;
  p.entry_point = "twice";
  p.test_list = {"assert twice(1) == 2", "assert twice(2) == 4", "assert twice(0) == 0"};
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "def twice(x):\r\n  return 2 * x\n[DONE]\n\nYou are", false),
            "def twice(x):\r\n  return 2 * x\n");
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "```python\ndef twice(x):\n  return 2 * x\n```\n[DONE]"),
            "def twice(x):\n  return 2 * x");
  EXPECT_EQ(extract_solution(p, PromptStyle::instruct, "def twice(x):\n    return 2 * x\n\nprint(twice(3))\n```\nDone."),
            "def twice(x):\n    return 2 * x");
  EXPECT_EQ(build_test_program(p, "S"), "S\n\n\nassert twice(1) == 2\nassert twice(2) == 4\nassert twice(0) == 0\n");
}

TEST(TestProgram, HumanEvalCallsCheck) {
  const auto p = toy_humaneval();
  EXPECT_EQ(build_test_program(p, "SOLUTION"), "SOLUTION\n\n" + p.test_code + "\n\ncheck(add)\n");
}

TEST(Timeouts, FloorOrAMultipleOfTheReference) {
  EXPECT_DOUBLE_EQ(problem_timeout(0.05, {}), 3.0);
  EXPECT_DOUBLE_EQ(problem_timeout(6.5, {}), 26.0);
  EXPECT_DOUBLE_EQ(problem_timeout(1.0, {.floor_seconds = 0.5, .factor = 2.0}), 2.0);
}

TEST(CountCorrect, PerProblemCounts) {
  std::vector<CodeSample> samples = {{0, ""}, {0, ""}, {2, ""}};
  std::vector<ScoredSample> scored(3);
  scored[0].run.status = sandbox::Status::passed;
  scored[1].run.status = sandbox::Status::failed;
  scored[2].run.status = sandbox::Status::passed;
  const auto counts = count_correct(3, samples, scored);
  ASSERT_EQ(counts.size(), 2u);  // problem 1 had no samples
  EXPECT_EQ(counts[0].n, 2);
  EXPECT_EQ(counts[0].correct, 1);
  EXPECT_EQ(counts[1].n, 1);
  EXPECT_EQ(counts[1].correct, 1);
}

std::uint64_t fnv1a64(const std::vector<std::string>& texts) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (i) h = (h ^ 0u) * 0x100000001B3ULL;
    for (unsigned char c : texts[i]) h = (h ^ c) * 0x100000001B3ULL;
  }
  return h;
}

// A prompt never changes without a version bump: these are the hashes reference_prompt_hashes.py
// computes by rendering lm-eval's own templates with jinja2.
TEST(Prompts, MatchLmEvalTemplates) {
  const auto dir = test::datasets_dir();
  DREAM_REQUIRE_PATH(dir / "humaneval/HumanEval.jsonl");
  DREAM_REQUIRE_PATH(dir / "mbpp/mbpp.jsonl");
  const auto humaneval = load_problems(Benchmark::humaneval, dir / "humaneval/HumanEval.jsonl");
  const auto mbpp_all = load_problems(Benchmark::mbpp, dir / "mbpp/mbpp.jsonl");
  const auto mbpp = mbpp_test_split(mbpp_all);
  const auto shots = mbpp_fewshot_exemplars(mbpp_all);
  ASSERT_EQ(humaneval.size(), 164u);
  ASSERT_EQ(mbpp.size(), 500u);

  std::vector<std::string> he_base, he_user, he_prefill, mb_base, mb_user, mb_prefill;
  for (const auto& p : humaneval) {
    he_base.push_back(build_prompt(p, PromptStyle::base).text);
    const auto chat = build_prompt(p, PromptStyle::instruct);
    ASSERT_EQ(chat.messages.size(), 1u);
    he_user.push_back(chat.messages[0].content);
    he_prefill.push_back(chat.assistant_prefill);
  }
  for (const auto& p : mbpp) {
    mb_base.push_back(build_prompt(p, PromptStyle::base, shots).text);
    const auto chat = build_prompt(p, PromptStyle::instruct);
    mb_user.push_back(chat.messages.at(0).content);
    mb_prefill.push_back(chat.assistant_prefill);
  }
  EXPECT_EQ(fnv1a64(he_base), 0x9bcaad9ae51a74e5ULL);
  EXPECT_EQ(fnv1a64(he_user), 0xffb618eb65382b05ULL);
  EXPECT_EQ(fnv1a64(he_prefill), 0xa1d0382e0062bafdULL);
  EXPECT_EQ(fnv1a64(mb_base), 0x1a05a2b1b9400fdfULL);
  EXPECT_EQ(fnv1a64(mb_user), 0x96156c734f9d3effULL);
  EXPECT_EQ(fnv1a64(mb_prefill), 0x6fe5172ea2c26357ULL);

  EXPECT_EQ(build_prompt(humaneval[0], PromptStyle::base).stop,
            (std::vector<std::string>{"\nclass", "\ndef", "\n#", "\nif", "\nprint"}));
  EXPECT_EQ(build_prompt(mbpp[0], PromptStyle::base, shots).stop, std::vector<std::string>{"[DONE]"});
  EXPECT_EQ(build_prompt(mbpp[0], PromptStyle::instruct).stop, std::vector<std::string>{"```"});
  EXPECT_THROW(build_prompt(mbpp[0], PromptStyle::base), std::invalid_argument);
}

TEST(LoadProblems, BadInputNamesFileLineAndField) {
  const auto path = std::filesystem::temp_directory_path() / "dream_code_tasks_bad.jsonl";
  std::ofstream(path) << "{\"task_id\": \"X/0\", \"prompt\": \"p\", \"entry_point\": \"f\", \"canonical_solution\": 1, \"test\": \"t\"}\n";
  try {
    load_problems(Benchmark::humaneval, path);
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("dream_code_tasks_bad.jsonl:1"), std::string::npos) << what;
    EXPECT_NE(what.find("canonical_solution"), std::string::npos) << what;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dream::tasks::code
