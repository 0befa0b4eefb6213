// Where askdb finds the files it ships with (prompts/, demo/, web/): a configured folder, else
// beside the installed binary (../share/askdb/<name>), else the source tree it was built from.
#pragma once

#include <string>

#include "core/result.h"

namespace askdb {

// Returns the folder for `name` ("prompts", "demo"); `configured` wins when non-empty.
// Error{kConfig} says where askdb looked and which setting to use.
Result<std::string> find_data_dir(const std::string& name, const std::string& configured,
                                  const std::string& setting);

}  // namespace askdb
