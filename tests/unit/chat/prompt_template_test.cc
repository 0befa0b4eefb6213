#include "chat/prompt_template.h"

#include <gtest/gtest.h>

namespace askdb::chat {
namespace {

TEST(PromptTemplate, ValuesAndSections) {
  auto r = render_template("Q: {{q}}\n{{#ex}}Examples:\n{{ex}}\n{{/ex}}{{^ex}}No examples.{{/ex}}",
                           {{"q", "how many?"}, {"ex", "e1"}}, "t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "Q: how many?\nExamples:\ne1\n");
  r = render_template("{{#ex}}Examples: {{ex}}{{/ex}}{{^ex}}none{{/ex}}", {{"ex", ""}}, "t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "none\n");
}

TEST(PromptTemplate, FoldsBlankLinesLeftByEmptySections) {
  auto r = render_template("a\n\n{{#x}}x\n{{/x}}\n\nb", {{"x", ""}}, "t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "a\n\nb\n");
}

TEST(PromptTemplate, ValuesAreNotReinterpreted) {
  auto r = render_template("{{q}}", {{"q", "{{evil}}"}}, "t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{{evil}}\n");
}

TEST(PromptTemplate, Errors) {
  EXPECT_FALSE(render_template("{{missing}}", {}, "t").ok());
  EXPECT_FALSE(render_template("{{#a}}never closed", {{"a", "1"}}, "t").ok());
  EXPECT_FALSE(render_template("{{/a}}", {}, "t").ok());
  auto r = render_template("{{open", {}, "file.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("file.txt"), std::string::npos);
}

}  // namespace
}  // namespace askdb::chat
