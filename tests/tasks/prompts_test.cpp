// Rendered prompts of every task, pinned by hash: a prompt never changes without a version bump. When a
// change is intended, bump the spec's "version" and update the hashes printed by the failing test.
#include <gtest/gtest.h>

#include "../support/test_paths.h"
#include "datasets/records.h"
#include "datasets/sha256.h"
#include "tasks/bbh/bbh.h"
#include "tasks/registry.h"

using namespace dream;
using namespace dream::tasks;

namespace {

datasets::DataDir shared_data() { return datasets::DataDir(test::datasets_dir()); }

// sha256 over the hashes of every document's request, in document order.
std::string all_requests_hash(const Task& t) {
  std::string joined;
  for (const auto& d : t.documents()) joined += t.build_request(d).hash() + "\n";
  return datasets::sha256_hex(joined);
}

struct Pinned {
  const char* task;
  size_t documents;
  const char* version;
  const char* first_request_hash;
  const char* all_requests_hash;
};

// clang-format off
const Pinned kPinned[] = {
    {"gsm8k", 1319, "1", "66b0f981f07353e65edb418bd1580f5f01c0350c880f5490d6c4fa5ac6a4cb47",
     "b2d6bc24966f634d62b716977f81c1692c7e1cf74ba702f56992528a5c2a57e7"},
    {"gsm8k_cot", 1319, "1", "3edd9831efc99b83968305f899e392d6833140a3b4cd8a46b5177c106bd4bb16",
     "31c4b01a4136dc75598673b446431eede14624dd7c3d0b357ea9123f74634148"},
    {"math500", 500, "2", "7fc7ca40df25f05a8397646118e0087871537c174c1d017793e6bdfc2db60feb",
     "0e3ddf6d4a9d1e1f9a3ea5dbc436988d28d2cf1c81b3ac19a51dc506e3d2822f"},
    {"math500_chat", 500, "2", "1810dc575cc30131f1512d63f1fef8e9844d4533934533f6c0e90cdc6b2b17e6",
     "5d08009f189edf9b62abda20fc669de0fbba76045e3ea2558f4e802466677319"},
    {"bbh", 6511, "1", "c8eed2a890ca8494f2521b80713625e30eceb4288c24918207c0d7ce13267cc8",
     "f22ec5cca67bcc606c7ed3df6d06f9da01c60f0089ec9a3250c412aa4feb93ff"},
    {"mmlu_generative", 14042, "1", "48253e75516acf8d824380930a92e55f1d69601b9b4934ef44920d4f17bbe133",
     "fc8495511a53cecadc2e83aba128c036d543d4ddc99c879e2cd51d7920835504"},
    {"sudoku", 100, "1", "dc7e42ed66b315eced87fc06ffc307f8098cde9c36fa6dbebf14540ef049879d",
     "a13b3be4d867e3dd503e7b94b3bc8e4b10b54654860ceab3a28f2b210af3a2b2"},
    {"sudoku_4x4_gen", 100, "1", "580189e822d6b05b815c785d2bd62f7f0baa342d6e7c3c59cfb95cc3f8ed5f87",
     "aac354a3743c92777705d0c69deca6563fc7957fbb4cc985a74b1cc4e92f76a0"},
    {"sudoku_4x4_6_gen", 100, "1", "3150a91f862025d7c6ff8ca025d69a1f4947bb5f5897681d0af59a056483fbd6",
     "292d388d61249fc0dbae9549dee9fe03e7d9d9d515b95bdaa9767ed1c059298e"},
    {"sudoku_9x9_gen", 100, "1", "fb5720d98241019d03c08300e010f9fe340b95471d31d59e70a3fa1afb72bdcf",
     "93c5dd0f008dcfb767043a388be1fcd261b0423783a39aee28dc6fb97f914602"},
    {"countdown", 2976, "1", "2d333442dab71446b10291356327134e0aaccc6df9f5eb4a62036bc58d1f63f9",
     "e4e0df808bfc5b64d55e669467f7783a9aa8ad465e002ba5d50ef81df8630cfe"},
    {"countdown_cd4", 992, "1", "89101044975d66cb936d90d13a48885d683247c3951897f63911c9bdea4716d5",
     "b7d27dd557db6e0bba8303a31928a44984e2871c95fbd5c11a9f5f699bd09d68"},
    {"countdown_gen", 300, "1", "e52f6f400c036be313d8b4d6544551559a66a6dc8990de52574aaac4745c6bfa",
     "62fddd2bd96a5cb20ef04755559039b3709b796e2118e69990ca6061a7c94568"},
    {"humaneval", 164, "1", "6e223cfa0e460963ef8a0d39a8d805cab913bff02225baf59590df20c7a06b47",
     "24aacc2233d48acac5bb8bcab9cd41240597aaa2d965910ca82d51ea4802ec14"},
    {"humaneval_instruct", 164, "1", "6ace41a4a480c3b266b61c47e3bd792be35b290f1ee56744c1f91947777a8060",
     "1f7eb26e6c88e265e5cf39438941ef157032223563b231f377e990e6bbe81e01"},
    {"mbpp", 500, "1", "92e794253c923dd37658f7e12b0c8a26ebeb5ed2b19eb6fbc4590169d5db33b2",
     "411b83d5284a25c67654c5234c1f2021dd798008b8677c7f00a397b5b9e82379"},
    {"mbpp_instruct", 500, "1", "e52f483c38c582e3fde1ad9ff313f1d7c3abcb3553712a5fb1c5d6e11da37f65",
     "d4f7120d56ecdc07552c04ae33eb994b062ebdca88535b51fb6a2cf929e4387d"},
    {"mmlu", 14042, "1", "88dd998d5009cd89c4e129241c52cb580c02e94b8d6b20c4961742ae55f555ca",
     "211f179fe83a04e4766355bc9a26900666d4729029e122af3fc271c6041e8858"},
    {"arc_easy", 2376, "1", "23d77c9f0324af470304e017a088ce3e6c4749de79870e4c4ebad2345dab17ec",
     "3e1251eda40a034f5214b3c16179e454fbbf989f9c9ea7a8916b0f5149b8d1d4"},
    {"arc_challenge", 1172, "1", "059da1a2b0073a99c9766edc6d9fcfcdc48101ddebb1e32581f7054082f5fd1f",
     "4a4277b74d89a2fcedd7b3f483f320c41f2619a764ff18d2fbdb280b15f100ab"},
    {"hellaswag", 10042, "1", "18ac59e810f9bc446c25136d35995dae072f7805e5ef0c7b84cbba23647cae56",
     "ca3b42956a67920d3009eae36896fb9c3444561fb7caaaa3264604ba4f96eb88"},
    {"piqa", 1838, "1", "89ce63aa293c15d5d0d98dc2a966767a6f5be84e8d1b6367e980d3ca5693c126",
     "d04ee6e9a45f3cee3793762567eeb575b0a2b2756dc1dc4949e0cae3b8a7ff94"},
    {"winogrande", 1267, "1", "8b054b70a7cdc48ca8fa7c581a38730b21f96a7803075bac705ec3b3976c6687",
     "a8fb35e8bdcc02657438f79cdd254aefb491028a6e3d8fc788fba284600512cf"},
};
// clang-format on

}  // namespace

TEST(Prompts, PinnedByHash) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  const auto data = shared_data();
  for (const auto& p : kPinned) {
    auto t = load_task(p.task, data);
    EXPECT_EQ(t->documents().size(), p.documents) << p.task;
    EXPECT_EQ(t->version(), p.version) << p.task;
    EXPECT_EQ(t->build_request(t->documents().front()).hash(), p.first_request_hash) << p.task;
    EXPECT_EQ(all_requests_hash(*t), p.all_requests_hash) << p.task;
  }
}

TEST(Prompts, Gsm8kFollowsLmEvalLayout) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  auto t = load_task("gsm8k", shared_data());
  const Request r = t->build_request(t->documents()[0]);
  EXPECT_FALSE(r.is_chat());
  EXPECT_EQ(r.prompt.rfind("Q: There are 15 trees in the grove.", 0), 0u);
  EXPECT_NE(r.prompt.find("The answer is 6.\n\nQ: If there are 3 cars"), std::string::npos);
  const std::string tail = "23 - 15 is 8. The answer is 8.\n\nQ: Janet\xE2\x80\x99s ducks lay 16 eggs per day.";
  EXPECT_NE(r.prompt.find(tail), std::string::npos);
  EXPECT_EQ(r.prompt.substr(r.prompt.size() - 26), "at the farmers' market?\nA:");
  EXPECT_EQ(r.stop, (std::vector<std::string>{"Q:", "</s>", "<|im_end|>"}));
  EXPECT_EQ(t->documents()[0].field("target"), "18");
}

TEST(Prompts, ChatVariantIsOneUserTurn) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  auto t = load_task("gsm8k_cot", shared_data());
  const Request r = t->build_request(t->documents()[0]);
  ASSERT_TRUE(r.is_chat());
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, "user");
  EXPECT_EQ(r.messages[0].content.rfind("Q: Janet", 0), 0u);
  EXPECT_EQ(r.messages[0].content.substr(r.messages[0].content.size() - 3), "\nA:");
  EXPECT_EQ(t->spec().generation.temperature, 0.1);
  EXPECT_EQ(t->spec().generation.max_new_tokens, 256);
  EXPECT_EQ(t->spec().generation.alg, "entropy");
}

TEST(Prompts, MmluChatHasSubjectSystemAndFourDevShots) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "mmlu");
  auto t = load_task("mmlu_generative", shared_data());
  const auto& d = t->documents()[0];
  EXPECT_EQ(d.group, "abstract_algebra");
  const Request r = t->build_request(d);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].content, "The following are multiple choice questions (with answers) about abstract algebra.\n\n");
  const std::string& u = r.messages[1].content;
  EXPECT_EQ(std::count(u.begin(), u.end(), '\n') >= 4 * 6, true);
  EXPECT_NE(u.find("\nAnswer: "), std::string::npos);  // few-shot answers: "Answer: B"
  EXPECT_EQ(u.substr(u.size() - 8), "\nAnswer:");
  EXPECT_NE(u.find("Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:"),
            std::string::npos);
}

TEST(Prompts, PlanningMatchesDreamTemplates) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  const auto data = shared_data();
  auto cd = load_task("countdown_cd4", data);
  const Request c = cd->build_request(cd->documents()[0]);
  const auto file = datasets::read_jsonl(test::datasets_dir() / "dream_planning" / "cd4_test.jsonl");
  std::string expected = "Given 5 numbers, use +-*/ to operate over the first four numbers to achieve the fifth number.\n\n";
  for (int i = 0; i < 8; ++i)
    expected += "Input: " + file[i].string_field("input") + "\nOutput: " + file[i].string_field("output") + "\n\n";
  expected += "Input: " + file[8].string_field("input") + "\nOutput: ";
  EXPECT_EQ(c.prompt, expected);
  EXPECT_EQ(cd->documents()[0].id, "8");

  auto su = load_task("sudoku", data);
  const Request s = su->build_request(su->documents()[0]);
  const auto sf = datasets::read_jsonl(test::datasets_dir() / "dream_planning" / "sudoku_4x4_10.jsonl");
  expected = "Fill the positions where the values are 0 in a 4x4 grid with digits 1-4 so that each column, each row, and each "
             "of the four 2x2 subgrids that compose the grid contains all of the digits from 1 to 4.\n\n";
  for (int i = 0; i < 8; ++i)
    expected += "Input:\n" + sf[i].string_field("input") + "\nOutput:\n" + sf[i].string_field("output") + "\n\n";
  expected += "Input:\n" + sf[8].string_field("input") + "\nOutput:\n ";
  EXPECT_EQ(s.prompt, expected);

  auto nine = load_task("sudoku_9x9_gen", data);
  const Request n = nine->build_request(nine->documents()[0]);
  EXPECT_EQ(n.prompt.rfind("Fill the positions where the values are 0 in a 9x9 grid with digits 1-9 so that each column, each "
                           "row, and each of the nine 3x3 subgrids",
                           0),
            0u);
  EXPECT_EQ(nine->spec().generation.max_new_tokens, 96);

  auto all = load_task("countdown", data);
  EXPECT_EQ(all->documents().front().id, "cd3/8");
  EXPECT_EQ(all->build_request(all->documents().back()).prompt.rfind("Given 6 numbers, use +-*/ to operate over the first five numbers to achieve the last number.", 0), 0u);
}

// lm-eval renders BBH exemplars as "Q: {input}\nA: Let's think step by step.\n{target}"; the cot-prompts
// files read the same except sports_understanding, whose reasoning starts on the "A:" line.
TEST(Prompts, BbhFewShotBlockEqualsCotPromptFiles) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "bbh");
  auto t = load_task("bbh", shared_data());
  std::map<std::string, const Document*> first_of;
  for (const auto& d : t->documents()) first_of.emplace(d.group, &d);
  ASSERT_EQ(first_of.size(), 27u);
  for (const auto& [sub, doc] : first_of) {
    std::string body = datasets::read_text(test::datasets_dir() / "bbh" / "cot-prompts" / (sub + ".txt"));
    body = body.substr(body.find("-----\n") + 6);
    if (sub == "sports_understanding") {
      size_t p = 0;
      while ((p = body.find("A: Let's think step by step. ", p)) != std::string::npos) body[p + 28] = '\n';
    }
    const std::string prompt = t->build_request(*doc).prompt;
    const std::string query = "Q: " + doc->field("input") + "\nA: Let's think step by step.\n";
    EXPECT_EQ(prompt, body + "\n\n" + query) << sub;
  }
}
