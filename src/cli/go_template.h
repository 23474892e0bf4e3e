#pragma once
// The subset of Go's text/template that docker's --format uses, evaluated over JSON values:
//   text, {{.Field}}, {{.A.B}}, {{.}}, {{"literal"}}, {{json .X}}, pipelines {{.X | json}},
//   {{if P}}..{{else}}..{{end}}, {{range P}}..{{end}}, {{with P}}..{{end}}, "{{-" / "-}}" trims,
//   and the functions json, join, split, lower, upper, title, truncate, pad, print, println,
//   printf (%s %d %v %q), len, index, eq, ne, not, and, or.
// A missing map key prints "<no value>", as Go's does for map data.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"

namespace wharf::cli {

namespace tmpl {
struct Node;
}

class GoTemplate {
 public:
  static Result<GoTemplate> parse(std::string_view text);
  // A --format value: "json" is docker's shorthand for {{json .}}, anything else a template.
  static Result<GoTemplate> parseFormat(std::string_view format) {
    return parse(format == "json" ? std::string_view("{{json .}}") : format);
  }
  // header: run as a table header (docker's header functions: json, join, upper... return
  // their argument unchanged).
  Result<std::string> execute(const Json& data, bool header = false) const;

 private:
  std::shared_ptr<const std::vector<tmpl::Node>> nodes_;
};

}  // namespace wharf::cli
