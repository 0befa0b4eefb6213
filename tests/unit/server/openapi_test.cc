// web/openapi.json, the API description the server serves at GET /api/v1/openapi.json: valid
// JSON, OpenAPI 3.1, one operation for each route the server registers, and internally
// consistent ($refs that resolve, an operationId and a 2xx response on every operation).

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

struct Route {
  const char* method;  // as in OpenAPI: lower case
  const char* path;
};

// The routes make_router registers in src/server/app.cc. Kept in sync BY HAND: a route added
// there (or removed) must be changed here and described in web/openapi.json.
const std::vector<Route> kRoutes = {
    {"get", "/healthz"},
    {"get", "/readyz"},
    {"get", "/metrics"},  // unless server.metrics = off
    {"get", "/api/v1/session"},
    {"post", "/api/v1/login"},
    {"post", "/api/v1/logout"},
    {"get", "/api/v1/conversations"},
    {"post", "/api/v1/conversations"},
    {"get", "/api/v1/conversations/{id}"},
    {"patch", "/api/v1/conversations/{id}"},
    {"delete", "/api/v1/conversations/{id}"},
    {"post", "/api/v1/conversations/{id}/messages"},
    {"post", "/api/v1/messages/{id}/feedback"},
    {"get", "/api/v1/examples"},
    {"post", "/api/v1/examples"},
    {"get", "/api/v1/notes"},
    {"post", "/api/v1/notes"},
    {"get", "/api/v1/schema"},
    {"get", "/api/v1/openapi.json"},
};

const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                        "options", "head", "patch", "trace"};

json load_document() {
  std::ifstream in(std::string(ASKDB_SOURCE_DIR) + "/web/openapi.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

// Every "$ref" string anywhere in `node`.
void collect_refs(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        out.push_back(value.get<std::string>());
      } else {
        collect_refs(value, out);
      }
    }
  } else if (node.is_array()) {
    for (const auto& value : node) collect_refs(value, out);
  }
}

class OpenApiTest : public ::testing::Test {
 protected:
  const json doc = load_document();
};

TEST_F(OpenApiTest, IsOpenApi31) {
  ASSERT_FALSE(doc.is_discarded()) << "web/openapi.json is missing or not valid JSON";
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc.contains("openapi") && doc["openapi"].is_string());
  EXPECT_TRUE(doc["openapi"].get<std::string>().starts_with("3.1."));
  EXPECT_EQ(doc["info"]["title"], "askdb");
  EXPECT_EQ(doc["info"]["version"], "0.1.0");
  ASSERT_TRUE(doc["paths"].is_object());
}

TEST_F(OpenApiTest, DescribesEveryRoute) {
  ASSERT_TRUE(doc.is_object() && doc.contains("paths"));
  const json& paths = doc["paths"];
  for (const Route& route : kRoutes) {
    EXPECT_TRUE(paths.contains(route.path) && paths[route.path].contains(route.method))
        << route.method << " " << route.path << " is not in web/openapi.json";
  }
}

TEST_F(OpenApiTest, DescribesNoOtherRoute) {
  ASSERT_TRUE(doc.is_object() && doc.contains("paths"));
  std::set<std::string> registered;
  for (const Route& route : kRoutes)
    registered.insert(std::string(route.method) + " " + route.path);
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      EXPECT_TRUE(registered.contains(method + " " + path))
          << method << " " << path << " is described but not a route of make_router";
    }
  }
}

TEST_F(OpenApiTest, EveryRefResolves) {
  ASSERT_TRUE(doc.is_object());
  std::vector<std::string> refs;
  collect_refs(doc, refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/")) << ref << " points outside the document";
    EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << ref << " does not resolve";
  }
}

TEST_F(OpenApiTest, EveryOperationHasAnIdAndA2xxResponse) {
  ASSERT_TRUE(doc.is_object() && doc.contains("paths"));
  std::set<std::string> ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      const std::string where = method + " " + path;
      ASSERT_TRUE(operation.contains("operationId") && operation["operationId"].is_string())
          << where << " has no operationId";
      EXPECT_TRUE(ids.insert(operation["operationId"].get<std::string>()).second)
          << where << ": operationId " << operation["operationId"] << " is used twice";
      bool has_2xx = false;
      for (const auto& [status, response] : operation["responses"].items()) {
        has_2xx = has_2xx || status.starts_with("2");
      }
      EXPECT_TRUE(has_2xx) << where << " has no 2xx response";
    }
  }
}

}  // namespace
