#include "engine/shim/task_protocol.h"

#include <algorithm>
#include <set>

#include "common/json.h"

namespace wharf::shim {

namespace {

constexpr size_t kMaxArgs = 4096;  // argv and env entries of an exec
constexpr unsigned kMaxTtyDim = 65535;

const std::set<std::string_view>& knownOps() {
  static const std::set<std::string_view> ops = {"state",  "start",       "attach", "exec",
                                                 "resize", "close-stdin", "kill",   "wait",
                                                 "delete", "exec-state",  "stats",  "oom-wait"};
  return ops;
}

Result<std::vector<std::string>> readStrings(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const Json& a = j[key];
  if (!a.is_array() || a.size() > kMaxArgs)
    return invalidArgument(std::string(key) + ": want an array of at most 4096 strings");
  for (const auto& s : a) {
    if (!s.is_string()) return invalidArgument(std::string(key) + ": want strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

template <typename T>
Status readNum(const Json& j, const char* key, T& out, int64_t lo, int64_t hi) {
  if (!j.contains(key)) return okStatus();
  const Json& v = j[key];
  if (!v.is_number_integer()) return invalidArgument(std::string(key) + ": want an integer");
  int64_t n = v.get<int64_t>();
  if (n < lo || n > hi) return invalidArgument(std::string(key) + ": out of range");
  out = static_cast<T>(n);
  return okStatus();
}

Status readBool(const Json& j, const char* key, bool& out) {
  if (!j.contains(key)) return okStatus();
  if (!j[key].is_boolean()) return invalidArgument(std::string(key) + ": want a boolean");
  out = j[key].get<bool>();
  return okStatus();
}

Status readString(const Json& j, const char* key, std::string& out) {
  if (!j.contains(key)) return okStatus();
  if (!j[key].is_string()) return invalidArgument(std::string(key) + ": want a string");
  out = j[key].get<std::string>();
  return okStatus();
}

}  // namespace

std::string encodeRequest(const TaskRequest& r) {
  Json j = {{"version", kTaskProtocolVersion}, {"op", r.op}};
  if (!r.execId.empty()) j["exec"] = r.execId;
  if (r.op == "attach" || r.op == "exec") {
    j["stdin"] = r.stdinOn;
    j["stdout"] = r.stdoutOn;
    j["stderr"] = r.stderrOn;
  }
  if (r.op == "exec") {
    j["args"] = r.args;
    j["env"] = r.env;
    if (!r.cwd.empty()) j["cwd"] = r.cwd;
    j["uid"] = r.uid;
    j["gid"] = r.gid;
    j["gids"] = r.gids;
    j["tty"] = r.tty;
    j["privileged"] = r.privileged;
    j["detach"] = r.detach;
  }
  if (r.rows || r.cols) {
    j["rows"] = r.rows;
    j["cols"] = r.cols;
  }
  if (r.op == "kill") {
    j["signal"] = r.signal;
    j["all"] = r.all;
  }
  if (r.op == "oom-wait") j["seen"] = r.oomSeen;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<TaskRequest> decodeRequest(std::string_view line) {
  if (line.size() > kMaxRequestLine) return invalidArgument("request line too long");
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(line, "task request", 4));
  if (!j.is_object()) return invalidArgument("task request: want a JSON object");
  int version = 0;
  WHARF_TRY(readNum(j, "version", version, 0, 1 << 20));
  if (version != kTaskProtocolVersion)
    return invalidArgument("task request: protocol version " + std::to_string(version) +
                           " is not supported (this shim speaks version " +
                           std::to_string(kTaskProtocolVersion) + ")");
  TaskRequest r;
  WHARF_TRY(readString(j, "op", r.op));
  if (!knownOps().count(r.op)) return invalidArgument("task request: unknown op \"" + r.op + "\"");
  WHARF_TRY(readString(j, "exec", r.execId));
  if (r.execId.size() > 128) return invalidArgument("task request: exec id too long");
  WHARF_TRY(readBool(j, "stdin", r.stdinOn));
  WHARF_TRY(readBool(j, "stdout", r.stdoutOn));
  WHARF_TRY(readBool(j, "stderr", r.stderrOn));
  WHARF_ASSIGN_OR_RETURN(r.args, readStrings(j, "args"));
  WHARF_ASSIGN_OR_RETURN(r.env, readStrings(j, "env"));
  WHARF_TRY(readString(j, "cwd", r.cwd));
  WHARF_TRY(readNum(j, "uid", r.uid, 0, UINT32_MAX));
  WHARF_TRY(readNum(j, "gid", r.gid, 0, UINT32_MAX));
  if (j.contains("gids")) {
    const Json& g = j["gids"];
    if (!g.is_array() || g.size() > 1024) return invalidArgument("gids: want an array");
    for (const auto& v : g) {
      if (!v.is_number_unsigned() || v.get<uint64_t>() > UINT32_MAX)
        return invalidArgument("gids: want group ids");
      r.gids.push_back(static_cast<uint32_t>(v.get<uint64_t>()));
    }
  }
  WHARF_TRY(readBool(j, "tty", r.tty));
  WHARF_TRY(readBool(j, "privileged", r.privileged));
  WHARF_TRY(readBool(j, "detach", r.detach));
  WHARF_TRY(readNum(j, "rows", r.rows, 0, kMaxTtyDim));
  WHARF_TRY(readNum(j, "cols", r.cols, 0, kMaxTtyDim));
  WHARF_TRY(readNum(j, "signal", r.signal, 0, 64));
  WHARF_TRY(readBool(j, "all", r.all));
  WHARF_TRY(readNum(j, "seen", r.oomSeen, 0, INT64_MAX));
  if (r.op == "exec") {
    if (r.execId.empty()) return invalidArgument("exec: the exec id is missing");
    if (r.args.empty()) return invalidArgument("exec: no command");
  }
  if ((r.op == "exec-state" || r.op == "delete") && r.execId.empty())
    return invalidArgument(r.op + ": the exec id is missing");
  if (r.op == "kill" && r.signal == 0) return invalidArgument("kill: no signal");
  return r;
}

bool isUnknownOp(const Error& e) {
  return e.category() == ErrorCategory::kInvalidArgument &&
         e.message().find("unknown op") != std::string::npos;
}

std::string encodeReply(const TaskReply& r) {
  Json j;
  if (r.error) {
    j = {{"ok", false},
         {"category", static_cast<int>(r.error->category())},
         {"message", r.error->message()}};
  } else {
    j = {{"ok", true}, {"pid", r.pid}, {"exitCode", r.exitCode}, {"running", r.running}};
    if (!r.status.empty()) j["status"] = r.status;
    if (r.stats) j["stats"] = statsToJson(*r.stats);
    if (r.oomKills) j["oomKills"] = r.oomKills;
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<TaskReply> decodeReply(std::string_view line) {
  if (line.size() > kMaxRequestLine) return internalError("wharf-shim: reply too long");
  auto parsed = parseJson(line, "wharf-shim reply", 4);
  if (!parsed.ok()) return internalError(parsed.error().message());
  const Json& j = *parsed;
  if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean())
    return internalError("wharf-shim reply: want an object with \"ok\"");
  TaskReply r;
  if (!j["ok"].get<bool>()) {
    int cat = 0;
    std::string msg;
    (void)readNum(j, "category", cat, 0, static_cast<int>(ErrorCategory::kUnauthorized));
    (void)readString(j, "message", msg);
    r.error = Error(static_cast<ErrorCategory>(cat), msg);
    return r;
  }
  (void)readString(j, "status", r.status);
  WHARF_TRY(readNum(j, "pid", r.pid, INT32_MIN, INT32_MAX));
  WHARF_TRY(readNum(j, "exitCode", r.exitCode, INT32_MIN, INT32_MAX));
  WHARF_TRY(readBool(j, "running", r.running));
  if (j.contains("stats")) {
    auto st = statsFromJson(j["stats"]);
    if (!st.ok()) return internalError("wharf-shim reply: " + st.error().message());
    r.stats = std::move(*st);
  }
  WHARF_TRY(readNum(j, "oomKills", r.oomKills, 0, INT64_MAX));
  return r;
}

void appendFrame(std::string& out, FrameType type, std::string_view payload) {
  do {
    size_t n = std::min(payload.size(), kMaxFramePayload);
    char h[kFrameHeaderSize] = {static_cast<char>(type), static_cast<char>((n >> 24) & 0xff),
                                static_cast<char>((n >> 16) & 0xff),
                                static_cast<char>((n >> 8) & 0xff), static_cast<char>(n & 0xff)};
    out.append(h, sizeof h);
    out.append(payload.substr(0, n));
    payload.remove_prefix(n);
  } while (!payload.empty());
}

void FrameReader::append(std::string_view bytes) {
  // Compact before growing: the consumed prefix is dead.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > (size_t{64} << 10))) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

Result<std::optional<Frame>> FrameReader::next() {
  if (buf_.size() - pos_ < kFrameHeaderSize) return std::optional<Frame>();
  auto b = [&](size_t i) { return static_cast<uint8_t>(buf_[pos_ + i]); };
  uint8_t type = b(0);
  if (type > static_cast<uint8_t>(FrameType::kExit))
    return invalidArgument("task stream: unknown frame type " + std::to_string(type));
  size_t len = (size_t{b(1)} << 24) | (size_t{b(2)} << 16) | (size_t{b(3)} << 8) | b(4);
  if (len > kMaxFramePayload)
    return invalidArgument("task stream: frame of " + std::to_string(len) + " bytes is too big");
  if (buf_.size() - pos_ < kFrameHeaderSize + len) return std::optional<Frame>();
  Frame f{static_cast<FrameType>(type),
          std::string_view(buf_).substr(pos_ + kFrameHeaderSize, len)};
  pos_ += kFrameHeaderSize + len;
  return std::optional<Frame>(f);
}

Result<bool> LineReader::feed(std::string_view bytes) {
  if (done_) {
    rest_.append(bytes);
    return true;
  }
  size_t nl = bytes.find('\n');
  size_t take = nl == std::string_view::npos ? bytes.size() : nl;
  if (line_.size() + take > kMaxRequestLine)
    return invalidArgument("task request line longer than " + std::to_string(kMaxRequestLine) +
                           " bytes");
  line_.append(bytes.substr(0, take));
  if (nl == std::string_view::npos) return false;
  done_ = true;
  rest_.append(bytes.substr(nl + 1));
  return true;
}

}  // namespace wharf::shim
