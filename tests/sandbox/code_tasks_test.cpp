// HumanEval/MBPP post-processing without the sandbox: the Python statement scanner, evalplus-style
// sanitising, response extraction, test programs, timeouts. (The prompts are the task specs'; they are
// pinned in tests/tasks/code_tasks_test.cpp.)
#include <gtest/gtest.h>

#include <fstream>

#include "tasks/code/code_tasks.h"
#include "tasks/code/python_source.h"

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

// Responses arrive cut at the task's stop strings (the harness does that, as lm-eval's generation does).
TEST(ExtractSolution, HumanEvalBasePutsThePromptBackAndSanitises) {
  const auto p = toy_humaneval();
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "    return a + b\n\n", false), p.prompt + "    return a + b\n\n");
  // Whatever the stops let through and the tests cannot reach goes.
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "    return a + b\nif True:\n    print(add(1, 2))\n"),
            p.prompt.substr(0, p.prompt.size() - 1) + "\n    return a + b");
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "    return a + b\n\n\ndef extra():\n    return 0\n"),
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
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "def twice(x):\r\n  return 2 * x\n", false), "def twice(x):\r\n  return 2 * x\n");
  EXPECT_EQ(extract_solution(p, PromptStyle::base, "```python\ndef twice(x):\n  return 2 * x\n```\n"),
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
