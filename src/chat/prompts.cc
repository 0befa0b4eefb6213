#include "chat/prompts.h"

#include "core/text.h"

namespace askdb::chat {

Result<Prompts> Prompts::load(const std::string& dir) {
  Prompts p;
  p.dir_ = dir;
  const std::pair<const char*, std::string*> files[] = {
      {"sql/system.txt", &p.sql_system_},       {"sql/dialect.txt", &p.sql_dialect_},
      {"sql/user.txt", &p.sql_user_},           {"sql/retry.txt", &p.sql_retry_},
      {"answer/system.txt", &p.answer_system_}, {"answer/user.txt", &p.answer_user_},
  };
  for (const auto& [name, text] : files) {
    if (!read_file(dir + "/" + name, *text)) {
      return make_error(ErrorCode::kConfig, "the prompt file " + dir + "/" + name +
                                                " cannot be read; restore it or set "
                                                "paths.prompts_dir.");
    }
  }
  return p;
}

Result<llm::Request> Prompts::sql_request(const PromptValues& values) const {
  auto dialect = render_template(sql_dialect_, values, dir_ + "/sql/dialect.txt");
  if (!dialect) return dialect.error();
  PromptValues with_dialect = values;
  with_dialect["dialect"] = *dialect;
  auto system = render_template(sql_system_, with_dialect, dir_ + "/sql/system.txt");
  if (!system) return system.error();
  auto user = render_template(sql_user_, with_dialect, dir_ + "/sql/user.txt");
  if (!user) return user.error();
  llm::Request request;
  request.system = *system;
  request.messages.push_back({llm::Role::kUser, *user});
  return request;
}

Result<std::string> Prompts::retry_message(const PromptValues& values) const {
  return render_template(sql_retry_, values, dir_ + "/sql/retry.txt");
}

Result<llm::Request> Prompts::answer_request(const PromptValues& values) const {
  auto system = render_template(answer_system_, values, dir_ + "/answer/system.txt");
  if (!system) return system.error();
  auto user = render_template(answer_user_, values, dir_ + "/answer/user.txt");
  if (!user) return user.error();
  llm::Request request;
  request.system = *system;
  request.messages.push_back({llm::Role::kUser, *user});
  return request;
}

}  // namespace askdb::chat
