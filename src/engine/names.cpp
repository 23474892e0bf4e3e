#include "engine/names.h"

#include <sys/random.h>

#include <array>
#include <cctype>

namespace wharf::engine {

namespace {

// Our own lists: adjectives a container might be, and scientists and engineers whose work
// computing stands on.
constexpr std::array<std::string_view, 60> kAdjectives = {
    "agile",   "amazing", "blissful", "bold",    "brave",    "bright",   "busy",     "calm",
    "clever",  "cool",    "crisp",    "curious", "daring",   "dazzling", "eager",    "elated",
    "epic",    "fervent", "festive",  "focused", "friendly", "gallant",  "gentle",   "gifted",
    "happy",   "hardy",   "hopeful",  "humble",  "jolly",    "keen",     "kind",     "lucid",
    "lucky",   "merry",   "modest",   "nimble",  "noble",    "patient",  "peaceful", "plucky",
    "polite",  "proud",   "quiet",    "quirky",  "relaxed",  "serene",   "sharp",    "sleepy",
    "smart",   "snappy",  "steady",   "stoic",   "sunny",    "swift",    "tender",   "upbeat",
    "vibrant", "wise",    "witty",    "zealous"};

constexpr std::array<std::string_view, 60> kSurnames = {
    "agnesi",   "allen",    "babbage",    "backus",     "bardeen", "bell",     "bohr",
    "boole",    "borg",     "cerf",       "curie",      "darwin",  "dijkstra", "einstein",
    "euler",    "faraday",  "fermat",     "fermi",      "feynman", "franklin", "galois",
    "gauss",    "goldberg", "hamilton",   "hertz",      "hodgkin", "hopper",   "hypatia",
    "kepler",   "knuth",    "kowalevski", "lamport",    "liskov",  "lovelace", "maxwell",
    "mccarthy", "meitner",  "minsky",     "mirzakhani", "napier",  "newton",   "noether",
    "pascal",   "perlman",  "planck",     "ramanujan",  "ritchie", "shannon",  "shockley",
    "sinoussi", "tesla",    "thompson",   "torvalds",   "turing",  "volta",    "wiles",
    "wilson",   "wing",     "wozniak",    "yalow"};

size_t secureIndex(size_t n) {
  uint32_t v = 0;
  while (::getrandom(&v, sizeof v, 0) != sizeof v) {
  }
  return v % n;
}

}  // namespace

std::string generateName(const std::function<bool(const std::string&)>& taken,
                         const std::function<size_t(size_t)>& randomIndex) {
  for (int attempt = 0;; ++attempt) {
    std::string name = std::string(kAdjectives[randomIndex(kAdjectives.size())]) + "_" +
                       std::string(kSurnames[randomIndex(kSurnames.size())]);
    // Steve Wozniak is not boring (docker's one exception; kept in the same spirit).
    if (name == "boring_wozniak") continue;
    if (attempt >= 3) name += std::to_string(randomIndex(10));
    if (!taken(name)) return name;
  }
}

std::string generateName(const std::function<bool(const std::string&)>& taken) {
  return generateName(taken, secureIndex);
}

Result<std::string> validateName(std::string_view name) {
  if (!name.empty() && name[0] == '/') name.remove_prefix(1);
  auto bad = [&](std::string_view why) {
    // Echo a bounded prefix: the name may be anything a client sent.
    std::string shown(name.substr(0, 64));
    if (name.size() > 64) shown += "...";
    return invalidArgument("Invalid container name (" + shown + ")" + std::string(why));
  };
  if (name.size() > kMaxNameLength) {
    return bad(", a name is at most " + std::to_string(kMaxNameLength) + " characters long");
  }
  constexpr std::string_view kRule = ", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed";
  if (name.size() < 2) return bad(kRule);
  // A loop, not std::regex: libstdc++'s regex recurses per character and overflowed the
  // stack on a 30,000-character name (issue 9).
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return bad(kRule);
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return bad(kRule);
    }
  }
  return std::string(name);
}

}  // namespace wharf::engine
