#include "cli/go_template.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "cli/format.h"
#include "cli/internal/template_funcs.h"

namespace wharf::cli {

namespace tmpl {

struct Pipeline;

struct Arg {
  enum class Kind { kField, kString, kNumber, kBool, kNil, kFunc, kParen };
  Kind kind = Kind::kField;
  std::vector<std::string> path;  // kField: ".A.B" -> {"A","B"}; "." -> {}
  std::string text;               // kString / kFunc name
  Json number;
  std::shared_ptr<Pipeline> sub;  // kParen
};

struct Command {
  std::vector<Arg> args;
};

struct Pipeline {
  std::vector<Command> cmds;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith };
  Kind kind = Kind::kText;
  std::string text;
  Pipeline pipe;
  std::vector<Node> body;
  std::vector<Node> elseBody;
};

}  // namespace tmpl

namespace {

using tmpl::Arg;
using tmpl::Command;
using tmpl::Node;
using tmpl::Pipeline;

// ---- lexing one action ----------------------------------------------------------------------

struct Token {
  enum class Kind { kField, kString, kNumber, kIdent, kPipe, kLParen, kRParen };
  Kind kind;
  std::string text;
};

Result<std::vector<Token>> lexAction(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto isIdent = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '|') {
      out.push_back({Token::Kind::kPipe, "|"});
      ++i;
    } else if (c == '(') {
      out.push_back({Token::Kind::kLParen, "("});
      ++i;
    } else if (c == ')') {
      out.push_back({Token::Kind::kRParen, ")"});
      ++i;
    } else if (c == '.' || c == '$') {
      size_t j = i + 1;
      while (j < s.size() && (isIdent(s[j]) || s[j] == '.')) ++j;
      out.push_back({Token::Kind::kField, std::string(s.substr(i, j - i))});
      i = j;
    } else if (c == '"') {
      std::string lit;
      size_t j = i + 1;
      for (; j < s.size() && s[j] != '"'; ++j) {
        if (s[j] == '\\' && j + 1 < s.size()) {
          char e = s[++j];
          lit += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        } else {
          lit += s[j];
        }
      }
      if (j >= s.size()) return invalidArgument("unterminated quoted string");
      out.push_back({Token::Kind::kString, lit});
      i = j + 1;
    } else if (c == '`') {
      size_t j = s.find('`', i + 1);
      if (j == std::string_view::npos) return invalidArgument("unterminated raw quoted string");
      out.push_back({Token::Kind::kString, std::string(s.substr(i + 1, j - i - 1))});
      i = j + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      size_t j = i + 1;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      out.push_back({Token::Kind::kNumber, std::string(s.substr(i, j - i))});
      i = j;
    } else if (isIdent(c)) {
      size_t j = i;
      while (j < s.size() && isIdent(s[j])) ++j;
      out.push_back({Token::Kind::kIdent, std::string(s.substr(i, j - i))});
      i = j;
    } else {
      return invalidArgument(std::string("unexpected \"") + c + "\" in command");
    }
  }
  return out;
}

Result<Pipeline> parsePipeline(const std::vector<Token>& toks, size_t& i, bool inParen);

Result<Arg> parseArg(const std::vector<Token>& toks, size_t& i) {
  const Token& t = toks[i];
  Arg a;
  switch (t.kind) {
    case Token::Kind::kField: {
      a.kind = Arg::Kind::kField;
      std::string_view f = t.text;
      if (f.starts_with("$")) f.remove_prefix(1);  // "$" is the top-level data
      size_t p = 0;
      while (p < f.size()) {
        if (f[p] == '.') ++p;
        size_t q = f.find('.', p);
        std::string part(f.substr(p, q == std::string_view::npos ? std::string_view::npos : q - p));
        if (!part.empty()) a.path.push_back(part);
        if (q == std::string_view::npos) break;
        p = q;
      }
      if (t.text.starts_with("$")) a.text = "$";
      ++i;
      return a;
    }
    case Token::Kind::kString:
      a.kind = Arg::Kind::kString;
      a.text = t.text;
      ++i;
      return a;
    case Token::Kind::kNumber: {
      a.kind = Arg::Kind::kNumber;
      if (t.text.find('.') != std::string::npos)
        a.number = std::strtod(t.text.c_str(), nullptr);
      else
        a.number = std::strtoll(t.text.c_str(), nullptr, 10);
      ++i;
      return a;
    }
    case Token::Kind::kIdent:
      if (t.text == "true" || t.text == "false") {
        a.kind = Arg::Kind::kBool;
        a.number = t.text == "true";
      } else if (t.text == "nil") {
        a.kind = Arg::Kind::kNil;
      } else {
        a.kind = Arg::Kind::kFunc;
        a.text = t.text;
      }
      ++i;
      return a;
    case Token::Kind::kLParen: {
      ++i;
      WHARF_ASSIGN_OR_RETURN(Pipeline p, parsePipeline(toks, i, true));
      a.kind = Arg::Kind::kParen;
      a.sub = std::make_shared<Pipeline>(std::move(p));
      return a;
    }
    default:
      return invalidArgument("unexpected \"" + t.text + "\" in operand");
  }
}

Result<Pipeline> parsePipeline(const std::vector<Token>& toks, size_t& i, bool inParen) {
  Pipeline p;
  Command cur;
  while (i < toks.size()) {
    if (toks[i].kind == Token::Kind::kRParen) {
      if (!inParen) return invalidArgument("unexpected right paren");
      ++i;
      inParen = false;
      break;
    }
    if (toks[i].kind == Token::Kind::kPipe) {
      if (cur.args.empty()) return invalidArgument("missing command before |");
      p.cmds.push_back(std::move(cur));
      cur = Command{};
      ++i;
      continue;
    }
    WHARF_ASSIGN_OR_RETURN(Arg a, parseArg(toks, i));
    cur.args.push_back(std::move(a));
  }
  if (inParen) return invalidArgument("unclosed left paren");
  if (cur.args.empty()) return invalidArgument("missing value for command");
  p.cmds.push_back(std::move(cur));
  return p;
}

// ---- parsing the node tree ------------------------------------------------------------------

Result<std::vector<Node>> parseNodes(std::string_view text) {
  // A stack of open blocks; the innermost receives the nodes (its else branch after {{else}}).
  struct Open {
    Node node;
    bool inElse = false;
  };
  std::vector<Node> root;
  std::vector<Open> stack;
  auto sink = [&]() -> std::vector<Node>& {
    if (stack.empty()) return root;
    return stack.back().inElse ? stack.back().node.elseBody : stack.back().node.body;
  };
  size_t pos = 0;
  std::string pendingText;
  bool trimNextLeading = false;
  while (pos <= text.size()) {
    size_t open = text.find("{{", pos);
    std::string chunk(
        text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (trimNextLeading) {
      size_t k = chunk.find_first_not_of(" \t\r\n");
      chunk = k == std::string::npos ? "" : chunk.substr(k);
    }
    trimNextLeading = false;
    if (open == std::string_view::npos) {
      if (!chunk.empty()) sink().push_back(Node{Node::Kind::kText, chunk, {}, {}, {}});
      break;
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return invalidArgument("unclosed action");
    std::string_view inner = text.substr(open + 2, close - open - 2);
    if (inner.starts_with("- ") || inner == "-") {
      size_t k = chunk.find_last_not_of(" \t\r\n");
      chunk = k == std::string::npos ? "" : chunk.substr(0, k + 1);
      inner.remove_prefix(1);
    }
    if (inner.ends_with(" -")) {
      trimNextLeading = true;
      inner.remove_suffix(1);
    }
    if (!chunk.empty()) sink().push_back(Node{Node::Kind::kText, chunk, {}, {}, {}});
    pos = close + 2;

    // Comments.
    std::string_view trimmed = inner;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
      trimmed.remove_prefix(1);
    if (trimmed.starts_with("/*")) continue;
    WHARF_ASSIGN_OR_RETURN(std::vector<Token> toks, lexAction(inner));
    if (toks.empty()) return invalidArgument("missing value for command");
    const Token& first = toks[0];
    if (first.kind == Token::Kind::kIdent &&
        (first.text == "if" || first.text == "range" || first.text == "with")) {
      size_t i = 1;
      WHARF_ASSIGN_OR_RETURN(Pipeline p, parsePipeline(toks, i, false));
      Open o;
      o.node.kind = first.text == "if"      ? Node::Kind::kIf
                    : first.text == "range" ? Node::Kind::kRange
                                            : Node::Kind::kWith;
      o.node.pipe = std::move(p);
      stack.push_back(std::move(o));
    } else if (first.kind == Token::Kind::kIdent && first.text == "else") {
      if (stack.empty() || stack.back().inElse) return invalidArgument("unexpected {{else}}");
      stack.back().inElse = true;
      if (toks.size() > 1) return invalidArgument("\"else if\" is not supported");
    } else if (first.kind == Token::Kind::kIdent && first.text == "end") {
      if (stack.empty()) return invalidArgument("unexpected {{end}}");
      Node n = std::move(stack.back().node);
      stack.pop_back();
      sink().push_back(std::move(n));
    } else {
      size_t i = 0;
      WHARF_ASSIGN_OR_RETURN(Pipeline p, parsePipeline(toks, i, false));
      Node n;
      n.kind = Node::Kind::kAction;
      n.pipe = std::move(p);
      sink().push_back(std::move(n));
    }
  }
  if (!stack.empty()) return invalidArgument("unexpected EOF: missing {{end}}");
  return root;
}

// ---- evaluation -----------------------------------------------------------------------------

const Json kNoValue = "<no value>";

using tmpl::truthy;

struct Evaluator {
  const Json& root;
  // Table headers run the row template over the column titles; docker's header functions
  // then pass their argument through untouched (a "json" column keeps its plain title).
  bool header = false;

  Result<Json> field(const Json& dot, const Arg& a) const {
    const Json* cur = a.text == "$" ? &root : &dot;
    for (const auto& key : a.path) {
      if (cur->is_null()) return kNoValue;
      if (!cur->is_object())
        return invalidArgument("can't evaluate field " + key + " in type " +
                               std::string(cur->type_name()));
      auto it = cur->find(key);
      if (it == cur->end()) return kNoValue;
      cur = &*it;
    }
    return *cur;
  }

  Result<Json> operand(const Json& dot, const Arg& a) const {
    switch (a.kind) {
      case Arg::Kind::kField:
        return field(dot, a);
      case Arg::Kind::kString:
        return Json(a.text);
      case Arg::Kind::kNumber:
      case Arg::Kind::kBool:
        return a.number;
      case Arg::Kind::kNil:
        return Json();
      case Arg::Kind::kParen:
        return pipeline(dot, *a.sub);
      case Arg::Kind::kFunc:
        return call(a.text, {});
    }
    return Json();
  }

  // docker's {{.Label "key"}} method on ps/images rows: Labels is an object (inspect) or the
  // row's "k=v,k2=v2" string.
  static Json label(const Json& dot, const std::string& key) {
    auto it = dot.is_object() ? dot.find("Labels") : dot.end();
    if (dot.is_object() && it != dot.end()) {
      if (it->is_object()) return it->value(key, std::string());
      if (it->is_string()) {
        std::string all = it->get<std::string>();
        size_t pos = 0;
        while (pos <= all.size()) {
          size_t comma = all.find(',', pos);
          std::string kv =
              all.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
          size_t eq = kv.find('=');
          if (kv.substr(0, eq) == key) return eq == std::string::npos ? "" : kv.substr(eq + 1);
          if (comma == std::string::npos) break;
          pos = comma + 1;
        }
      }
    }
    return std::string();
  }

  Result<Json> call(const std::string& fn, const std::vector<Json>& args) const {
    return tmpl::callFunction(fn, args, header);
  }

  Result<Json> command(const Json& dot, const Command& c, const Json* piped) const {
    const Arg& head = c.args[0];
    if (head.kind == Arg::Kind::kFunc) {
      std::vector<Json> args;
      for (size_t i = 1; i < c.args.size(); ++i) {
        WHARF_ASSIGN_OR_RETURN(Json v, operand(dot, c.args[i]));
        args.push_back(std::move(v));
      }
      if (piped != nullptr) args.push_back(*piped);
      return call(head.text, args);
    }
    if (head.kind == Arg::Kind::kField && head.path.size() == 1 && head.path[0] == "Label" &&
        c.args.size() == 2 && piped == nullptr) {
      WHARF_ASSIGN_OR_RETURN(Json key, operand(dot, c.args[1]));
      return label(dot, goValueString(key));
    }
    if (c.args.size() > 1 || piped != nullptr)
      return invalidArgument("can't give argument to non-function");
    return operand(dot, head);
  }

  Result<Json> pipeline(const Json& dot, const Pipeline& p) const {
    Json value;
    for (size_t i = 0; i < p.cmds.size(); ++i) {
      WHARF_ASSIGN_OR_RETURN(value, command(dot, p.cmds[i], i == 0 ? nullptr : &value));
    }
    return value;
  }

  Status run(const Json& dot, const std::vector<Node>& nodes, std::string& out) const {
    for (const Node& n : nodes) {
      switch (n.kind) {
        case Node::Kind::kText:
          out += n.text;
          break;
        case Node::Kind::kAction: {
          WHARF_ASSIGN_OR_RETURN(Json v, pipeline(dot, n.pipe));
          out += goValueString(v);
          break;
        }
        case Node::Kind::kIf: {
          WHARF_ASSIGN_OR_RETURN(Json v, pipeline(dot, n.pipe));
          WHARF_TRY(run(dot, truthy(v) ? n.body : n.elseBody, out));
          break;
        }
        case Node::Kind::kWith: {
          WHARF_ASSIGN_OR_RETURN(Json v, pipeline(dot, n.pipe));
          if (truthy(v)) {
            WHARF_TRY(run(v, n.body, out));
          } else {
            WHARF_TRY(run(dot, n.elseBody, out));
          }
          break;
        }
        case Node::Kind::kRange: {
          WHARF_ASSIGN_OR_RETURN(Json v, pipeline(dot, n.pipe));
          if (!truthy(v)) {
            WHARF_TRY(run(dot, n.elseBody, out));
            break;
          }
          if (!v.is_array() && !v.is_object())
            return invalidArgument("range can't iterate over " + goValueString(v));
          for (const auto& e : v) WHARF_TRY(run(e, n.body, out));
          break;
        }
      }
    }
    return okStatus();
  }
};

}  // namespace

Result<GoTemplate> GoTemplate::parse(std::string_view text) {
  auto nodes = parseNodes(text);
  if (!nodes.ok()) return std::move(nodes).error().context("template parsing error");
  GoTemplate t;
  t.nodes_ = std::make_shared<const std::vector<Node>>(std::move(nodes).value());
  return t;
}

Result<std::string> GoTemplate::execute(const Json& data, bool header) const {
  std::string out;
  Evaluator ev{data, header};
  Status st = ev.run(data, *nodes_, out);
  if (!st.ok()) return std::move(st).error().context("template");
  return out;
}

}  // namespace wharf::cli
