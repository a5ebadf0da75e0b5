// Dream-Instruct's chat template: the 8 golden renderings (transformers + Jinja2) and the rules around them.
#include <gtest/gtest.h>

#include <stdexcept>

#include "model/tokenizer/chat_template.h"
#include "tokenizer_test_support.h"

namespace dream::test {
namespace {

using tokenizer::ChatMessage;
using tokenizer::render_chat;

TEST(ChatTemplate, EveryGoldenRenderingExact) {
  const auto file = golden_dir() / "chat-template" / "cases.json";
  DREAM_REQUIRE_PATH(file);
  const auto cases = read_json_file(file).at("cases");
  ASSERT_EQ(cases.size(), 8u);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::vector<ChatMessage> messages;
    for (const auto& m : cases[i].at("messages")) messages.push_back({m.at("role"), m.at("content")});
    EXPECT_EQ(render_chat(messages, cases[i].at("add_generation_prompt")), cases[i].at("rendered").get<std::string>()) << "case " << i;
  }
}

TEST(ChatTemplate, PrefillFollowsTheGenerationPrompt) {
  const std::string prefill = "Here is the completed function:\n```python\n";
  EXPECT_EQ(render_chat({{"user", "Complete f."}}, true, prefill),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nComplete f.<|im_end|>\n"
            "<|im_start|>assistant\nHere is the completed function:\n```python\n");
  EXPECT_THROW(render_chat({{"user", "x"}}, false, prefill), std::invalid_argument);
}

TEST(ChatTemplate, ToolMessagesFormOneUserTurn) {
  // Written from the template's tool branch: consecutive tool messages share one <|im_start|>user turn.
  EXPECT_EQ(render_chat({{"system", "S"}, {"tool", "r1"}, {"tool", "r2"}, {"user", "u"}}, false),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n"
            "</tool_response><|im_end|>\n<|im_start|>user\nu<|im_end|>\n");
  // A system message after the first is an ordinary turn.
  EXPECT_EQ(render_chat({{"user", "u"}, {"system", "late"}}, false),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nu<|im_end|>\n<|im_start|>system\nlate<|im_end|>\n");
}

TEST(ChatTemplate, RefusesWhatTheTemplateWouldDropSilently) {
  EXPECT_THROW(render_chat({}, true), std::invalid_argument);
  EXPECT_THROW(render_chat({{"narrator", "x"}}, true), std::invalid_argument);
}

TEST(ChatTemplate, DreamCheckpointCarriesTheTemplateWeRender) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  EXPECT_TRUE(tokenizer::is_dream_chat_template(dream_tokenizer().chat_template()));
  EXPECT_NO_THROW(tokenizer::check_chat_template(dream_tokenizer()));
  EXPECT_FALSE(tokenizer::is_dream_chat_template(dream_tokenizer().chat_template() + " "));
}

TEST(ChatTemplate, RenderedChatEncodesToTheGoldenIds) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  // The golden encode case "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n".
  const std::string text = render_chat({{"user", "What is 2+2?"}}, true);
  const std::string tail = text.substr(text.find("<|im_start|>user"));
  EXPECT_EQ(dream_tokenizer().encode(tail),
            (std::vector<int32_t>{151644, 872, 198, 3838, 374, 220, 17, 10, 17, 30, 151645, 198, 151644, 77091, 198}));
}

TEST(BasePrompt, PrependsTheBosText) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const std::string prompt = tokenizer::render_base_prompt(dream_tokenizer(), "Question: x");
  EXPECT_EQ(prompt, "<|beginoftext|>Question: x");
  EXPECT_EQ(dream_tokenizer().encode(prompt), (std::vector<int32_t>{151665, 14582, 25, 856}));  // golden case
}

}  // namespace
}  // namespace dream::test
