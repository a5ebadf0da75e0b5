// Harness pieces: fake backend, grid, stop strings, seeds, sample cache, shards, aggregation order.
#include <gtest/gtest.h>

#include <cstdlib>

#include "harness/aggregate.h"
#include "harness/fake_backend.h"
#include "harness/grid.h"
#include "harness/run.h"
#include "harness/sample_cache.h"
#include "harness/shard.h"
#include "harness/task_results.h"
#include "harness_support.h"

using namespace dream;
using namespace dream::harness;

TEST(FakeBackend, DeterministicAndSolvesPlanningOnAFraction) {
  FakeBackend fake("fake:accuracy=1");
  GenerationSettings s;
  s.steps = 32;
  s.max_new_tokens = 32;
  const std::string cd = "Given 4 numbers, ...\n\nInput: 15,44,79,50\nOutput: ";
  const std::string a = fake.answer(cd, 7, s);
  EXPECT_EQ(a, fake.answer(cd, 7, s));
  EXPECT_EQ(a.rfind("44-15=29,79-29=50", 0) == 0 || a.find("=50") != std::string::npos, true) << a;
  FakeBackend never("fake:accuracy=0");
  EXPECT_EQ(never.answer(cd, 7, s), "15+44=59\n");
  const std::string su = "Fill...\n\nInput:\n1003\n0300\n3210\n4132\nOutput:\n ";
  EXPECT_EQ(fake.answer(su, 1, s).substr(0, 19), "1423\n2341\n3214\n4132");
  std::vector<GenerationRequest> batch{{cd, {}, 7}, {su, {}, 1}};
  auto out = fake.generate(batch, s);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].forward_passes, 32);
  EXPECT_EQ(out[0].reveal_step.size(), out[0].token_texts.size());
  EXPECT_THROW(FakeBackend("fake:speed=3"), std::invalid_argument);
  EXPECT_THROW(FakeBackend("fake:accuracy=2"), std::invalid_argument);
  FakeBackend failing("fake:fail_on=15,44");
  EXPECT_THROW(failing.generate(batch, s), std::runtime_error);
  EXPECT_EQ(fake.render_chat({{"user", "hi"}}, "Here"),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nHere");
}

TEST(Grid, DefaultsAndOverrides) {
  tasks::GenerationDefaults d;
  d.max_new_tokens = 256;
  d.top_p = 0.95;
  auto one = expand_grid({}, d);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].steps, 256);  // steps = new tokens, Dream's protocol
  EXPECT_EQ(one[0].alg, "entropy");
  EXPECT_EQ(one[0].top_p, 0.95);
  EXPECT_EQ(one[0].seed, 1234u);
  GridAxes a;
  a.steps = {8, 16, 32};
  a.alg = {"entropy", "maskgit_plus"};
  a.top_p = {std::nullopt};
  auto grid = expand_grid(a, d);
  ASSERT_EQ(grid.size(), 6u);
  std::set<std::string> ids;
  for (const auto& g : grid) ids.insert(to_setting(g).id);
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_FALSE(grid[0].top_p);
  GridAxes m;
  m.max_new_tokens = {64, 128};
  auto by_len = expand_grid(m, d);
  EXPECT_EQ(by_len[0].steps, 64);
  EXPECT_EQ(by_len[1].steps, 128);
  EXPECT_EQ(to_setting(one[0]).id,
            "steps=256,alg=entropy,temperature=0,top_p=0.95,top_k=none,alg_temp=none,max_new_tokens=256,seed=1234,policy=dream");
  GridAxes p;
  p.policy = {"dream", "threshold:0.90+blocks:32"};
  const auto by_policy = expand_grid(p, d);
  ASSERT_EQ(by_policy.size(), 2u);
  EXPECT_EQ(by_policy[1].policy, "blocks:32+threshold:0.9");  // one spelling, so one setting id
  EXPECT_EQ(to_setting(by_policy[1]).label, "entropy T=0 256 steps blocks:32+threshold:0.9");
  p.policy = {"thresh:0.9"};
  EXPECT_THROW(expand_grid(p, d), std::invalid_argument);
  EXPECT_THROW(parse_optional_double("--top-p", "high"), std::invalid_argument);
  EXPECT_FALSE(parse_optional_double("--top-p", "none"));
}

TEST(Run, StopStringsAndSeeds) {
  EXPECT_EQ(cut_at_stop("The answer is 8.\n\nQ: next", {"Q:", "</s>"}), "The answer is 8.\n\n");
  EXPECT_EQ(cut_at_stop("abc", {}), "abc");
  EXPECT_EQ(cut_at_stop("abc", {""}), "abc");
  EXPECT_EQ(request_seed(1234, "gsm8k", "7"), request_seed(1234, "gsm8k", "7"));
  EXPECT_NE(request_seed(1234, "gsm8k", "7"), request_seed(1234, "gsm8k", "8"));
  EXPECT_NE(request_seed(1234, "gsm8k", "7"), request_seed(1235, "gsm8k", "7"));
}

TEST(SampleCache, PersistsAcrossOpens) {
  const auto dir = test::fresh_dir("cache");
  CacheKeyParts k{"m", "t", "gsm8k", "1", "0", "sha256:x", {{"steps", 8}}, 5};
  const std::string key = k.key();
  k.doc_id = "1";
  EXPECT_NE(k.key(), key);
  {
    SampleCache c(dir / "c.sqlite");
    EXPECT_FALSE(c.contains(key));
    c.put_batch({{key, "gsm8k", "0", "s", R"({"task": "gsm8k", "response": "r"})"}});
    EXPECT_TRUE(c.contains(key));
  }
  SampleCache again(dir / "c.sqlite");
  EXPECT_EQ(again.size(), 1u);
  EXPECT_EQ(*again.get(key), R"({"task": "gsm8k", "response": "r"})");
  EXPECT_FALSE(again.get("nope"));
}

TEST(Shard, FlagAndEnvironment) {
  EXPECT_EQ(parse_shard("1/4").index, 1);
  EXPECT_EQ(parse_shard("1/4").dir_name(), "shard-1-of-4");
  EXPECT_THROW(parse_shard("4/4"), std::invalid_argument);
  EXPECT_THROW(parse_shard("a/4"), std::invalid_argument);
  EXPECT_EQ(shard_from_dir_name("shard-3-of-8")->count, 8);
  EXPECT_FALSE(shard_from_dir_name("shard-x"));
  ::unsetenv("JOB_COMPLETION_INDEX");
  ::setenv("SLURM_ARRAY_TASK_ID", "5", 1);
  ::setenv("SLURM_ARRAY_TASK_MIN", "4", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "3", 1);
  Shard s = resolve_shard(std::nullopt, std::nullopt);
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(resolve_shard(std::string("0/2"), std::nullopt).count, 2);  // the flag wins
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  ::setenv("JOB_COMPLETION_INDEX", "2", 1);
  EXPECT_THROW(resolve_shard(std::nullopt, std::nullopt), std::invalid_argument);
  EXPECT_EQ(resolve_shard(std::nullopt, 4).index, 2);
  ::unsetenv("JOB_COMPLETION_INDEX");
  EXPECT_FALSE(resolve_shard(std::nullopt, std::nullopt).sharded());
}

TEST(Aggregate, NaturalOrder) {
  EXPECT_TRUE(natural_less("2", "10"));
  EXPECT_TRUE(natural_less("navigate/3", "navigate/12"));
  EXPECT_TRUE(natural_less("cd3/8", "cd4/8"));
  EXPECT_FALSE(natural_less("10", "10"));
  EXPECT_TRUE(natural_less("a", "ab"));
}
