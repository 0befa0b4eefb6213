// PromptTemplate: the small template language of the files in prompts/.
//
//   {{name}}               the value of `name` (an error when the template names no such value)
//   {{#name}}...{{/name}}  the inner text when `name` is non-empty, else nothing
//   {{^name}}...{{/name}}  the inner text when `name` is empty
//
// Values are inserted as they are: prompts are text for an LLM, not HTML. Rendering is a pure
// function; thread-safe.
#pragma once

#include <map>
#include <string>

#include "core/result.h"

namespace askdb::chat {

using PromptValues = std::map<std::string, std::string>;

// Renders `text`; `name` (the file) is used in error messages. Runs of three or more newlines
// left by empty sections are folded to two.
Result<std::string> render_template(const std::string& text, const PromptValues& values,
                                    const std::string& name);

}  // namespace askdb::chat
