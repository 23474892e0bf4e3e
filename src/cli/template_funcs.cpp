#include "cli/internal/template_funcs.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>

#include "cli/format.h"

namespace wharf::cli::tmpl {

bool truthy(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return false;
    case Json::value_t::boolean:
      return v.get<bool>();
    case Json::value_t::string:
      return !v.get<std::string>().empty();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return v.get<double>() != 0;
    case Json::value_t::array:
    case Json::value_t::object:
      return !v.empty();
    default:
      return true;
  }
}

namespace {

std::string jsonString(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Go's fmt.Sprintf for the verbs templates use: %s %v %q %d %x %X %f %t %%, with the flags
// '-' and '0', a width and a precision ("%-20s", "%.5s", "%8.2f"). Width and precision are
// capped so that a format string cannot ask for gigabytes.
std::string goSprintf(const std::string& f, const std::vector<Json>& args) {
  constexpr size_t kMaxWidth = 4096;
  std::string out;
  size_t ai = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%' || i + 1 >= f.size()) {
      out += f[i];
      continue;
    }
    ++i;
    bool left = false, zero = false, plus = false;
    for (; i < f.size() && std::strchr("-0+ #", f[i]); ++i) {
      left = left || f[i] == '-';
      zero = zero || f[i] == '0';
      plus = plus || f[i] == '+';
    }
    auto number = [&]() {
      size_t n = 0;
      for (; i < f.size() && std::isdigit(static_cast<unsigned char>(f[i])); ++i)
        n = std::min(kMaxWidth, n * 10 + static_cast<size_t>(f[i] - '0'));
      return n;
    };
    size_t width = number();
    std::optional<size_t> prec;
    if (i < f.size() && f[i] == '.') {
      ++i;
      prec = number();
    }
    if (i >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = f[i];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (ai >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Json& a = args[ai++];
    std::string text;
    bool numeric = a.is_number();
    if ((verb == 'd' || verb == 'x' || verb == 'X') && a.is_number_integer()) {
      char buf[32];
      if (verb == 'd') {
        std::snprintf(buf, sizeof buf, plus ? "%+lld" : "%lld", a.get<long long>());
      } else {
        std::snprintf(buf, sizeof buf, verb == 'x' ? "%llx" : "%llX", a.get<long long>());
      }
      text = buf;
    } else if (verb == 'f' && numeric) {
      char buf[512];
      std::snprintf(buf, sizeof buf, "%.*f",
                    static_cast<int>(std::min<size_t>(prec.value_or(6), 100)), a.get<double>());
      text = buf;
    } else if (verb == 'x' || verb == 'X') {
      static const char* kHex[] = {"0123456789abcdef", "0123456789ABCDEF"};
      for (unsigned char c : goValueString(a)) {
        text += kHex[verb == 'X'][c >> 4];
        text += kHex[verb == 'X'][c & 15];
      }
    } else {
      text = goValueString(a);
      // Precision counts runes for strings: cut at a UTF-8 character boundary.
      if (prec && (verb == 's' || verb == 'v')) {
        size_t runes = 0, k = 0;
        for (; k < text.size(); ++k) {
          if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80 && runes++ == *prec) break;
        }
        text.resize(k);
      }
      if (verb == 'q') text = goQuote(text);
      numeric = false;
    }
    size_t runes = 0;
    for (unsigned char c : text) runes += (c & 0xC0) != 0x80;
    if (runes < width) {
      std::string pad(width - runes, zero && !left && numeric ? '0' : ' ');
      if (left) {
        text += pad;
      } else if (pad[0] == '0' && !text.empty() && (text[0] == '-' || text[0] == '+')) {
        text = text[0] + pad + text.substr(1);
      } else {
        text = pad + text;
      }
    }
    out += text;
  }
  return out;
}

}  // namespace

Result<Json> callFunction(const std::string& fn, const std::vector<Json>& args, bool header) {
  auto need = [&](size_t n) -> Status {
    if (args.size() != n)
      return invalidArgument("wrong number of args for " + fn + ": want " + std::to_string(n) +
                             " got " + std::to_string(args.size()));
    return okStatus();
  };
  auto str = [](const Json& v) { return goValueString(v); };
  if (header && !args.empty() &&
      (fn == "json" || fn == "join" || fn == "split" || fn == "lower" || fn == "upper" ||
       fn == "title" || fn == "pad" || fn == "truncate"))
    return args[0];
  if (fn == "json") {
    WHARF_TRY(need(1));
    return Json(jsonString(args[0]));
  }
  if (fn == "join") {
    WHARF_TRY(need(2));
    std::string out;
    if (args[0].is_array()) {
      bool first = true;
      for (const auto& e : args[0]) {
        if (!first) out += str(args[1]);
        first = false;
        out += str(e);
      }
    } else if (!args[0].is_null()) {
      out = str(args[0]);
    }
    return Json(out);
  }
  if (fn == "split") {
    WHARF_TRY(need(2));
    std::string s = str(args[0]), sep = str(args[1]);
    Json out = Json::array();
    if (sep.empty()) {
      for (char c : s) out.push_back(std::string(1, c));
      return out;
    }
    size_t p = 0;
    while (true) {
      size_t q = s.find(sep, p);
      out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
      if (q == std::string::npos) break;
      p = q + sep.size();
    }
    return out;
  }
  if (fn == "lower" || fn == "upper" || fn == "title") {
    WHARF_TRY(need(1));
    std::string s = str(args[0]);
    bool startOfWord = true;
    for (char& c : s) {
      auto u = static_cast<unsigned char>(c);
      if (fn == "lower") c = static_cast<char>(std::tolower(u));
      if (fn == "upper") c = static_cast<char>(std::toupper(u));
      if (fn == "title") {
        if (startOfWord) c = static_cast<char>(std::toupper(u));
        startOfWord = std::isspace(u) != 0;
      }
    }
    return Json(s);
  }
  if (fn == "truncate") {
    WHARF_TRY(need(2));
    std::string s = str(args[0]);
    auto n =
        static_cast<size_t>(std::max<int64_t>(0, args[1].is_number() ? args[1].get<int64_t>() : 0));
    if (runeCount(s) <= n) return Json(s);
    std::string out;
    size_t runes = 0;
    for (char c : s) {
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && runes++ == n) break;
      out += c;
    }
    return Json(out);
  }
  if (fn == "pad") {
    WHARF_TRY(need(3));
    auto l = args[1].is_number() ? args[1].get<int64_t>() : 0;
    auto r = args[2].is_number() ? args[2].get<int64_t>() : 0;
    return Json(std::string(static_cast<size_t>(std::max<int64_t>(l, 0)), ' ') + str(args[0]) +
                std::string(static_cast<size_t>(std::max<int64_t>(r, 0)), ' '));
  }
  if (fn == "print" || fn == "println") {
    std::string out;
    for (size_t i = 0; i < args.size(); ++i) {
      // Sprint adds spaces between operands when neither is a string; Sprintln always.
      bool space = fn == "println" || (i > 0 && !args[i].is_string() && !args[i - 1].is_string());
      if (i > 0 && space) out += ' ';
      out += str(args[i]);
    }
    if (fn == "println") out += '\n';
    return Json(out);
  }
  if (fn == "printf") {
    if (args.empty()) return invalidArgument("wrong number of args for printf");
    return Json(goSprintf(str(args[0]), std::vector<Json>(args.begin() + 1, args.end())));
  }
  if (fn == "len") {
    WHARF_TRY(need(1));
    if (args[0].is_string()) return Json(args[0].get<std::string>().size());
    if (args[0].is_array() || args[0].is_object()) return Json(args[0].size());
    return invalidArgument("len of " + std::string(args[0].type_name()));
  }
  if (fn == "index") {
    if (args.empty()) return invalidArgument("wrong number of args for index");
    Json cur = args[0];
    for (size_t i = 1; i < args.size(); ++i) {
      if (cur.is_object() && args[i].is_string()) {
        auto it = cur.find(args[i].get<std::string>());
        cur = it == cur.end() ? Json() : *it;
      } else if (cur.is_array() && args[i].is_number_integer()) {
        auto k = args[i].get<int64_t>();
        if (k < 0 || static_cast<size_t>(k) >= cur.size())
          return invalidArgument("index out of range: " + std::to_string(k));
        cur = cur[static_cast<size_t>(k)];
      } else if (cur.is_null()) {
        return Json();
      } else {
        return invalidArgument("can't index item of type " + std::string(cur.type_name()));
      }
    }
    return cur;
  }
  if (fn == "eq" || fn == "ne") {
    if (args.size() < 2) return invalidArgument("missing argument for comparison");
    bool eq = false;
    for (size_t i = 1; i < args.size(); ++i) eq = eq || args[0] == args[i];
    return Json(fn == "eq" ? eq : !eq);
  }
  if (fn == "not") {
    WHARF_TRY(need(1));
    return Json(!truthy(args[0]));
  }
  if (fn == "and" || fn == "or") {
    if (args.empty()) return invalidArgument("wrong number of args for " + fn);
    for (const auto& a : args)
      if (truthy(a) == (fn == "or")) return a;
    return args.back();
  }
  return invalidArgument("function \"" + fn + "\" not defined");
}

}  // namespace wharf::cli::tmpl
