#pragma once
// wharf-runtime's command line, runc's: global flags, a command, its flags and operands.

#include <map>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace wharf::runtime_cli {

struct Args {
  std::string command;
  std::vector<std::string> operands;
  std::map<std::string, std::vector<std::string>> flags;  // "bundle" -> {"/x"}; booleans -> {""}
  bool has(const std::string& f) const { return flags.count(f) != 0; }
  std::string get(const std::string& f, const std::string& def = "") const {
    auto it = flags.find(f);
    return it == flags.end() || it->second.empty() ? def : it->second.back();
  }
};

struct Globals {
  std::string root = "/run/wharf-runtime";
  std::string logFile;
  std::string logFormat = "text";
  bool debug = false;
  bool systemdCgroup = false;
};

// Each returns the process exit code; errors are reported through reportError.
int cmdCreate(runtime::Runtime& rt, const Args& a);
int cmdStart(runtime::Runtime& rt, const Args& a);
int cmdRun(runtime::Runtime& rt, const Args& a);
int cmdState(runtime::Runtime& rt, const Args& a);
int cmdKill(runtime::Runtime& rt, const Args& a);
int cmdDelete(runtime::Runtime& rt, const Args& a);
int cmdList(runtime::Runtime& rt, const Args& a);
int cmdPs(runtime::Runtime& rt, const Args& a);
int cmdPause(runtime::Runtime& rt, const Args& a);
int cmdResume(runtime::Runtime& rt, const Args& a);
int cmdUpdate(runtime::Runtime& rt, const Args& a);
int cmdExec(runtime::Runtime& rt, const Args& a);
int cmdSpec(const Args& a);
int cmdFeatures(const Args& a);

// Prints "wharf-runtime: <msg>" on stderr and to --log in the chosen format; returns 1.
int reportError(const Error& e);
void setGlobals(const Globals& g);

}  // namespace wharf::runtime_cli
