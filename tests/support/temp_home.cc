#include "support/temp_home.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace askdb::testing {

TempHome::TempHome(const std::string& tag) {
  std::string templ = "/tmp/" + tag + "-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
  chmod(path_.c_str(), 0711);
}

TempHome::~TempHome() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string write_tiny_demo(const std::string& parent) {
  const std::string dir = parent + "/tiny-demo";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/schema.sql")
      << "CREATE TABLE cities (city_id int PRIMARY KEY, name text NOT NULL);\n"
         "COMMENT ON TABLE cities IS 'Cities we sell in';\n"
         "CREATE TABLE sales (sale_id int PRIMARY KEY, city_id int REFERENCES cities, "
         "amount numeric(10,2));\n";
  std::ofstream(dir + "/data.sql")
      << "INSERT INTO cities VALUES (1, 'São Paulo'), (2, 'Zürich');\n"
         "INSERT INTO sales SELECT g, 1 + g % 2, g * 1.5 FROM generate_series(1, 100) g;\n";
  std::ofstream(dir + "/examples.json")
      << R"([{"question": "How many sales are there?", "sql": "SELECT count(*) AS sales FROM sales"}])";
  return dir;
}

}  // namespace askdb::testing
